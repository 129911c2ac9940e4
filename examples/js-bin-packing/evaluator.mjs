// Scores an online bin-packing heuristic: `node evaluator.mjs <heuristic.mjs>`.
// Five seeded instances of 400 items (sizes 20..100, capacity 150, like the OR-Library "u" class).
// Score: mean over instances of lower bound / bins used (1.0 would be optimal). The packing is checked:
// every item exactly once and no bin over capacity; an invalid packing scores 0 with the reason.
// The last line of stdout is the JSON result; a candidate that cannot be loaded or throws exits with code 1.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const CAPACITY = 150;
const ITEMS = 400;
const SEEDS = [1, 2, 3, 4, 5];

function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function instance(seed) {
  const next = generator(seed);
  return Array.from({ length: ITEMS }, () => 20 + Math.floor(next() * 81));
}

function check(items, bins) {
  if (!Array.isArray(bins)) return 'pack() did not return an array of bins';
  const seen = new Array(items.length).fill(0);
  for (const [binIndex, bin] of bins.entries()) {
    if (!Array.isArray(bin)) return `bin ${binIndex} is not an array of item indices`;
    let load = 0;
    for (const item of bin) {
      if (!Number.isInteger(item) || item < 0 || item >= items.length) return `bin ${binIndex} holds an unknown item ${item}`;
      seen[item] += 1;
      load += items[item];
    }
    if (load > CAPACITY) return `bin ${binIndex} is over capacity (${load} > ${CAPACITY})`;
  }
  const wrong = seen.findIndex((count) => count !== 1);
  return wrong === -1 ? null : `item ${wrong} is packed ${seen[wrong]} times`;
}

const candidate = await import(pathToFileURL(process.argv[2]).href);
const started = performance.now();
const ratios = [];
let binsUsed = 0;
let problem = null;
for (const seed of SEEDS) {
  const items = instance(seed);
  const bins = candidate.pack(items, CAPACITY);
  problem = check(items, bins);
  if (problem !== null) break;
  const lowerBound = Math.ceil(items.reduce((sum, size) => sum + size, 0) / CAPACITY);
  ratios.push(lowerBound / bins.length);
  binsUsed += bins.length;
}
const score = problem === null ? ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length : 0;
const result = {
  combined_score: score,
  metrics: { mean_bins: problem === null ? binsUsed / SEEDS.length : null, validity: problem === null ? 1 : 0, eval_ms: performance.now() - started },
  artifacts: problem === null ? { feedback: `Mean ratio of lower bound to bins used: ${score.toFixed(4)}.` } : { violation: problem },
};
console.log(JSON.stringify(result));
