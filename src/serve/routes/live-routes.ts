import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { LiveUpdate } from '../api-types.ts';
import type { DashboardContext } from '../dashboard-context.ts';

/** Keeps proxies and the browser from closing an idle stream. */
const heartbeatMs = 15_000;

/** `/api/live`: Server-Sent Events, one `update` message per change the poller sees. */
export function registerLiveRoutes(app: Hono, dashboard: DashboardContext): void {
  app.get('/api/live', (context) =>
    streamSSE(context, async (stream) => {
      let wake: (() => void) | undefined;
      const queue: LiveUpdate[] = [];
      const unsubscribe = dashboard.live.subscribe((update) => {
        queue.push(update);
        wake?.();
      });
      let open = !dashboard.live.closed.aborted;
      const end = (): void => {
        open = false;
        wake?.();
      };
      stream.onAbort(end);
      dashboard.live.closed.addEventListener('abort', end, { once: true });
      try {
        // The first tick records where every run stands; changes after it are what this stream reports.
        await dashboard.live.nextPoll();
        await stream.writeSSE({ event: 'hello', data: JSON.stringify({ pollMs: dashboard.pollMs }), retry: 2000 });
        while (open && !stream.aborted && !stream.closed) {
          while (queue.length > 0) {
            const update = queue.shift()!;
            await stream.writeSSE({ event: 'update', data: JSON.stringify(dashboard.filter(update)) });
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (queue.length === 0 && open) await stream.writeSSE({ event: 'ping', data: String(Date.now()) });
        }
      } finally {
        dashboard.live.closed.removeEventListener('abort', end);
        unsubscribe();
      }
    }),
  );
}
