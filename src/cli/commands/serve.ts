import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { configuredApiKeys, modelConfig } from '../../model/model-config.ts';
import { startDashboard } from '../../serve/dashboard-server.ts';
import { defaultHost, defaultPort, parsePort } from '../../serve/serve-options.ts';
import type { CliContext } from '../context.ts';
import { openLibrary } from './library.ts';
import { collect } from '../option-parsers.ts';
import { untilInterrupted } from '../until-interrupted.ts';

interface ServeFlags {
  port: string;
  host: string;
  token?: string;
  allowHost: string[];
  pollMs: string;
}

/**
 * `lamarck serve`: the dashboard (runs, programs, lineage, learn runs, the library) with live
 * updates, until Ctrl-C. Binds to 127.0.0.1 unless told otherwise; any other address needs a token.
 */
export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('serve the live dashboard: runs, lineage, learn runs and the library, in a browser')
    .option('--port <n>', 'port to listen on (0: any free port)', String(defaultPort))
    .option('--host <address>', 'address to listen on; anything but loopback needs --token', defaultHost)
    .option('--token <secret>', 'require this token on every request and enable write actions (or LAMARCK_TOKEN)')
    .option('--allow-host <name>', 'another name the Host header may carry, e.g. behind a proxy (repeatable)', collect, [])
    .option('--poll-ms <n>', 'how often live pages check the store, in milliseconds', '500')
    .action(async (flags: ServeFlags, command: Command) =>
      context.action(command, async (output) => {
        const config = await context.config();
        // --store (a global option) reaches the context, which opens the same store every command would.
        const store = await context.existingStore();
        const library = await openLibrary(context, store);
        const token = flags.token ?? (context.env['LAMARCK_TOKEN'] || undefined);
        const dashboard = await startDashboard({
          store,
          library,
          host: flags.host,
          port: parsePort(flags.port),
          token,
          allowHosts: flags.allowHost,
          // A key under six characters would blank out ordinary words wherever they appear.
          secrets: configuredApiKeys(modelConfig(config)).filter((key) => key.length >= 6),
          env: context.env,
          pollMs: parsePollMs(flags.pollMs),
        });
        if (output.json) output.printJson({ url: dashboard.url, store: store.location, token: token !== undefined });
        else output.info(`lamarck dashboard on ${dashboard.url}  (store ${store.location}${token === undefined ? '' : '; open it once with ?token=<token>'}; Ctrl-C stops it)`);
        await untilInterrupted();
        await dashboard.close();
      }),
    );
}

function parsePollMs(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 50 || value > 60_000) throw new UsageError(`--poll-ms expects a whole number from 50 to 60000, got "${text}"`);
  return value;
}
