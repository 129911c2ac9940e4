import type { FailureRecord } from '../store/types.ts';

/**
 * A stored failure as lines for people (the caller names its kind): the message, then the
 * evidence an evaluation left (stage, exit code or signal, what stopped it first and when, the
 * end of its stderr). `indent` goes before every line, so the block can sit under a lineage step.
 */
export function failureLines(failure: FailureRecord, indent = ''): string[] {
  const lines = [`${indent}${failure.message}`];
  const evidence = failure.evidence;
  if (evidence === undefined) return lines;
  const facts = [
    evidence.stages > 1 ? `stage ${evidence.stage} of ${evidence.stages}` : undefined,
    evidence.signal !== null ? `signal ${evidence.signal}` : evidence.exitCode !== null ? `exit code ${evidence.exitCode}` : undefined,
    evidence.stop === null ? undefined : `first stop: ${evidence.stop}${evidence.stopAtMs === null ? '' : ` after ${(evidence.stopAtMs / 1000).toFixed(1)} s`}`,
    `${(evidence.cpuMs / 1000).toFixed(1)} s CPU`,
    evidence.peakMemoryMb > 0 ? `peak ${evidence.peakMemoryMb} MB` : undefined,
  ].filter((fact) => fact !== undefined);
  lines.push(`${indent}  ${facts.join(' · ')}`);
  if (evidence.stderrTail !== '') {
    lines.push(`${indent}  stderr (last lines):`);
    for (const line of evidence.stderrTail.split('\n')) lines.push(`${indent}  | ${line}`);
  }
  return lines;
}
