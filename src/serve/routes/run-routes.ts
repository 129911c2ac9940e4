import type { Hono } from 'hono';
import { NotFoundError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import { loadCheckpoint } from '../../evolve/index.ts';
import type { RunRecord } from '../../store/types.ts';
import type { RunDetail } from '../api-types.ts';
import { sendJson, sendRunJson, type DashboardContext } from '../dashboard-context.ts';
import { compareRuns } from '../queries/compare.ts';
import { failureReport } from '../queries/failures.ts';
import { insightsReport } from '../queries/insights.ts';
import { learnReport } from '../queries/learn-report.ts';
import { lineageSlice } from '../queries/lineage-tree.ts';
import { modelReport } from '../queries/model-report.ts';
import { listPrograms } from '../queries/program-list.ts';
import { boundedInteger, programRow } from '../queries/program-rows.ts';
import { listRunRows, runRowFor } from '../queries/runs-query.ts';
import { scoreSeries } from '../queries/score-series.ts';
import { throughputReport } from '../queries/throughput.ts';
import { trajectoryRows } from '../queries/trajectories.ts';

/** `/api/runs...` and `/api/compare`: the run list and everything a run's pages show. */
export function registerRunRoutes(app: Hono, dashboard: DashboardContext): void {
  const { store } = dashboard;

  const requireRun = async (id: string, kind?: RunRecord['kind']): Promise<RunRecord> => {
    const run = await store.getRun(id);
    if (run === undefined || (kind !== undefined && run.kind !== kind)) throw new NotFoundError(kind === undefined ? 'run' : `${kind} run`, id);
    return run;
  };

  app.get('/api/runs', async (context) => {
    const query = context.req.query();
    const list = await listRunRows(
      store,
      dashboard.programs,
      {
        kind: query['kind'] || undefined,
        status: query['status'] || undefined,
        hideAttempts: query['attempts'] === 'hide',
        sort: query['sort'],
        order: query['order'],
        offset: boundedInteger(query['offset'], 0, 0, Number.MAX_SAFE_INTEGER),
        limit: boundedInteger(query['limit'], 100, 1, 1000),
      },
      dashboard.now(),
    );
    return sendJson(dashboard, context, list);
  });

  app.get('/api/runs/:id', async (context) => {
    const run = await requireRun(context.req.param('id'));
    const row = await runRowFor(store, run, dashboard.programs, dashboard.now());
    const detail: RunDetail = { row, config: run.config, summary: run.summary, initial: null, best: null, programCount: 0, failureCount: 0, stopMessage: null };
    if (run.kind === 'evolve') {
      const index = await dashboard.programs.get(run.id);
      const initial = index.roots()[0];
      const best = index.best();
      detail.initial = initial === undefined ? null : programRow(initial);
      detail.best = best === undefined ? null : programRow(best);
      detail.programCount = index.size;
      detail.failureCount = index.memo('failure-count', () => index.programs.filter((program) => program.status !== 'evaluated').length);
      // Rebuilding the population of a large run takes a moment: start it now, so the lineage and
      // MAP-Elites tabs find it ready.
      dashboard.populations.get(run, index).catch(() => undefined);
    }
    const message = run.summary['message'] ?? run.summary['error'];
    detail.stopMessage = typeof message === 'string' ? message : null;
    return sendJson(dashboard, context, detail);
  });

  app.get('/api/runs/:id/series', async (context) => {
    const run = await requireRun(context.req.param('id'), 'evolve');
    const index = await dashboard.programs.get(run.id);
    const points = boundedInteger(context.req.query('points'), 400, 2, 5000);
    return sendRunJson(dashboard, context, index, `series:${points}`, () => scoreSeries(index, points));
  });

  app.get('/api/runs/:id/programs', async (context) => {
    const run = await requireRun(context.req.param('id'), 'evolve');
    const query = context.req.query();
    const index = await dashboard.programs.get(run.id);
    const island = query['island'] === undefined || query['island'] === '' ? undefined : Number(query['island']);
    const listQuery = {
      view: query['view'],
      status: query['status'] || undefined,
      island: island !== undefined && Number.isInteger(island) ? island : undefined,
      operator: query['operator'] || undefined,
      failureKind: query['failureKind'] || undefined,
      sort: query['sort'],
      order: query['order'],
      offset: boundedInteger(query['offset'], 0, 0, Number.MAX_SAFE_INTEGER),
      limit: boundedInteger(query['limit'], 50, 1, 500),
    };
    return sendRunJson(dashboard, context, index, `programs:${JSON.stringify(listQuery)}`, () => listPrograms(index, listQuery));
  });

  app.get('/api/runs/:id/tree', async (context) => {
    const run = await requireRun(context.req.param('id'), 'evolve');
    const index = await dashboard.programs.get(run.id);
    const population = await dashboard.populations.get(run, index);
    const treeQuery = {
      rootId: context.req.query('root') || undefined,
      focusId: context.req.query('focus') || undefined,
      depth: boundedInteger(context.req.query('depth'), 8, 1, 64),
      limit: boundedInteger(context.req.query('limit'), 1500, 1, 5000),
    };
    // The population is rebuilt on its own schedule: its build time is part of the key.
    const key = `tree:${population.view.computedAt}:${JSON.stringify(treeQuery)}`;
    return sendRunJson(dashboard, context, index, key, () => lineageSlice(index, population, treeQuery));
  });

  app.get('/api/runs/:id/population', async (context) => {
    const run = await requireRun(context.req.param('id'), 'evolve');
    const index = await dashboard.programs.get(run.id);
    const population = await dashboard.populations.get(run, index);
    return sendJson(dashboard, context, population.view);
  });

  app.get('/api/runs/:id/failures', async (context) => {
    const run = await requireRun(context.req.param('id'), 'evolve');
    const index = await dashboard.programs.get(run.id);
    const report = await failureReport(store, index, {
      kind: context.req.query('kind') || undefined,
      offset: boundedInteger(context.req.query('offset'), 0, 0, Number.MAX_SAFE_INTEGER),
      limit: boundedInteger(context.req.query('limit'), 20, 1, 100),
    });
    return sendJson(dashboard, context, report);
  });

  app.get('/api/runs/:id/models', async (context) => {
    const run = await requireRun(context.req.param('id'), 'evolve');
    const [index, checkpoint] = await Promise.all([dashboard.programs.get(run.id), loadCheckpoint(store, run.id)]);
    return sendJson(dashboard, context, modelReport(index, checkpoint as unknown as JsonObject | undefined));
  });

  app.get('/api/runs/:id/insights', async (context) => {
    const run = await requireRun(context.req.param('id'), 'evolve');
    const checkpoint = await loadCheckpoint(store, run.id);
    return sendJson(dashboard, context, await insightsReport(store, run.id, checkpoint as unknown as JsonObject | undefined));
  });

  app.get('/api/runs/:id/throughput', async (context) => {
    const run = await requireRun(context.req.param('id'), 'evolve');
    const index = await dashboard.programs.get(run.id);
    const points = boundedInteger(context.req.query('points'), 120, 2, 2000);
    return sendRunJson(dashboard, context, index, `throughput:${points}`, () => throughputReport(index, run.config, points));
  });

  app.get('/api/runs/:id/events', async (context) => {
    const run = await requireRun(context.req.param('id'));
    const events = await store.listEvents(run.id, {
      afterSequence: boundedInteger(context.req.query('after'), 0, 0, Number.MAX_SAFE_INTEGER),
      limit: boundedInteger(context.req.query('limit'), 200, 1, 2000),
    });
    return sendJson(dashboard, context, { events });
  });

  app.get('/api/runs/:id/learn', async (context) => {
    const run = await requireRun(context.req.param('id'), 'learn');
    return sendJson(dashboard, context, await learnReport(store, run));
  });

  app.get('/api/runs/:id/trajectories', async (context) => {
    const run = await requireRun(context.req.param('id'));
    return sendJson(dashboard, context, { trajectories: await trajectoryRows(store, run.id) });
  });

  app.get('/api/compare', async (context) => {
    const ids = (context.req.query('runs') ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '');
    return sendJson(dashboard, context, await compareRuns(store, dashboard.programs, ids, boundedInteger(context.req.query('points'), 400, 2, 5000)));
  });
}
