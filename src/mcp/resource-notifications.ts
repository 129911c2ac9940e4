import type { McpServer } from '@modelcontextprotocol/server';
import { itemUri } from './item-addresses.ts';
import type { LibraryChangeSet, LibraryChanges } from './library-changes.ts';

/**
 * Resource notifications on one connection: `resources/subscribe` and `resources/unsubscribe`
 * keep the URIs this client asked about; when the library moves (see LibraryChanges),
 * `notifications/resources/list_changed` goes out, and `notifications/resources/updated` for each
 * subscribed URI whose content changed: an item's head URI (`lamarck://skills/<name>`) and, for a
 * skill, its skills-extension files (`skill://<name>/...`). A versioned URI never changes, so it
 * is never announced.
 */
export function registerResourceNotifications(server: McpServer, changes: LibraryChanges, log: (line: string) => void): void {
  const subscribed = new Set<string>();
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler('resources/subscribe', (request) => {
    subscribed.add(canonical(request.params.uri));
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', (request) => {
    subscribed.delete(canonical(request.params.uri));
    return {};
  });

  const announce = (change: LibraryChangeSet): void => {
    if (!server.isConnected()) return;
    const failed = (error: unknown): void => log(`notification not sent: ${error instanceof Error ? error.message : String(error)}`);
    server.server.sendResourceListChanged().catch(failed);
    const touched = new Set([...change.items.map((item) => canonical(itemUri(item))), ...change.skillFileUris.map(canonical)]);
    for (const uri of touched) if (subscribed.has(uri)) server.server.sendResourceUpdated({ uri }).catch(failed);
  };
  const stop = changes.subscribe(announce);
  // The transport's owner (stdio-server, http-server) may set onclose after this; each chains.
  const previous = server.server.onclose;
  server.server.onclose = () => {
    stop();
    previous?.();
  };
}

function canonical(uri: string): string {
  try {
    return new URL(uri).href;
  } catch {
    return uri;
  }
}
