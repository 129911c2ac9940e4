import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain HTTP proxy on 127.0.0.1 in front of a dashboard, which can hold the live stream
 * (`/api/live`) back and cut it, so a test decides when the page's stream is down and when it comes
 * back instead of waiting for a busy machine to drop it. Every other request passes straight through.
 */
export interface LiveProxy {
  url: string;
  /** New live requests wait, unanswered (the page's EventSource stays "connecting"), until `open()`. */
  hold(): void;
  /** Forwards the held live requests and every later one. */
  open(): void;
  /** Cuts the live streams now open: the browser sees a network error and reconnects. */
  cut(): void;
  /** Live requests that reached the dashboard so far. */
  readonly liveConnections: number;
  /** Live requests waiting while the stream is held. */
  readonly heldLiveRequests: number;
  close(): Promise<void>;
}

export async function startLiveProxy(target: string): Promise<LiveProxy> {
  const upstream = new URL(target);
  let holding = false;
  let held: { incoming: IncomingMessage; outgoing: ServerResponse }[] = [];
  const openStreams = new Set<ServerResponse>();
  let liveConnections = 0;

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const live = (incoming.url ?? '').startsWith('/api/live');
    if (live) {
      liveConnections += 1;
      openStreams.add(outgoing);
      outgoing.on('close', () => openStreams.delete(outgoing));
    }
    // The dashboard checks that Host names it (and Origin, when sent): speak for the page.
    const headers = { ...incoming.headers, host: upstream.host };
    delete headers.origin;
    const proxied = request({ host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    proxied.on('error', () => outgoing.destroy());
    outgoing.on('close', () => proxied.destroy());
    incoming.pipe(proxied);
  };

  const server = createServer((incoming, outgoing) => {
    if (holding && (incoming.url ?? '').startsWith('/api/live')) {
      held.push({ incoming, outgoing });
      return;
    }
    forward(incoming, outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    hold() {
      holding = true;
    },
    open() {
      holding = false;
      const waiting = held;
      held = [];
      for (const { incoming, outgoing } of waiting) if (!outgoing.destroyed) forward(incoming, outgoing);
    },
    cut() {
      for (const stream of openStreams) stream.destroy();
      openStreams.clear();
    },
    get liveConnections() {
      return liveConnections;
    },
    get heldLiveRequests() {
      return held.length;
    },
    async close() {
      for (const { outgoing } of held) outgoing.destroy();
      held = [];
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
