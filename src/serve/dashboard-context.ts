import type { Context } from 'hono';
import type { Library } from '../library/library.ts';
import type { Store } from '../store/types.ts';
import type { LiveUpdates } from './live-updates.ts';
import type { PopulationCache } from './queries/population-view.ts';
import type { RunPrograms, RunProgramsCache } from './run-programs.ts';
import type { ResponseFilter } from './safe-json.ts';
import type { AccessPolicy } from './security.ts';
import type { StaticAssets } from './static-assets.ts';

/** What every route reads: the store (through the Store contract only), caches and policies. */
export interface DashboardContext {
  store: Store;
  library: Library;
  programs: RunProgramsCache;
  populations: PopulationCache;
  live: LiveUpdates;
  filter: ResponseFilter;
  policy: AccessPolicy;
  assets: StaticAssets;
  version: string;
  pollMs: number;
  now(): number;
}

/** A JSON response that went through the response filter: secrets out, NaN and Infinity as text. */
export function sendJson(dashboard: DashboardContext, context: Context, value: unknown, status: 200 | 201 = 200): Response {
  return context.body(JSON.stringify(dashboard.filter(value)), status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
}

/**
 * Like sendJson, for values derived from a run's programs only: the filtered, serialized body is
 * kept until programs are added, so repeated requests (every open page refetches) cost a lookup.
 */
export function sendRunJson(dashboard: DashboardContext, context: Context, index: RunPrograms, key: string, compute: () => unknown): Response {
  const body = index.memo(`response:${key}`, () => JSON.stringify(dashboard.filter(compute())));
  return context.body(body, 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
}

export function sendError(context: Context, status: 400 | 404 | 409 | 500, code: string, message: string): Response {
  return context.json({ error: { code, message } }, status, { 'Cache-Control': 'no-store' });
}
