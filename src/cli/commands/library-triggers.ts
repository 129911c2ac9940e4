import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { isLibraryKind } from '../../library/artifact-content.ts';
import { TriggerHistory } from '../../library/retrieval/trigger-history.ts';
import type { Store } from '../../store/types.ts';
import type { CliContext } from '../context.ts';
import { positiveInteger } from '../option-parsers.ts';

/**
 * `lamarck library triggers history | show | rollback`: retrieval's learned triggers (the task
 * words that outcomes taught each skill and lesson) are versioned like the library, and these
 * commands inspect and roll them back the same way `lamarck skills history/rollback` does for
 * one skill.
 */
export function registerTriggerCommands(library: Command, context: CliContext): void {
  const triggers = library.command('triggers').description("retrieval's learned triggers: their versions, what each item learned, rollback");

  triggers
    .command('history')
    .description('list the versions of the learned triggers, oldest first')
    .action(async (_options: unknown, sub: Command) =>
      context.action(sub, async (output) => {
        const history = new TriggerHistory(await context.existingStore());
        const head = await history.headNumber();
        const versions = await history.history();
        if (output.json) {
          output.printJson(
            versions.map((version) => ({ ...version, head: version.number === head, createdAt: new Date(version.createdAt).toISOString() })),
          );
          return;
        }
        if (versions.length === 0) output.info('nothing learned yet (version 0)');
        for (const version of versions) {
          const marker = version.number === head ? ' (head)' : '';
          output.info(`v${version.number}${marker}  ${new Date(version.createdAt).toISOString()}  ${version.message}`);
        }
      }),
    );

  triggers
    .command('show [name]')
    .description('what each skill or lesson learned (or only the one named), strongest triggers first')
    .option('--at <version>', 'an earlier version instead of the head')
    .option('--limit <n>', 'most triggers shown per item', positiveInteger, 12)
    .action(async (name: string | undefined, options: { at?: string; limit: number }, sub: Command) =>
      context.action(sub, async (output) => {
        const store = await context.existingStore();
        const history = new TriggerHistory(store);
        const number = options.at === undefined ? await history.headNumber() : await existingVersion(history, options.at);
        const version = await history.version(number);
        const limit = options.limit;
        const names = await itemNames(store);
        const items = version.triggers
          .items()
          .map(({ id }) => ({ id, item: names.get(id) ?? { kind: 'unknown', name: id }, triggers: version.triggers.triggersOf(id).slice(0, limit) }))
          .filter((entry) => name === undefined || entry.item.name === name)
          .sort((first, second) => first.item.kind.localeCompare(second.item.kind) || first.item.name.localeCompare(second.item.name));
        if (output.json) {
          output.printJson({ version: number, items: items.map((entry) => ({ ...entry.item, id: entry.id, triggers: entry.triggers })) });
          return;
        }
        if (items.length === 0) {
          output.info(name === undefined ? `no learned triggers in version ${number}` : `${name} has no learned triggers in version ${number}`);
          return;
        }
        for (const entry of items) {
          const terms = entry.triggers.map((trigger) => `${trigger.term} ${trigger.weight >= 0 ? '+' : ''}${trigger.weight.toFixed(2)}`).join(', ');
          output.info(`${entry.item.kind} ${entry.item.name}: ${terms}`);
        }
      }),
    );

  triggers
    .command('rollback <version>')
    .description('make an earlier version of the learned triggers current again (as a new version); 0 forgets everything learned')
    .action(async (version: string, _options: unknown, sub: Command) =>
      context.action(sub, async (output) => {
        const history = new TriggerHistory(await context.existingStore());
        const before = await history.headNumber();
        const target = await existingVersion(history, version);
        const after = await history.rollback(target);
        if (output.json) output.printJson({ previousVersion: before, version: after.number, restored: target });
        else output.info(`learned triggers: head moved from v${before} to v${after.number} (the table of v${target})`);
      }),
    );
}

/** A version number given on the command line that exists: 0 (nothing learned) up to the head. */
async function existingVersion(history: TriggerHistory, text: string): Promise<number> {
  const value = Number(text.replace(/^v/, ''));
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`expected a learned-triggers version number, got "${text}"`);
  const head = await history.headNumber();
  if (value > head) throw new UsageError(`learned triggers have no version ${value} (the head is v${head})`);
  return value;
}

async function itemNames(store: Store): Promise<Map<string, { kind: string; name: string }>> {
  const artifacts = await store.listArtifacts();
  return new Map(artifacts.filter((artifact) => isLibraryKind(artifact.kind)).map((artifact) => [artifact.id, { kind: artifact.kind, name: artifact.name }]));
}
