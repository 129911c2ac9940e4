import type { EventChannel } from '../../core/event-channel.ts';
import type { JsonObject } from '../../core/json.ts';
import type { Store } from '../../store/types.ts';
import type { EvolveEvent } from './events.ts';

/**
 * The engine's persistence policy: every event goes to the run's listeners; the lasting ones also
 * go to the store's event log. Per-candidate events (proposed, evaluated, rejected) are not logged:
 * each attempt's program record already holds them, and logging them would double the writes on
 * the hot path. Store writes (events, checkpoints) run one after another, in order, off the hot
 * path; a failed write is handed to `onError` (the engine fails the run).
 */
export class EngineEventLog {
  readonly #channel: EventChannel<EvolveEvent>;
  readonly #store: Store;
  readonly #runId: string;
  readonly #onError: (error: unknown) => void;
  #writes: Promise<void> = Promise.resolve();

  constructor(options: { channel: EventChannel<EvolveEvent>; store: Store; runId: string; onError: (error: unknown) => void }) {
    this.#channel = options.channel;
    this.#store = options.store;
    this.#runId = options.runId;
    this.#onError = options.onError;
  }

  /** Publishes an event; `extra` is stored with it but not published (bulky details such as migration moves). */
  emit(event: EvolveEvent, extra: JsonObject = {}): void {
    this.#channel.publish(event);
    if (!isLogged(event)) return;
    const { type, ...data } = event;
    this.enqueue(async () => {
      await this.#store.appendEvent(this.#runId, type, { ...(data as unknown as JsonObject), ...extra });
    });
  }

  /** Runs a store write after every write queued before it. */
  enqueue(write: () => Promise<void>): void {
    this.#writes = this.#writes.then(write).catch((error: unknown) => {
      this.#onError(error);
    });
  }

  /** Settles once every write queued so far has been made (or has failed and been reported). */
  settled(): Promise<void> {
    return this.#writes;
  }
}

export function isLogged(event: EvolveEvent): boolean {
  return event.type !== 'candidate-proposed' && event.type !== 'candidate-evaluated' && event.type !== 'candidate-rejected';
}
