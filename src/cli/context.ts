import type { Command } from 'commander';
import { loadConfig, type LamarckConfig } from '../core/config.ts';
import { parseAgentConfig } from '../agent/agent-config.ts';
import { parseMcpServersConfig } from '../agent/mcp-tools.ts';
import { parseEvolveConfig } from '../evolve/evolve-config.ts';
import { parseLearnConfig } from '../learn/learn-config.ts';
import { parseRetrievalConfig } from '../library/retrieval/retrieval-config.ts';
import { modelConfig } from '../model/model-config.ts';
import { requirePath } from '../core/require-path.ts';
import { openStoreTarget } from '../store/open-store.ts';
import { resolveStoreTarget, type StoreTarget } from '../store/store-url.ts';
import type { Store } from '../store/types.ts';
import { createOutput, formatError, type Output, type OutputStreams } from './output.ts';

/**
 * What every command gets: its output, the loaded configuration and the store, opened lazily
 * so that commands which need neither (`--help`, `tools run`) never touch the disk.
 */
export interface CliContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly streams: OutputStreams;
  config(): Promise<LamarckConfig>;
  store(): Promise<Store>;
  /**
   * The store for a command that only reads it (`runs`, `best`, `lineage`, `library`, `serve`,
   * `mcp`, ...): a SQLite file that is not there is refused with one line that names it, instead
   * of being created empty under a mistyped name. Commands that write (`evolve`, `learn`) use `store()`.
   */
  existingStore(): Promise<Store>;
  /**
   * Which store this command uses, without opening it: `--store`, else `LAMARCK_STORE`, else `store`
   * in lamarck.config.json, else `.lamarck/lamarck.db`. Its `display` never holds a password.
   */
  storeTarget(): Promise<StoreTarget>;
  /** Runs a command body with the global flags applied; maps errors to one line and exit code 1. */
  action(command: Command, body: (output: Output) => Promise<number | void>): Promise<void>;
  /** Closes what was opened. */
  close(): Promise<void>;
  exitCode: number;
}

/**
 * Core reads the file and the environment; each module validates its own section. Checking them all
 * here, whatever the command, means a typo in any section fails every command at once instead of
 * passing unnoticed until the one command that reads it.
 */
function checkSections(config: LamarckConfig): LamarckConfig {
  modelConfig(config);
  parseEvolveConfig(config.evolve, config.source);
  parseAgentConfig(config.agent, config.source);
  parseLearnConfig(config.learn, config.source);
  parseRetrievalConfig(config.retrieval, config.source);
  parseMcpServersConfig(config.mcpServers);
  return config;
}

export function createCliContext(options: { cwd: string; env: NodeJS.ProcessEnv; streams: OutputStreams }): CliContext {
  let configPromise: Promise<LamarckConfig> | undefined;
  let storePromise: Promise<Store> | undefined;
  /** `--store` of the running command (a global option, so every command has it). */
  let storeFlag: string | undefined;
  const context: CliContext = {
    cwd: options.cwd,
    env: options.env,
    streams: options.streams,
    exitCode: 0,
    config() {
      return (configPromise ??= loadConfig({ cwd: options.cwd, env: options.env }).then(checkSections));
    },
    async storeTarget() {
      const config = await context.config();
      const { path, url, ...tuning } = config.store;
      return resolveStoreTarget(storeFlag ?? url ?? path, options.cwd, tuning);
    },
    async store() {
      return (storePromise ??= context.storeTarget().then((target) => openStoreTarget(target)));
    },
    async existingStore() {
      if (storePromise === undefined) {
        const target = await context.storeTarget();
        if (target.kind === 'sqlite' && target.path !== ':memory:') await requirePath(target.path, 'file', 'store');
      }
      return context.store();
    },
    async action(command, body) {
      const flags = command.optsWithGlobals<{ json?: boolean; verbose?: boolean; store?: string }>();
      if (flags.store !== undefined) storeFlag = flags.store;
      const output = createOutput({ json: flags.json === true, verbose: flags.verbose === true }, options.streams);
      try {
        const code = await body(output);
        context.exitCode = code ?? 0;
      } catch (error) {
        output.endProgress();
        options.streams.stderr.write(`${formatError(error, output.verbose)}\n`);
        context.exitCode = 1;
      }
    },
    async close() {
      if (storePromise !== undefined) {
        const store = await storePromise.catch(() => undefined);
        await store?.close();
      }
    },
  };
  return context;
}
