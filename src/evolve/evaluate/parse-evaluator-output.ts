import { isJsonObject, tryParseJson, type JsonObject } from '../../core/json.ts';

/**
 * Reads the evaluator contract: the LAST non-empty line of stdout is one JSON object
 * `{"combined_score": number, "metrics": {...}, "artifacts": {...}}`. Python's json module writes
 * NaN and Infinity as bare tokens, which are not JSON; they are recognised so that the failure says
 * "non-finite score" rather than "not JSON".
 */
export type ParsedEvaluatorOutput =
  | { ok: true; score: number; metrics: JsonObject; artifacts: JsonObject }
  | { ok: false; kind: 'invalid-output' | 'non-finite-score'; message: string; line: string };

const nonFiniteSentinel = '__lamarck_non_finite__';

export function parseEvaluatorOutput(stdout: string): ParsedEvaluatorOutput {
  const lines = stdout.split(/\r?\n/);
  let line = '';
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    if (lines[index]!.trim() !== '') {
      line = lines[index]!.trim();
      break;
    }
  }
  if (line === '') {
    return { ok: false, kind: 'invalid-output', message: 'the evaluator printed nothing on stdout; its last line must be a JSON object', line };
  }
  let value = tryParseJson(line);
  if (value === undefined) {
    // Bare NaN / Infinity (outside strings) are what Python's json.dumps writes for non-finite floats.
    const patched = line.replace(/(?<=[:,[]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, `"${nonFiniteSentinel}$1"`);
    value = patched === line ? undefined : tryParseJson(patched);
  }
  if (value === undefined || !isJsonObject(value)) {
    return {
      ok: false,
      kind: 'invalid-output',
      message: 'the last line of stdout is not a JSON object like {"combined_score": 0.5, "metrics": {}, "artifacts": {}}',
      line: clip(line),
    };
  }
  const score = value.combined_score;
  if (typeof score === 'string' && score.startsWith(nonFiniteSentinel)) {
    return { ok: false, kind: 'non-finite-score', message: `combined_score is ${score.slice(nonFiniteSentinel.length)}`, line: clip(line) };
  }
  if (score === undefined) {
    return { ok: false, kind: 'invalid-output', message: 'the JSON object on the last line has no "combined_score"', line: clip(line) };
  }
  if (typeof score !== 'number') {
    return { ok: false, kind: 'non-finite-score', message: `combined_score is ${JSON.stringify(score)}, not a finite number`, line: clip(line) };
  }
  const metrics = isJsonObject(value.metrics) ? restoreNonFinite(value.metrics) : {};
  const artifacts = value.artifacts === undefined ? {} : isJsonObject(value.artifacts) ? value.artifacts : { value: value.artifacts };
  return { ok: true, score, metrics, artifacts };
}

/** Non-finite metrics (not the score) are kept, as strings, so they stay visible without breaking JSON. */
function restoreNonFinite(metrics: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, metric] of Object.entries(metrics)) {
    result[key] = typeof metric === 'string' && metric.startsWith(nonFiniteSentinel) ? metric.slice(nonFiniteSentinel.length) : metric;
  }
  return result;
}

function clip(line: string): string {
  return line.length > 2000 ? `${line.slice(0, 1000)} [...] ${line.slice(-1000)}` : line;
}
