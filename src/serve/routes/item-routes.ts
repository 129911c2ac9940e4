import type { Hono } from 'hono';
import { NotFoundError, UsageError } from '../../core/errors.ts';
import { sendJson, type DashboardContext } from '../dashboard-context.ts';
import { artifactDetail, artifactRows, parseKind } from '../queries/library-query.ts';
import { programDetail } from '../queries/program-detail.ts';
import { trajectoryDetail } from '../queries/trajectories.ts';

/** `/api/programs/:id`, `/api/trajectories/:id` and `/api/library...`, rollback included. */
export function registerItemRoutes(app: Hono, dashboard: DashboardContext): void {
  const { store, library } = dashboard;

  app.get('/api/programs/:id', async (context) => {
    const id = context.req.param('id');
    const detail = await programDetail(store, dashboard.programs, id, (run, index) => dashboard.populations.get(run, index));
    if (detail === undefined) throw new NotFoundError('program', id);
    return sendJson(dashboard, context, detail);
  });

  app.get('/api/trajectories/:id', async (context) => {
    const id = context.req.param('id');
    const detail = await trajectoryDetail(store, id);
    if (detail === undefined) throw new NotFoundError('trajectory', id);
    return sendJson(dashboard, context, detail);
  });

  app.get('/api/library', async (context) => {
    const kind = context.req.query('kind');
    return sendJson(dashboard, context, { artifacts: await artifactRows(store, library, { kind: kind === undefined || kind === '' ? undefined : parseKind(kind) }) });
  });

  app.get('/api/library/:kind/:name', async (context) => {
    const kind = parseKind(context.req.param('kind'));
    const name = context.req.param('name');
    const detail = await artifactDetail(store, library, kind, name);
    if (detail === undefined) throw new NotFoundError(kind, name);
    return sendJson(dashboard, context, detail);
  });

  app.get('/api/library/:kind/:name/diff', async (context) => {
    const kind = parseKind(context.req.param('kind'));
    const name = context.req.param('name');
    const from = versionNumber(context.req.query('from'), 'from');
    const to = versionNumber(context.req.query('to'), 'to');
    return sendJson(dashboard, context, { name, from, to, diff: await library.diff(kind, name, from, to) });
  });

  // The write action: the access middleware has already required the token and a JSON body.
  app.post('/api/library/:kind/:name/rollback', async (context) => {
    const kind = parseKind(context.req.param('kind'));
    const name = context.req.param('name');
    const body: unknown = await context.req.json().catch(() => {
      throw new UsageError('rollback expects a JSON body { "version": <number> }');
    });
    const version = versionNumber(typeof body === 'object' && body !== null ? String((body as Record<string, unknown>)['version'] ?? '') : '', 'version');
    const before = await library.require(kind, name);
    const entry = await library.rollback(kind, name, version);
    return sendJson(dashboard, context, { kind, name, previousVersion: before.version.number, version: entry.version.number });
  });
}

function versionNumber(text: string | undefined, field: string): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isInteger(value) || value < 1) throw new UsageError(`${field} expects a version number (1, 2, ...), got "${text ?? ''}"`);
  return value;
}
