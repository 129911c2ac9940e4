import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { kindFolder, libraryKinds, type LibraryKind } from '../../library/artifact-content.ts';
import { renderArtifactText } from '../../library/artifact-files.ts';
import { parseLearnConfig } from '../../learn/learn-config.ts';
import { Library } from '../../library/library.ts';
import { LibraryMirror } from '../../library/library-mirror.ts';
import type { LibraryEntry } from '../../library/library-types.ts';
import { LibraryIndex } from '../../library/retrieval/library-index.ts';
import type { LexicalMatch } from '../../library/retrieval/lexical-retriever.ts';
import { parseRetrievalConfig } from '../../library/retrieval/retrieval-config.ts';
import type { LamarckConfig } from '../../core/config.ts';
import { modelConfig } from '../../model/model-config.ts';
import { modelOptionsFromConfig, resolveConfiguredEmbeddingModel, resolveParsedModel } from '../../model/resolve-model.ts';
import { parseModelSpec } from '../../model/spec.ts';
import type { LanguageModelClient } from '../../model/types.ts';
import type { ArtifactStatus, Store } from '../../store/types.ts';
import type { CliContext } from '../context.ts';
import { registerTriggerCommands } from './library-triggers.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * `lamarck library <kind> ls | show | search | history | diff | rollback`, `lamarck library
 * mirror`, and `lamarck library triggers` (library-triggers.ts). `lamarck skills` reuses the same subcommands for skills.
 */
export function registerLibraryCommand(program: Command, context: CliContext): void {
  const library = program.command('library').description('inspect and roll back the learned library (skills, lessons, guardrails, tools, prompts)');
  for (const kind of libraryKinds) {
    const command = library.command(kindFolder(kind)).description(`the library's ${kindFolder(kind)}`);
    addArtifactSubcommands(command, kind, context);
  }
  registerTriggerCommands(library, context);
  library
    .command('mirror')
    .description('rewrite the plain-file mirror of the library from the store')
    .action(async (_options: unknown, command: Command) =>
      context.action(command, async (output) => {
        const opened = await openLibrary(context, await context.existingStore());
        await opened.syncMirror();
        if (output.json) output.printJson({ mirror: opened.mirror?.directory ?? null });
        else output.info(`mirror written to ${opened.mirror?.directory ?? '(no mirror configured)'}`);
      }),
    );
}

/**
 * The library a command works on: the configured store (or the one given, as `lamarck serve
 * --store` does), mirrored to `learn.mirror` (default `.lamarck/library`).
 */
export async function openLibrary(context: CliContext, given?: Store): Promise<Library> {
  const config = await context.config();
  const { mirror } = parseLearnConfig(config.learn, config.source);
  const store = given ?? (await context.store());
  if (mirror === false) return new Library({ store });
  return new Library({ store, mirror: new LibraryMirror(resolve(context.cwd, mirror)) });
}

export function addArtifactSubcommands(command: Command, kind: LibraryKind, context: CliContext): void {
  const plural = kindFolder(kind);
  command
    .command('ls')
    .description(`list ${plural} (active and candidate; --all adds retired)`)
    .option('--all', 'include retired ones')
    .option('--status <status>', 'only this status: active, candidate or retired')
    .action(async (options: { all?: boolean; status?: string }, sub: Command) =>
      context.action(sub, async (output) => {
        const library = await openLibrary(context, await context.existingStore());
        const status = options.status === undefined ? undefined : parseStatus(options.status);
        const entries = (await library.list({ kind, ...definedOnly({ status }) })).filter(
          (entry) => options.all === true || status !== undefined || entry.status !== 'retired',
        );
        if (output.json) {
          output.printJson(entries.map(summary));
          return;
        }
        if (entries.length === 0) output.info(`no ${plural}`);
        for (const entry of entries) {
          output.info(`${entry.name}  v${entry.version.number}  ${entry.status}  utility ${entry.utility.toFixed(2)} (${entry.artifact.uses} uses)  ${oneLine(entry)}`);
        }
      }),
    );

  command
    .command('show <reference>')
    .description(`print a ${kind}: its head, or an earlier version with name@version`)
    .action(async (reference: string, _options: unknown, sub: Command) =>
      context.action(sub, async (output) => {
        const library = await openLibrary(context, await context.existingStore());
        const { name, version } = reference.includes('@') ? parseReference(reference) : { name: reference, version: undefined };
        const entry = await library.require(kind, name);
        const chosen = version === undefined ? { version: entry.version, content: entry.content } : await library.version(kind, name, version);
        if (output.json) {
          output.printJson({ ...summary(entry), shownVersion: chosen.version.number, message: chosen.version.message, content: chosen.content });
          return;
        }
        output.info(`# ${kind} ${name}  v${chosen.version.number}${chosen.version.id === entry.version.id ? ' (head)' : ''}  ${entry.status}  utility ${entry.utility.toFixed(2)}`);
        output.info(renderArtifactText(kind, name, chosen.content).trimEnd());
      }),
    );

  command
    .command('search <query>')
    .description(`find ${plural} relevant to a query (BM25, hybrid with vectors when an embedding model is configured)`)
    .option('--limit <n>', 'most results', '10')
    .option('--all', 'include candidates and retired ones')
    .option('--explain', 'show why each item matched: the query terms found and the fields they were found in')
    .option('--rerank', 'let a language model reorder the top hits (--model, else retrieval.rerank.model, else the first configured model; retrieval.rerank.topK of them, default 5)')
    .option('-m, --model <spec>', 'the model for --rerank')
    .action(async (query: string, options: { limit: string; all?: boolean; explain?: boolean; rerank?: boolean; model?: string }, sub: Command) =>
      context.action(sub, async (output) => {
        const library = await openLibrary(context, await context.existingStore());
        const config = await context.config();
        const embedding = resolveConfiguredEmbeddingModel(config);
        const rerank = options.rerank === true ? { ...rerankOptions(config, options.model, context.cwd), onKeptLexicalOrder: (reason: string) => output.warn(reason) } : undefined;
        const index = new LibraryIndex({ embedding, rerank });
        await index.sync(library);
        const statuses: ArtifactStatus[] = options.all === true ? ['active', 'candidate', 'retired'] : ['active'];
        const explain = options.explain === true;
        const hits = await index.search(query, { kinds: [kind], statuses, limit: parsePositive(options.limit, '--limit'), explain, rerank: rerank !== undefined });
        if (output.json) {
          output.printJson(
            hits.map((hit) => ({
              ...summary(hit.entry),
              score: round(hit.score),
              text: hit.text,
              ...(explain
                ? { explanation: (hit.explanation ?? []).map((match) => ({ ...match, score: round(match.score) })), distinguishing: hit.distinguishing ?? null }
                : {}),
            })),
          );
          return;
        }
        if (hits.length === 0) output.info(`no ${plural} match`);
        for (const hit of hits) {
          output.info(`${hit.score.toFixed(3)}  ${hit.entry.name}  ${hit.text}`);
          if (explain) {
            output.info(`       ${explainLine(hit.explanation ?? [])}`);
            if (hit.distinguishing !== undefined) output.info(`       ${distinguishingLine(hit.distinguishing)}`);
          }
        }
      }),
    );

  command
    .command('history <name>')
    .description(`list the versions of a ${kind}, oldest first`)
    .action(async (name: string, _options: unknown, sub: Command) =>
      context.action(sub, async (output) => {
        const library = await openLibrary(context, await context.existingStore());
        const entry = await library.require(kind, name);
        const versions = await library.history(kind, name);
        if (output.json) {
          output.printJson(
            versions.map((version) => ({
              number: version.number,
              id: version.id,
              head: version.id === entry.version.id,
              parentIds: version.parentIds,
              message: version.message,
              trajectoryIds: version.trajectoryIds,
              evaluation: version.evaluation,
              createdAt: new Date(version.createdAt).toISOString(),
            })),
          );
          return;
        }
        for (const version of versions) {
          const head = version.id === entry.version.id ? ' (head)' : '';
          output.info(`v${version.number}${head}  ${new Date(version.createdAt).toISOString()}  ${version.message}`);
        }
      }),
    );

  command
    .command('diff <from> <to>')
    .description(`show what changed between two versions: ${kind === 'skill' ? 'skills' : `library ${plural}`} diff name@1 name@2`)
    .action(async (from: string, to: string, _options: unknown, sub: Command) =>
      context.action(sub, async (output) => {
        const library = await openLibrary(context, await context.existingStore());
        const fromReference = parseReference(from);
        const toReference = parseReference(to);
        if (fromReference.name !== toReference.name) {
          throw new UsageError(`diff compares two versions of one ${kind}: got ${fromReference.name} and ${toReference.name}`);
        }
        const diff = await library.diff(kind, fromReference.name, fromReference.version, toReference.version);
        if (output.json) output.printJson({ name: fromReference.name, from: fromReference.version, to: toReference.version, diff });
        else output.info(diff.length === 0 ? 'no differences' : diff.trimEnd());
      }),
    );

  command
    .command('rollback <reference>')
    .description(`make an earlier version the head again: rollback name@version`)
    .action(async (reference: string, _options: unknown, sub: Command) =>
      context.action(sub, async (output) => {
        const library = await openLibrary(context, await context.existingStore());
        const { name, version } = parseReference(reference);
        const before = await library.require(kind, name);
        const entry = await library.rollback(kind, name, version);
        if (output.json) output.printJson({ ...summary(entry), previousVersion: before.version.number });
        else output.info(`${kind} ${name}: head moved from v${before.version.number} to v${entry.version.number}`);
      }),
    );
}

function summary(entry: LibraryEntry): Record<string, unknown> {
  return {
    kind: entry.kind,
    name: entry.name,
    status: entry.status,
    version: entry.version.number,
    utility: round(entry.utility),
    uses: entry.artifact.uses,
    successes: entry.artifact.successes,
    helpful: entry.artifact.helpful,
    harmful: entry.artifact.harmful,
  };
}

function oneLine(entry: LibraryEntry): string {
  const text = renderArtifactText(entry.kind, entry.name, entry.content);
  const description = entry.kind === 'skill' ? (entry.content as { description: string }).description : text.replace(/^---[\s\S]*?---\n/, '');
  const flat = description.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/** `name@3` → { name, version: 3 }. */
export function parseReference(reference: string): { name: string; version: number } {
  const at = reference.lastIndexOf('@');
  if (at <= 0) throw new UsageError(`expected <name>@<version>, got "${reference}"`);
  const name = reference.slice(0, at);
  return { name, version: parseVersionNumber(reference.slice(at + 1), name) };
}

function parseVersionNumber(text: string, name: string): number {
  const value = Number(text.replace(/^v/, ''));
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`expected a version number for ${name}, got "${text}"`);
  return value;
}

function parsePositive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} expects a positive whole number, got "${text}"`);
  return value;
}

function parseStatus(text: string): ArtifactStatus {
  if (text === 'active' || text === 'candidate' || text === 'retired') return text;
  throw new UsageError(`--status expects active, candidate or retired, got "${text}"`);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** "matched: sign (name, triggers) 2.10; pictur <- photos [related word] (description) 0.40" */
function explainLine(matches: readonly LexicalMatch[]): string {
  if (matches.length === 0) return 'matched: no query term (ranked by another signal)';
  const route = (match: LexicalMatch): string => (match.source === 'typed' ? '' : ` <- ${match.from} [${match.source.replace('-', ' ')}]`);
  return `matched: ${matches.map((match) => `${match.term}${route(match)} (${match.fields.join(', ')}) ${match.score.toFixed(2)}`).join('; ')}`;
}

/** "unlike format-dates: pars, string" — what tells a hit from its nearest neighbour in the list. */
function distinguishingLine(distinguishing: { from: string; terms: readonly string[] }): string {
  return `unlike ${distinguishing.from}: ${distinguishing.terms.length === 0 ? 'no query term of its own' : distinguishing.terms.join(', ')}`;
}

/**
 * What `--rerank` uses: the model `--model` names, else `retrieval.rerank.model`, else the first
 * configured model (none is a usage error), and `retrieval.rerank.topK` candidates.
 */
function rerankOptions(config: LamarckConfig, given: string | undefined, cwd: string): { model: LanguageModelClient; candidates: number } {
  const { rerank } = parseRetrievalConfig(config.retrieval, config.source);
  const models = modelConfig(config);
  const field = given !== undefined ? '--model' : rerank.model !== undefined ? 'retrieval.rerank.model' : 'models.0';
  const spec = given !== undefined ? parseModelSpec(given, field) : rerank.model !== undefined ? parseModelSpec(rerank.model, field, config.source) : models.models[0];
  if (spec === undefined) throw new UsageError('--rerank needs a model: pass --model <spec>, or set retrieval.rerank.model or "models" in lamarck.config.json');
  return { model: resolveParsedModel(spec, { ...modelOptionsFromConfig(models), cwd, field }), candidates: rerank.topK };
}
