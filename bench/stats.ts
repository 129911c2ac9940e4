/** Small statistics helpers shared by the benchmark suites. */
export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * fraction;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Times `body` `count` times (after `warmup` untimed runs) and returns milliseconds per run. */
export async function timeRuns(count: number, body: () => unknown, warmup = 3): Promise<number[]> {
  for (let index = 0; index < warmup; index += 1) await body();
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await body();
    samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * Times several variants of one operation in turns (step `i` runs every variant once, on input
 * `i`), the first `warmup` steps untimed, and returns each variant's milliseconds per timed run.
 * On a shared machine load comes and goes; taking turns exposes every variant to the same load,
 * so their ratios hold even when the absolute times drift.
 */
export async function timeInterleaved<Name extends string>(
  count: number,
  variants: Record<Name, (step: number) => unknown>,
  warmup = 3,
): Promise<Record<Name, number[]>> {
  const names = Object.keys(variants) as Name[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Name, number[]>;
  for (let step = 0; step < warmup + count; step += 1) {
    for (const name of names) {
      const started = performance.now();
      await variants[name](step);
      if (step >= warmup) samples[name].push(performance.now() - started);
    }
  }
  return samples;
}
