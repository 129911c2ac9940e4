import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Store } from '../store/types.ts';

/**
 * The same store, but every call first lets the event loop turn. The SQLite store answers
 * synchronously under its promises, so a long read loop (rebuilding a 100,000-program population)
 * would otherwise hold the loop and stall every other request and live stream until it ended; with
 * a turn between pages, it runs in slices alongside them.
 */
export function yieldingStore(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await nextTurn();
        return (value as (...parameters: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
