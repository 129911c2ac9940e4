import type { Command } from 'commander';
import { parseLearnConfig } from '../../learn/learn-config.ts';
import { LibraryIndex } from '../../library/retrieval/library-index.ts';
import { LibraryView } from '../../mcp/library-view.ts';
import type { McpSharedOptions } from '../../mcp/server-context.ts';
import { serveMcpStdio } from '../../mcp/stdio-server.ts';
import { resolveConfiguredEmbeddingModel } from '../../model/resolve-model.ts';
import type { CliContext } from '../context.ts';
import { serverVersion } from '../../mcp/server-version.ts';
import { openLibrary } from './library.ts';

/**
 * `lamarck mcp`: serves the library (skills, lessons, guardrails, tools) to any MCP client over
 * stdio, from the same store the other commands use. stdout carries the protocol, so every note
 * goes to stderr.
 */
export function registerMcpCommand(program: Command, context: CliContext): void {
  program
    .command('mcp')
    .description('serve the library to MCP clients (stdio): search, items, knowledge for a task, resources, skills')
    .action(async (_flags: unknown, command: Command) =>
      context.action(command, async () => {
        const config = await context.config();
        const learnConfig = parseLearnConfig(config.learn, config.source);
        // --store (a global option) reaches the context, which opens the same store every command would.
        const library = await openLibrary(context, await context.store());
        const embedding = resolveConfiguredEmbeddingModel(config);
        const view = new LibraryView(library, new LibraryIndex(embedding === undefined ? {} : { embedding }));
        await view.sync();
        const shared: McpSharedOptions = {
          view,
          tokenBudget: learnConfig.tokenBudget,
          maxItems: learnConfig.maxItems,
          log: (line) => context.streams.stderr.write(`${line}\n`),
        };
        await serveMcpStdio({ shared, version: serverVersion() });
      }),
    );
}
