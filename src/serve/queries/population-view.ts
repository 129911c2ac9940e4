import { existsSync } from 'node:fs';
import { isJsonObject } from '../../core/json.ts';
import { ProgramLoader } from '../../evolve/engine/program-loader.ts';
import { loadProblem, parseEngineSettings, ProgramDatabase, rebuildDatabase, type DatabaseSettings } from '../../evolve/index.ts';
import type { RunRecord, Store } from '../../store/types.ts';
import type { PopulationView } from '../api-types.ts';
import type { RunPrograms } from '../run-programs.ts';
import { yieldingStore } from '../yielding-store.ts';

/**
 * The run's population as the engine itself holds it: islands, MAP-Elites cells and the elite
 * archive, rebuilt from the stored summaries with the same code a `--resume` uses
 * (`rebuildDatabase`), under the problem's own settings when its directory can still be read. A
 * program that was evaluated but is not in the rebuilt database was evicted: the lineage tree
 * draws it as a ghost node. Rebuilding reads every summary, so a view is cached and rebuilt only
 * when programs were added, and for large runs no more often than every few seconds.
 */
export interface Population {
  view: PopulationView;
  /** Whether a program is in the population; undefined for programs stored after the rebuild. */
  contains(programId: string): boolean | undefined;
}

interface CachedPopulation {
  revision: number;
  builtAt: number;
  population: Population;
}

export class PopulationCache {
  private readonly store: Store;
  private readonly entries = new Map<string, CachedPopulation>();
  private readonly building = new Map<string, Promise<Population>>();

  constructor(store: Store) {
    this.store = store;
  }

  /** The last population built for a run, if any, without building one. */
  peek(runId: string): Population | undefined {
    return this.entries.get(runId)?.population;
  }

  async get(run: RunRecord, programs: RunPrograms): Promise<Population> {
    const cached = this.entries.get(run.id);
    const minimumAgeMs = programs.size > 20_000 ? 15_000 : programs.size > 2_000 ? 3_000 : 0;
    if (cached !== undefined && (cached.revision === programs.revision || performance.now() - cached.builtAt < minimumAgeMs)) return cached.population;
    const pending = this.building.get(run.id);
    if (pending !== undefined) return pending;
    const revision = programs.revision;
    const build = buildPopulation(this.store, run, programs)
      .then((population) => {
        this.entries.set(run.id, { revision, builtAt: performance.now(), population });
        if (this.entries.size > 4) this.entries.delete(this.entries.keys().next().value!);
        return population;
      })
      .finally(() => this.building.delete(run.id));
    this.building.set(run.id, build);
    return build;
  }
}

async function buildPopulation(store: Store, run: RunRecord, programs: RunPrograms): Promise<Population> {
  const { settings, evolvableFiles, note } = await problemSettings(run, programs);
  const database = new ProgramDatabase(settings);
  const sliced = yieldingStore(store);
  const loader = new ProgramLoader({ store: sliced, evolvableFiles, capacity: 16 });
  const rebuilt = await rebuildDatabase({ store: sliced, runId: run.id, database, loader, recentCount: 0, pageSize: 500 });
  const migrations = await migrationCounts(store, run.id, database.islands.length);
  const known = new Set(programs.programs.map((program) => program.id));
  let evicted = 0;
  for (const program of programs.programs) {
    if (program.status === 'evaluated' && typeof program.score === 'number' && Number.isFinite(program.score) && database.get(program.id) === undefined) evicted += 1;
  }
  const cells: PopulationView['cells'] = [];
  for (const island of database.islands) {
    for (const placement of island.grid.elites()) {
      cells.push({
        island: island.index,
        coordinates: database.space.coordinates(island.grid.cellOf(placement)),
        programId: placement.info.id,
        score: placement.info.score,
      });
    }
  }
  const view: PopulationView = {
    islands: database.islands.map((island) => {
      const members = island.top(island.size);
      const best = members[0];
      const mean = members.length === 0 ? null : members.reduce((sum, placement) => sum + placement.info.score, 0) / members.length;
      return {
        index: island.index,
        size: island.size,
        bestId: best?.info.id ?? null,
        bestScore: best?.info.score ?? null,
        meanScore: mean,
        migrationsOut: migrations.out[island.index] ?? 0,
        migrationsIn: migrations.in[island.index] ?? 0,
      };
    }),
    dimensions: database.space.dimensions.map((dimension) => ({ name: dimension.name, bins: dimension.bins, min: dimension.min, max: dimension.max })),
    cells,
    archive: { size: database.archive.size, capacity: database.archive.capacity },
    members: database.size,
    evicted,
    note,
    computedAt: Date.now(),
    programs: rebuilt.records,
  };
  return {
    view,
    contains: (programId) => (known.has(programId) ? database.get(programId) !== undefined : undefined),
  };
}

/** The settings the run was started with, read from its problem directory; defaults when it is gone. */
async function problemSettings(run: RunRecord, programs: RunPrograms): Promise<{ settings: Partial<DatabaseSettings>; evolvableFiles: string[]; note: string | null }> {
  const directory = run.config['problemDirectory'];
  const observedIslands = programs.programs.reduce((most, program) => Math.max(most, program.island + 1), 1);
  if (typeof directory === 'string' && existsSync(directory)) {
    try {
      const problem = await loadProblem(directory);
      const concurrency = run.config['concurrency'];
      const settings = parseEngineSettings(problem.settings, problem.features, isJsonObject(concurrency) ? { concurrency: concurrency as Record<string, number> } : {});
      return { settings: settings.database, evolvableFiles: problem.evolvableFiles, note: null };
    } catch (error) {
      return { settings: { islands: observedIslands }, evolvableFiles: [], note: `the problem's settings could not be read (${(error as Error).message}); defaults assumed` };
    }
  }
  return { settings: { islands: observedIslands }, evolvableFiles: [], note: 'the problem directory is gone; the population is rebuilt with default settings' };
}

async function migrationCounts(store: Store, runId: string, islands: number): Promise<{ out: number[]; in: number[] }> {
  const counts = { out: new Array<number>(islands).fill(0), in: new Array<number>(islands).fill(0) };
  let after = 0;
  for (;;) {
    const events = await store.listEvents(runId, { afterSequence: after, limit: 2000 });
    for (const event of events) {
      after = event.sequence;
      if (event.type !== 'islands-migrated') continue;
      const from = event.data['from'];
      const to = event.data['to'];
      const moved = Array.isArray(event.data['programIds']) ? event.data['programIds'].length : 1;
      if (typeof from === 'number' && from < islands) counts.out[from]! += moved;
      if (typeof to === 'number' && to < islands) counts.in[to]! += moved;
    }
    if (events.length < 2000) return counts;
  }
}
