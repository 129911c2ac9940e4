import { Hono } from 'hono';
import { isLamarckError, VersionConflictError } from '../core/errors.ts';
import type { SessionInfo } from './api-types.ts';
import { sendError, sendJson, type DashboardContext } from './dashboard-context.ts';
import { registerItemRoutes } from './routes/item-routes.ts';
import { registerLiveRoutes } from './routes/live-routes.ts';
import { registerRunRoutes } from './routes/run-routes.ts';
import { accessControl, securityHeaders } from './security.ts';

/**
 * The dashboard as a Hono app: security headers and access control first, then the JSON API under
 * `/api/`, the live stream, the built assets, and the page for every other path (the pages route
 * on the client). Usable without a socket through `app.request()`.
 */
export function createDashboardApp(dashboard: DashboardContext): Hono {
  const app = new Hono();
  app.use('*', securityHeaders());
  app.use('*', accessControl(dashboard.policy));

  app.get('/api/session', (context) => {
    const token = dashboard.policy.token;
    const session: SessionInfo = {
      version: dashboard.version,
      store: { kind: dashboard.store.kind, location: dashboard.store.location },
      tokenConfigured: token !== undefined,
      // With a token configured, the access check let this request through only if it carried it.
      authenticated: token !== undefined,
      pollMs: dashboard.pollMs,
    };
    return sendJson(dashboard, context, session);
  });
  registerRunRoutes(app, dashboard);
  registerItemRoutes(app, dashboard);
  registerLiveRoutes(app, dashboard);

  app.all('/api/*', (context) => sendError(context, 404, 'not-found', `no such API route: ${context.req.method} ${context.req.path}`));
  app.get('*', (context) => {
    const asset = dashboard.assets.get(context.req.path);
    if (asset !== undefined) return context.body(asset.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': asset.contentType, 'Cache-Control': 'no-cache' });
    if (context.req.path.startsWith('/assets/')) return context.text('not found\n', 404);
    return context.body(dashboard.assets.index.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': dashboard.assets.index.contentType, 'Cache-Control': 'no-cache' });
  });

  app.onError((error, context) => {
    if (error instanceof VersionConflictError) return sendError(context, 409, error.code, error.message);
    if (isLamarckError(error) && error.code === 'not-found') return sendError(context, 404, error.code, error.message);
    if (isLamarckError(error) && error.fault === 'user') return sendError(context, 400, error.code, error.message);
    const message = error instanceof Error ? error.message : String(error);
    return sendError(context, 500, isLamarckError(error) ? error.code : 'internal', dashboard.filter(message) as string);
  });
  return app;
}
