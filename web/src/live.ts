import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveUpdate } from '../../src/serve/api-types.ts';

/**
 * One EventSource for the whole page (`/api/live`), fanned out to the components that care. The
 * browser reconnects by itself after a drop; `useLiveStatus` shows whether it is connected.
 */
/** `null` means "anything may have changed": the stream was down, and what it carried meanwhile is lost. */
type Listener = (update: LiveUpdate | null) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(connected: boolean) => void>();
let source: EventSource | undefined;
let connected = false;

function ensureSource(): void {
  if (source !== undefined) return;
  source = new EventSource('/api/live');
  source.addEventListener('hello', () => {
    setConnected(true);
    // The stream reports changes from its first poll on. What changed before it never arrives: while
    // a dropped stream was down, and between a page's first fetch and this hello. So every page refetches.
    for (const listener of listeners) listener(null);
  });
  source.addEventListener('update', (event) => {
    setConnected(true);
    const update = JSON.parse((event as MessageEvent<string>).data) as LiveUpdate;
    for (const listener of listeners) listener(update);
  });
  source.addEventListener('error', () => setConnected(false));
}

function setConnected(value: boolean): void {
  if (connected === value) return;
  connected = value;
  for (const listener of statusListeners) listener(value);
}

/**
 * Calls `onChange` (at most every `debounceMs`) when the run `runId` changes, or, with `runId`
 * null, when any run does. Pages refetch what they show in it.
 */
export function useLive(runId: string | null, onChange: () => void, debounceMs = 300): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    ensureSource();
    let timer: number | undefined;
    const listener: Listener = (update) => {
      if (update !== null && runId !== null && update.runId !== runId) return;
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        callback.current();
      }, debounceMs);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [runId, debounceMs]);
}

export function useLiveStatus(): boolean {
  const [value, setValue] = useState(connected);
  useEffect(() => {
    ensureSource();
    statusListeners.add(setValue);
    return () => {
      statusListeners.delete(setValue);
    };
  }, []);
  return value;
}
