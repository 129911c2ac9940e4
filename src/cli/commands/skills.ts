import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exportSkills, importSkills } from '../../library/skill-folders.ts';
import type { CliContext } from '../context.ts';
import { addArtifactSubcommands, openLibrary } from './library.ts';

/**
 * `lamarck skills ...`: the library's skills, plus import from and export to Agent Skills folders
 * (`.claude/skills/`, `.agents/skills/`) that other clients load.
 */
export function registerSkillsCommand(program: Command, context: CliContext): void {
  const skills = program.command('skills').description('list, search, import, export and roll back skills (Agent Skills format)');
  addArtifactSubcommands(skills, 'skill', context);

  skills
    .command('import <dir>')
    .description('import Agent Skills folders (each <dir>/<name>/SKILL.md); malformed ones are skipped with a warning')
    .option('--candidate', 'import as candidates instead of active skills')
    .action(async (directory: string, options: { candidate?: boolean }, command: Command) =>
      context.action(command, async (output) => {
        const library = await openLibrary(context);
        const report = await importSkills(library, resolve(context.cwd, directory), { status: options.candidate === true ? 'candidate' : 'active' });
        for (const skipped of report.skipped) output.warn(`skipped ${skipped.path}: ${skipped.problems.join('; ')}`);
        for (const warning of report.warnings) output.warn(warning);
        if (output.json) {
          output.printJson(report);
        } else {
          output.info(
            `imported ${report.added.length} new, ${report.updated.length} updated, ${report.unchanged.length} unchanged, ${report.skipped.length} skipped`,
          );
        }
      }),
    );

  skills
    .command('export <dir>')
    .description('write active skills as spec-valid folders <dir>/<name>/SKILL.md')
    .option('--include-candidates', 'export candidate skills too')
    .action(async (directory: string, options: { includeCandidates?: boolean }, command: Command) =>
      context.action(command, async (output) => {
        const library = await openLibrary(context, await context.existingStore());
        const target = resolve(context.cwd, directory);
        const names = await exportSkills(library, target, {
          statuses: options.includeCandidates === true ? ['active', 'candidate'] : ['active'],
        });
        if (output.json) output.printJson({ directory: target, exported: names });
        else output.info(`exported ${names.length} skill${names.length === 1 ? '' : 's'} to ${target}`);
      }),
    );
}
