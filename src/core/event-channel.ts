/**
 * A many-listener event stream: loops publish typed events, callers either subscribe with a
 * callback or iterate asynchronously. Iterators that fall behind buffer rather than block the loop.
 */
export class EventChannel<Event> implements AsyncIterable<Event> {
  private readonly listeners = new Set<(event: Event) => void>();
  private closed = false;

  publish(event: Event): void {
    if (this.closed) return;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not stop the loop that publishes.
      }
    }
  }

  subscribe(listener: (event: Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    for (const listener of this.listeners) listener(closeMarker as Event);
    this.listeners.clear();
  }

  [Symbol.asyncIterator](): AsyncIterator<Event> {
    const buffer: Event[] = [];
    let wake: (() => void) | undefined;
    let done = this.closed;
    const unsubscribe = this.subscribe((event) => {
      if (event === (closeMarker as Event)) done = true;
      else buffer.push(event);
      wake?.();
    });
    return {
      next: async (): Promise<IteratorResult<Event>> => {
        while (buffer.length === 0 && !done) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        if (buffer.length > 0) return { value: buffer.shift()!, done: false };
        unsubscribe();
        return { value: undefined, done: true };
      },
      return: async (): Promise<IteratorResult<Event>> => {
        unsubscribe();
        done = true;
        return { value: undefined, done: true };
      },
    };
  }
}

const closeMarker = Symbol('event-channel-closed');
