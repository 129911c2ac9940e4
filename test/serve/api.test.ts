import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  FailureReport,
  LearnReport,
  PopulationView,
  ProgramDetail,
  ProgramPage,
  RunDetail,
  RunList,
  ScoreSeries,
  TreeSlice,
  ArtifactDetail,
  TrajectoryDetail,
  CompareSeries,
  ModelReport,
  ThroughputReport,
  InsightsReport,
} from '../../src/serve/api-types.ts';
import type { Store } from '../../src/store/types.ts';
import { buildDemoStore, demoModels, hostileMarkup, lamarck, stderrMarker, type DemoStore } from './support/demo-store.ts';
import { getJson, serveStore } from './support/dashboard.ts';

/**
 * The JSON API over real HTTP on 127.0.0.1, on a store made by real runs (the model-free evolve
 * on a tiny problem, a learn run and an agent run against the protocol server). Figures are
 * checked against the store itself, not against constants.
 */
let root: string;
let demo: DemoStore;
let served: Awaited<ReturnType<typeof serveStore>>;
let base: string;
let store: Store;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lamarck-serve-api-'));
  demo = await buildDemoStore(root);
  served = await serveStore(demo.storePath, { token: 'api-test-token-0123456789' });
  base = served.dashboard.url;
  store = served.store;
}, 240_000);

afterAll(async () => {
  await served?.close();
  rmSync(root, { recursive: true, force: true });
});

const auth = { headers: { Authorization: 'Bearer api-test-token-0123456789' } };
const get = <T>(path: string) => getJson<T>(base, path, auth);

describe('GET /api/runs', () => {
  it('returns every evolve, learn and agent run with its figures', async () => {
    const list = await get<RunList>('/api/runs');
    const stored = await store.listRuns();
    expect(list.total).toBe(stored.length);
    const evolve = list.runs.find((run) => run.id === demo.evolveRunId)!;
    const best = (await store.listPrograms(demo.evolveRunId)).filter((program) => program.status === 'evaluated').reduce((most, program) => Math.max(most, program.score!), -Infinity);
    expect(evolve).toMatchObject({ kind: 'evolve', status: 'finished', bestScore: best, iterations: 16 });
    expect(list.runs.find((run) => run.id === demo.learnRunId)).toMatchObject({ kind: 'learn', iterations: 3, bestScore: 2 / 3 });
    const agent = list.runs.find((run) => run.id === demo.agentRunId)!;
    expect(agent).toMatchObject({ kind: 'agent', status: 'finished', iterations: 2, tokens: 752 });
  });

  it('filters by kind and status, hides learn attempts on request, and sorts by any column with missing values last', async () => {
    const evolveOnly = await get<RunList>('/api/runs?kind=evolve');
    expect(evolveOnly.runs.map((run) => run.id).sort()).toEqual([demo.evolveRunId, demo.secondEvolveRunId].sort());
    expect((await get<RunList>('/api/runs?status=failed')).total).toBe(0);
    const withoutAttempts = await get<RunList>('/api/runs?attempts=hide');
    expect(withoutAttempts.runs.map((run) => run.kind).sort()).toEqual(['agent', 'evolve', 'evolve', 'learn']);
    const ascending = await get<RunList>('/api/runs?sort=bestScore&order=asc');
    const scores = ascending.runs.map((run) => run.bestScore);
    const present = scores.filter((score) => score !== null) as number[];
    expect(present).toEqual([...present].sort((left, right) => left - right));
    expect(scores.slice(present.length).every((score) => score === null)).toBe(true);
    const descending = await get<RunList>('/api/runs?sort=bestScore&order=desc');
    expect(descending.runs[0]!.bestScore).toBe(Math.max(...present));
    const paged = await get<RunList>('/api/runs?limit=2&offset=1&sort=createdAt&order=asc');
    expect(paged.runs.map((run) => run.id)).toEqual((await get<RunList>('/api/runs?sort=createdAt&order=asc')).runs.slice(1, 3).map((run) => run.id));
  });
});

describe('an evolve run', () => {
  it('shows its best program, counts and stop reason', async () => {
    const detail = await get<RunDetail>(`/api/runs/${demo.evolveRunId}`);
    const programs = await store.listPrograms(demo.evolveRunId);
    expect(detail.programCount).toBe(programs.length);
    expect(detail.failureCount).toBe(programs.filter((program) => program.status !== 'evaluated').length);
    expect(detail.failureCount).toBeGreaterThan(0);
    expect(detail.best!.score).toBe(detail.row.bestScore);
    expect(detail.initial!.operator).toBe('initial');
  });

  it('serves a downsampled score series whose best never falls and ends at the run best', async () => {
    const series = await get<ScoreSeries>(`/api/runs/${demo.evolveRunId}/series?points=5`);
    expect(series.x.length).toBeLessThanOrEqual(5);
    expect(series.total).toBe(17);
    const best = series.best.filter((value) => value !== null) as number[];
    expect(best).toEqual([...best].sort((left, right) => left - right));
    expect(best.at(-1)).toBe((await get<RunDetail>(`/api/runs/${demo.evolveRunId}`)).row.bestScore);
    expect(series.islands.map((island) => island.island)).toEqual([0, 1]);
    expect(series.models).toEqual([{ model: 'none', counts: expect.any(Array) }]);
  });

  it('pages programs: top first by score, failed only, sorted by any column', async () => {
    const top = await get<ProgramPage>(`/api/runs/${demo.evolveRunId}/programs?view=top&limit=3`);
    const scores = top.programs.map((program) => program.score as number);
    expect(scores).toEqual([...scores].sort((left, right) => right - left));
    const failed = await get<ProgramPage>(`/api/runs/${demo.evolveRunId}/programs?view=failed&limit=100`);
    expect(failed.total).toBeGreaterThan(0);
    expect(failed.programs.every((program) => program.status !== 'evaluated' && program.failureKind === 'exit-code')).toBe(true);
    const second = await get<ProgramPage>(`/api/runs/${demo.evolveRunId}/programs?view=all&limit=5&offset=5`);
    expect(second.programs.map((program) => program.sequence)).toEqual([6, 7, 8, 9, 10]);
  });

  it('loads the lineage tree lazily and keeps evicted parents as ghost nodes', async () => {
    const full = await get<TreeSlice>(`/api/runs/${demo.evolveRunId}/tree`);
    expect(full.total).toBe(17);
    expect(full.nodes).toHaveLength(17);
    expect(full.truncated).toEqual([]);
    const population = await get<PopulationView>(`/api/runs/${demo.evolveRunId}/population`);
    expect(population.evicted).toBeGreaterThan(0);
    expect(full.nodes.filter((node) => node.ghost)).toHaveLength(population.evicted);
    // A ghost is still linked: its children point at it and it points at its parent.
    const ghost = full.nodes.find((node) => node.ghost && node.childCount > 0) ?? full.nodes.find((node) => node.ghost)!;
    expect(full.nodes.some((node) => node.id === ghost.parentId || ghost.parentId === null)).toBe(true);
    const shallow = await get<TreeSlice>(`/api/runs/${demo.evolveRunId}/tree?depth=1`);
    expect(shallow.truncated.length).toBeGreaterThan(0);
    const bestId = (await get<RunDetail>(`/api/runs/${demo.evolveRunId}`)).best!.id;
    expect(shallow.nodes.some((node) => node.id === bestId && node.best)).toBe(true);
    const expandedRoot = shallow.truncated[0]!;
    const expanded = await get<TreeSlice>(`/api/runs/${demo.evolveRunId}/tree?root=${expandedRoot}&depth=1`);
    const children = full.nodes.filter((node) => node.parentId === expandedRoot).map((node) => node.id).sort();
    expect(expanded.nodes.filter((node) => node.parentId === expandedRoot).map((node) => node.id).sort()).toEqual(children);
  });

  it('rebuilds the population as the engine holds it: two islands within their cap, MAP-Elites cells', async () => {
    const population = await get<PopulationView>(`/api/runs/${demo.evolveRunId}/population`);
    expect(population.note).toBeNull();
    expect(population.islands.map((island) => island.index)).toEqual([0, 1]);
    for (const island of population.islands) expect(island.size).toBeLessThanOrEqual(3);
    expect(population.dimensions.map((dimension) => dimension.name)).toEqual(['code-length', 'diversity']);
    expect(population.cells.length).toBeGreaterThan(0);
    expect(population.archive.capacity).toBe(2);
  });

  it('lists failures by kind with the evaluator stderr as evidence', async () => {
    const report = await get<FailureReport>(`/api/runs/${demo.evolveRunId}/failures`);
    const failed = (await store.listPrograms(demo.evolveRunId)).filter((program) => program.status === 'failed');
    expect(report.byKind).toEqual([{ kind: 'exit-code', status: 'failed', count: failed.length }]);
    expect(report.items).toHaveLength(failed.length);
    for (const item of report.items) {
      expect(item.stderrTail).toContain(stderrMarker);
      expect(item.failure).toMatchObject({ kind: 'exit-code' });
    }
    const other = await get<FailureReport>(`/api/runs/${demo.evolveRunId}/failures?kind=timeout`);
    expect(other.items).toEqual([]);
  });

  it('reports models and operators, insights, and throughput with the configured slots', async () => {
    const models = await get<ModelReport>(`/api/runs/${demo.evolveRunId}/models`);
    expect(models.models).toEqual([expect.objectContaining({ model: 'model-free', attempts: 16 })]);
    expect(models.operators.map((operator) => operator.operator)).toEqual(['numeric-tune']);
    expect(models.bandit).toBeNull();
    expect(models.operatorBandit).toBeNull();
    const insights = await get<InsightsReport>(`/api/runs/${demo.evolveRunId}/insights`);
    expect(insights.current).toEqual([]);
    const throughput = await get<ThroughputReport>(`/api/runs/${demo.evolveRunId}/throughput?points=20`);
    expect(throughput.slots.evaluations).toBe(1);
    expect(throughput.time.length).toBeGreaterThan(0);
    const completions = throughput.evaluationsPerMinute.reduce((sum, rate) => sum + (rate * (throughput.time[1]! - throughput.time[0]!)) / 60_000, 0);
    expect(Math.round(completions)).toBe(17);
    // One slot: never more than one evaluation in flight, although candidates queued for it (it was 1.51 when the wait counted as evaluation).
    for (const occupancy of throughput.evaluationOccupancy) expect(occupancy).toBeLessThanOrEqual(1.0001);
    const programs = await store.listPrograms(demo.evolveRunId);
    expect(programs.some((program) => (program.timing.queuedMs ?? 0) > 0)).toBe(true);
    expect(throughput.meanQueuedMs).toBeGreaterThan(0);
    const second = await get<ThroughputReport>(`/api/runs/${demo.secondEvolveRunId}/throughput?points=20`);
    expect(second.slots.evaluations).toBe(2);
    for (const occupancy of second.evaluationOccupancy) expect(occupancy).toBeLessThanOrEqual(2.0001);
  });

  it("shows an ensemble run's model bandit and operator mix, scored with the settings they saved", async () => {
    const models = await get<ModelReport>(`/api/runs/${demo.secondEvolveRunId}/models`);
    const bandit = models.bandit!;
    expect(bandit.settings).toEqual({ costCoefficient: 0.5, epsilon: 0.1, exploration: 1, countImprovements: false, saved: true });
    expect(bandit.arms.map((arm) => arm.arm.split('#')[1])).toEqual([...demoModels]);
    // The bandit learns from every evaluated child of a model: its pulls are those children in the store.
    const programs = await store.listPrograms(demo.secondEvolveRunId);
    for (const arm of bandit.arms) {
      expect(arm.pulls).toBe(programs.filter((program) => program.model === arm.arm && program.timing.evaluateMs > 0).length);
      const spent = programs.filter((program) => program.model === arm.arm && program.timing.evaluateMs > 0).reduce((sum, program) => sum + program.costUsd, 0);
      expect(arm.costSum).toBeCloseTo(spent, 12);
    }
    expect(bandit.arms.reduce((sum, arm) => sum + arm.pulls, 0)).toBeGreaterThan(0);
    expect(bandit.arms.reduce((sum, arm) => sum + arm.nextPickChance, 0)).toBeCloseTo(1, 9);
    // The priced models cost something, and the report's table agrees with the store.
    const strong = models.models.find((row) => row.model.endsWith(`#${demoModels[0]}`));
    expect(strong?.costUsd ?? 0).toBeCloseTo(programs.filter((program) => program.model?.endsWith(`#${demoModels[0]}`)).reduce((sum, program) => sum + program.costUsd, 0), 12);
    const mix = models.operatorBandit!;
    expect(mix.settings).toMatchObject({ epsilon: 0.2, exploration: 0.5, countImprovements: true, saved: true });
    expect(mix.arms.length).toBeGreaterThanOrEqual(2);
    expect(mix.arms.reduce((sum, arm) => sum + arm.pulls, 0)).toBeGreaterThan(0);
  });

  it('serves a program with its code, diffs against its parent and the initial program, and lineage links', async () => {
    const best = (await get<RunDetail>(`/api/runs/${demo.evolveRunId}`)).best!;
    const detail = await get<ProgramDetail>(`/api/programs/${best.id}`);
    const stored = (await store.getProgram(best.id))!;
    expect((detail.program as { files: Record<string, string> }).files).toEqual(stored.files);
    expect(detail.parent!.id).toBe(stored.parentId);
    expect(detail.diffToParent).toMatch(/^--- parent\/program\.mjs\n\+\+\+ this\/program\.mjs\n/);
    // Each diff names exactly the lines the program changed, whichever literals the tuner moved.
    const initial = (await store.listPrograms(demo.evolveRunId)).find((program) => program.parentId === undefined || program.parentId === null)!;
    const parentCode = (await store.getProgram(stored.parentId!))!.files['program.mjs']!;
    expectDiffOfLines(detail.diffToParent, parentCode, stored.files['program.mjs']!);
    expectDiffOfLines(detail.diffToInitial, initial.files['program.mjs']!, stored.files['program.mjs']!);
    expect(detail.ghost).toBe(false);
    const parent = await get<ProgramDetail>(`/api/programs/${stored.parentId}`);
    expect(parent.children.map((child) => child.id)).toContain(best.id);
    // Hostile text stays a string in JSON: the pages put it in text nodes.
    expect(JSON.stringify(detail.program)).toContain(JSON.stringify(hostileMarkup).slice(1, -1));
  });

  it('answers 404 with a JSON error for unknown runs and programs, and 400 for bad input', async () => {
    const missing = await fetch(`${base}/api/runs/run_nope`, auth);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not-found', message: 'run not found: run_nope' } });
    expect((await fetch(`${base}/api/programs/prg_nope`, auth)).status).toBe(404);
    expect((await fetch(`${base}/api/runs/${demo.learnRunId}/tree`, auth)).status).toBe(404);
    const badKind = await fetch(`${base}/api/library?kind=spell`, auth);
    expect(badKind.status).toBe(400);
    expect(((await badKind.json()) as { error: { message: string } }).error.message).toContain('unknown library kind "spell"');
    expect((await fetch(`${base}/api/nothing-here`, auth)).status).toBe(404);
  });
});

describe('a learn run, the library and an agent run', () => {
  it('gives the learning curve and every gate decision with held-out figures, rejections included', async () => {
    const report = await get<LearnReport>(`/api/runs/${demo.learnRunId}/learn`);
    expect(report.curve.map((point) => point['passed'])).toEqual([false, true, true]);
    expect(report.gates.map((gate) => gate.decision)).toEqual(['committed', 'rejected', 'rejected', 'committed']);
    const heldOutRejection = report.gates.find((gate) => gate.decision === 'rejected' && gate.figures !== null)!;
    expect(heldOutRejection.figures).toMatchObject({ withScore: 0, withoutScore: 1, delta: -1, heldOutTaskIds: ['h1'], accepted: false });
    expect(heldOutRejection.reason).toContain('fails the no-drop rule');
    const invalid = report.gates.find((gate) => gate.problems.length > 0)!;
    expect(invalid.problems.join(' ')).toContain('text');
    for (const task of report.tasks) expect(task.trajectoryIds.length).toBeGreaterThan(0);
  });

  it('lists the library with versions, links versions to their task and trajectory, and diffs two versions', async () => {
    const library = await get<{ artifacts: { kind: string; name: string; version: number; versions: number }[] }>('/api/library');
    expect(library.artifacts).toEqual([expect.objectContaining({ kind: 'lesson', name: 'add-carefully', version: 2, versions: 2 })]);
    const detail = await get<ArtifactDetail>('/api/library/lesson/add-carefully');
    expect(detail.versions.map((version) => [version.number, version.head])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(detail.versions[1]!.trajectories[0]).toMatchObject({ taskId: 't1' });
    const diff = await get<{ diff: string }>('/api/library/lesson/add-carefully/diff?from=1&to=2');
    expect(diff.diff).toContain('+When you add numbers, add them carefully and answer with the number only. Check the sum once before answering.');
  });

  it('shows an agent run trajectory step by step with its tool call and result', async () => {
    const { trajectories } = await get<{ trajectories: { id: string }[] }>(`/api/runs/${demo.agentRunId}/trajectories`);
    expect(trajectories).toHaveLength(1);
    const detail = await get<TrajectoryDetail>(`/api/trajectories/${trajectories[0]!.id}`);
    const types = detail.steps.map((step) => step.type);
    expect(types).toEqual(expect.arrayContaining(['model-call', 'tool-call', 'tool-result', 'answer']));
    expect(JSON.stringify(detail.steps.find((step) => step.type === 'tool-call')!.data)).toContain('notes.txt');
  });

  it('compares runs: one best-so-far curve per evolve run and a pass-rate curve per learn run', async () => {
    const compare = await get<CompareSeries>(`/api/compare?runs=${demo.evolveRunId},${demo.secondEvolveRunId},${demo.learnRunId},${demo.agentRunId},run_unknown`);
    expect(compare.runs.map((run) => run.id)).toEqual([demo.evolveRunId, demo.secondEvolveRunId, demo.learnRunId]);
    expect(compare.runs[2]!.best).toEqual([0, 0.5, 2 / 3]);
  });

  it('rolls a lesson back only with the token, through the same library path as lamarck skills rollback', async () => {
    const path = `${base}/api/library/lesson/add-carefully/rollback`;
    const body = JSON.stringify({ version: 1 });
    const withoutToken = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(withoutToken.status).toBe(401);
    const notJson = await fetch(path, { method: 'POST', headers: { ...auth.headers, 'Content-Type': 'text/plain' }, body });
    expect(notJson.status).toBe(415);
    const badVersion = await fetch(path, { method: 'POST', headers: { ...auth.headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ version: 9 }) });
    expect(badVersion.status).toBe(404);
    const done = await fetch(path, { method: 'POST', headers: { ...auth.headers, 'Content-Type': 'application/json' }, body });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ kind: 'lesson', name: 'add-carefully', previousVersion: 2, version: 1 });
    // The CLI reads the same store and sees the moved head.
    const history = await lamarck(demo.cwd, 'library', 'lessons', 'history', 'add-carefully');
    expect(history.stdout).toMatch(/^v1 \(head\)/m);
    // Rolling forward again restores the original state for later tests.
    const forward = await fetch(path, { method: 'POST', headers: { ...auth.headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ version: 2 }) });
    expect(forward.status).toBe(200);
  });
});

/** A unified diff from `before` to `after` removes each line only `before` has and adds each line only `after` has. */
function expectDiffOfLines(diff: string | null, before: string, after: string): void {
  expect(diff).not.toBeNull();
  const beforeLines = before.split('\n');
  const afterLines = after.split('\n');
  const removed = beforeLines.filter((line) => !afterLines.includes(line));
  const added = afterLines.filter((line) => !beforeLines.includes(line));
  expect(removed.length + added.length).toBeGreaterThan(0);
  for (const line of removed) expect(diff).toContain(`\n-${line}\n`);
  for (const line of added) expect(diff).toContain(`\n+${line}\n`);
}
