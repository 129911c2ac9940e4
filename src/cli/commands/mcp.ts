import type { Command } from 'commander';
import { parseLearnConfig } from '../../learn/learn-config.ts';
import { openMcpLibrary } from '../../mcp/open-mcp-library.ts';
import type { McpSharedOptions } from '../../mcp/server-context.ts';
import { serveMcpStdio } from '../../mcp/stdio-server.ts';
import { defaultMcpPort, startMcpHttpServer } from '../../mcp/http-server.ts';
import { parsePort } from '../../serve/serve-options.ts';
import { collect, positiveInteger } from '../option-parsers.ts';
import { resolveConfiguredEmbeddingModel } from '../../model/resolve-model.ts';
import type { CliContext } from '../context.ts';
import { serverVersion } from '../../mcp/server-version.ts';
import { createConfiguredProposalGate } from '../../mcp/configured-gate.ts';
import { openLibrary } from './library.ts';
import { definedOnly } from '../../core/defined-only.ts';
import { untilInterrupted } from '../until-interrupted.ts';

interface McpFlags {
  http?: boolean;
  port: string;
  host: string;
  token?: string;
  allowHost: string[];
  pollMs: number;
  exposeTools?: boolean;
  grantNet: string[];
  holdout?: string;
}

/**
 * `lamarck mcp`: serves the library (skills, lessons, guardrails, tools) to any MCP client over
 * stdio, from the same store the other commands use. stdout carries the protocol, so every note
 * goes to stderr.
 */
export function registerMcpCommand(program: Command, context: CliContext): void {
  program
    .command('mcp')
    .description('serve the library to MCP clients (stdio, or Streamable HTTP with --http): search, items, knowledge for a task, resources, skills; gated propose, rollback, outcomes, synthesized tools')
    .option('--http', 'serve Streamable HTTP at /mcp instead of stdio')
    .option('--port <n>', 'HTTP port (0: any free port)', String(defaultMcpPort))
    .option('--host <address>', 'HTTP address; anything but loopback needs --token', '127.0.0.1')
    .option('--token <secret>', 'HTTP: require this bearer token on every request and enable write tools (or LAMARCK_TOKEN)')
    .option('--allow-host <name>', 'HTTP: another name the Host header may carry (repeatable)', collect, [])
    .option('--poll-ms <n>', 'how often to look for library changes made by other processes (notifications)', positiveInteger, 1000)
    .option('--expose-tools', 'offer each synthesized tool in the library as an MCP tool of its own')
    .option('--grant-net <host>', 'let synthesized tools reach this host, if they declare it (repeatable)', collect, [])
    .option('--holdout <tasks>', 'held-out tasks (JSONL) the gate attempts for every propose, with and without the change')
    .action(async (flags: McpFlags, command: Command) =>
      context.action(command, async (output) => {
        const config = await context.config();
        const learnConfig = parseLearnConfig(config.learn, config.source);
        // --store (a global option) reaches the context, which opens the same store every command would.
        const library = await openLibrary(context, await context.existingStore());
        const embedding = resolveConfiguredEmbeddingModel(config);
        // Task files are read and checked before anything is served: a bad line refuses to start.
        const proposals = await createConfiguredProposalGate({ config, learnConfig, library, cwd: context.cwd, ...definedOnly({ holdoutPath: flags.holdout }) });
        const served = await openMcpLibrary({
          library,
          ...definedOnly({ embedding }),
          tokenBudget: learnConfig.tokenBudget,
          maxItems: learnConfig.maxItems,
          pollMs: flags.pollMs,
          log: (line) => context.streams.stderr.write(`${line}\n`),
        });
        const shared: McpSharedOptions = {
          ...served.shared,
          proposals,
          networkGrants: flags.grantNet,
          exposeTools: flags.exposeTools === true,
        };
        if (flags.http !== true) {
          await serveMcpStdio({ shared, version: serverVersion() });
          await served.close();
          return;
        }
        const token = flags.token ?? (context.env['LAMARCK_TOKEN'] || undefined);
        const server = await startMcpHttpServer({ shared, version: serverVersion(), host: flags.host, port: parsePort(flags.port), token, allowHosts: flags.allowHost });
        if (output.json) output.printJson({ url: server.url, token: token !== undefined });
        else output.info(`lamarck mcp on ${server.url}  (${token === undefined ? 'read-only: write tools need --token' : 'bearer token required'}; Ctrl-C stops it)`);
        await untilInterrupted();
        await server.close();
        await served.close();
      }),
    );
}
