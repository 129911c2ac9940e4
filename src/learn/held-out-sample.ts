import { createHash } from 'node:crypto';
import { Random } from '../core/random.ts';
import type { Task } from './task-stream.ts';

/**
 * The held-out tasks a proposal is gated on: the run's fixed holdout when the task stream has one,
 * else a sample of the training tasks before this one, drawn from a seed that depends only on the
 * configured seed, the task and the proposal's place, so a resumed run (or a rerun with the same
 * seed) draws the same sample.
 */
export function heldOutFor(
  sample: { fixedHoldout: readonly Task[]; training: readonly Task[]; seed: number; size: number },
  position: number,
  taskId: string,
  proposalNumber: number,
): Task[] {
  if (sample.fixedHoldout.length > 0) return [...sample.fixedHoldout];
  return shuffle(sample.training.slice(0, position), new Random(seedFor(sample.seed, taskId, proposalNumber))).slice(0, sample.size);
}

function seedFor(seed: number, taskId: string, proposalNumber: number): number {
  return createHash('sha256').update(`${seed}\u0000${taskId}\u0000${proposalNumber}`).digest().readUInt32LE(0);
}

export function shuffle<T>(items: readonly T[], random: Random): T[] {
  return random.shuffle([...items]);
}
