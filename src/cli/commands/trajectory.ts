import { InvalidArgumentError, type Command } from 'commander';
import { NotFoundError } from '../../core/errors.ts';
import type { JsonObject } from '../../core/json.ts';
import type { TrajectoryStep, TrajectoryWithSteps } from '../../store/types.ts';
import type { CliContext } from '../context.ts';
import { definedOnly } from '../../core/defined-only.ts';

/**
 * `lamarck trajectory <id>` shows a recorded run step by step; `lamarck trajectory export` writes
 * trajectories with their steps as JSONL (one per line) for analysis and training pipelines.
 */
export function registerTrajectoryCommand(program: Command, context: CliContext): void {
  const trajectory = program
    .command('trajectory')
    .description('show a recorded agent run step by step, or export trajectories as JSONL')
    .argument('<id>', 'trajectory id (trj_...) or the id of the run that produced it')
    .action(async (id: string, _options: unknown, command: Command) =>
      context.action(command, async (output) => {
        const store = await context.existingStore();
        const found = (await store.getTrajectory(id)) ?? (await trajectoryOfRun(id));
        if (found === undefined) throw new NotFoundError('trajectory', id);
        if (output.json) {
          output.printJson(found);
          return;
        }
        output.info(formatHeader(found));
        for (const step of found.steps) output.info(formatStep(step));
      }),
    );

  trajectory
    .command('export')
    .description('write trajectories with their steps as JSONL to stdout')
    .option('--run <id>', 'only trajectories of this run')
    .option('--task <id>', 'only trajectories of this task')
    .option('--limit <n>', 'at most this many trajectories', (value: string) => {
      const number = Number(value);
      if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('expected a positive integer');
      return number;
    })
    .action(async (options: { run?: string; task?: string; limit?: number }, command: Command) =>
      context.action(command, async () => {
        const store = await context.existingStore();
        const records = await store.listTrajectories({
          ...definedOnly({ runId: options.run, taskId: options.task, limit: options.limit }),
        });
        for (const record of records) {
          const full = await store.getTrajectory(record.id);
          if (full !== undefined) context.streams.stdout.write(`${JSON.stringify(full)}\n`);
        }
      }),
    );

  async function trajectoryOfRun(runId: string): Promise<TrajectoryWithSteps | undefined> {
    const store = await context.existingStore();
    const [first] = await store.listTrajectories({ runId, limit: 1 });
    return first === undefined ? undefined : store.getTrajectory(first.id);
  }
}

function formatHeader(trajectory: TrajectoryWithSteps): string {
  const lines = [
    `trajectory ${trajectory.id}${trajectory.runId === null ? '' : ` (run ${trajectory.runId})`}`,
    `task:    ${oneLine(trajectory.task, 200)}`,
    `status:  ${trajectory.status}   model: ${trajectory.model ?? '-'}`,
    `tokens:  ${trajectory.tokensIn} in, ${trajectory.tokensOut} out   cost: $${trajectory.costUsd.toFixed(4)}   steps: ${trajectory.steps.length}`,
  ];
  if (trajectory.answer !== null) lines.push(`answer:  ${oneLine(trajectory.answer, 400)}`);
  return lines.join('\n');
}

/** One line per step, with what matters for that kind of step. */
export function formatStep(step: TrajectoryStep): string {
  const data = step.data;
  const prefix = `#${String(step.index).padStart(3)} ${step.type.padEnd(17)}`;
  switch (step.type) {
    case 'model-call':
    case 'plan-call': {
      const calls = Array.isArray(data['toolCalls']) ? (data['toolCalls'] as JsonObject[]).map((call) => String(call['name'])) : [];
      const text = typeof data['text'] === 'string' && data['text'] !== '' ? ` "${oneLine(data['text'], 100)}"` : '';
      return `${prefix} ${calls.length > 0 ? `→ ${calls.join(', ')}` : ''}${text} (${num(data['inputTokens'])}+${num(data['outputTokens'])} tokens, ${num(data['latencyMs'])} ms)`;
    }
    case 'tool-call':
      return `${prefix} ${String(data['name'])} ${oneLine(JSON.stringify(data['input'] ?? null), 160)}`;
    case 'tool-result': {
      const body = data['referenceId'] !== undefined ? `[stored as ${String(data['referenceId'])}] ${oneLine(String(data['preview'] ?? ''), 100)}` : oneLine(String(data['content'] ?? ''), 160);
      return `${prefix} ${String(data['name'])}${data['isError'] === true ? ' ERROR' : ''} (${num(data['chars'])} chars): ${body}`;
    }
    case 'answer':
      return `${prefix} ${oneLine(String(data['answer'] ?? ''), 200)}`;
    case 'plan':
      return `${prefix} ${oneLine(String(data['plan'] ?? ''), 200)}`;
    case 'guardrail-blocked':
      return `${prefix} ${String(data['name'])} by ${String(data['guardrail'])}: ${oneLine(String(data['reason'] ?? ''), 160)}`;
    default:
      return `${prefix} ${oneLine(JSON.stringify(data), 200)}`;
  }
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function num(value: unknown): string {
  return typeof value === 'number' ? String(Math.round(value)) : '?';
}
