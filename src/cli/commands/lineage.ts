import type { Command } from 'commander';
import { NotFoundError } from '../../core/errors.ts';
import type { ProgramRecord } from '../../store/types.ts';
import type { CliContext } from '../context.ts';
import { failureLines } from '../failure-text.ts';

/** `lamarck lineage <program>`: the chain of ancestors, oldest first, with score and operator at each step. */
export function registerLineageCommand(program: Command, context: CliContext): void {
  program
    .command('lineage')
    .description('show the ancestors of a program with the score and operator at each step')
    .argument('<program>', 'program id (prg_...)')
    .action(async (programId: string, _options: unknown, command: Command) =>
      context.action(command, async (output) => {
        const store = await context.existingStore();
        const chain: ProgramRecord[] = [];
        const seen = new Set<string>();
        let current = await store.getProgram(programId);
        if (current === undefined) throw new NotFoundError('program', programId);
        while (current !== undefined && !seen.has(current.id)) {
          seen.add(current.id);
          chain.unshift(current);
          current = current.parentId === null ? undefined : await store.getProgram(current.parentId);
        }
        if (output.json) {
          output.printJson(
            chain.map((step) => ({ id: step.id, parentId: step.parentId, generation: step.generation, score: step.score, operator: step.operator, model: step.model, status: step.status, failure: step.failure, diff: step.diff })),
          );
          return;
        }
        let previous: number | null = null;
        for (const step of chain) {
          const delta = step.score !== null && previous !== null ? ` (${step.score >= previous ? '+' : ''}${Number((step.score - previous).toPrecision(6))})` : '';
          const score = step.score === null ? `failed: ${step.failure?.kind ?? step.status}` : `score ${step.score}${delta}`;
          output.info(`gen ${String(step.generation).padStart(3)}  ${step.id}  ${step.operator.padEnd(14)} ${score}${step.model === null ? '' : `  [${step.model}]`}`);
          // Why it failed, under the step: the message and the evidence the evaluation left.
          if (step.failure !== null) for (const line of failureLines(step.failure, '         ')) output.info(line);
          if (step.score !== null) previous = step.score;
        }
      }),
    );
}
