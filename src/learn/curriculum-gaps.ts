import type { JsonObject, JsonValue } from '../core/json.ts';
import type { Library } from '../library/library.ts';
import type { SkillContent } from '../library/artifact-content.ts';
import { stopWords } from '../library/retrieval/text-analysis.ts';
import type { RunRecord, TrajectoryRecord } from '../store/types.ts';

/**
 * Where the library falls short, read from the store, for `lamarck curriculum --from-gaps`:
 *
 * - failure clusters: learn attempts whose task still fails at its latest attempt, grouped by the
 *   task's kind (its first tag, which the actor records in the agent run's metadata); untagged
 *   failures are grouped by shared words. Each cluster names its salient terms (words more common in
 *   its failed prompts than in the kind's passed ones), some failed prompts and the verifier's feedback.
 * - skills without held-out coverage: active skills whose head version no held-out task checked (no
 *   gate figures, a gate with no held-out tasks, or none of them retrieved the skill).
 *
 * The latest attempt decides, so a failure that a later run (after learning) passed is no gap.
 */
export type LibraryGap = FailureClusterGap | UncoveredSkillGap;

export interface FailureClusterGap {
  /** `failures-<kind>`: what the curriculum output says each task targets. */
  id: string;
  type: 'failure-cluster';
  /** The tasks' kind (their first tag), or the cluster's top term for untagged failures. */
  kind: string;
  /** Tasks of the cluster whose latest attempt failed. */
  failed: number;
  /** Tasks of the kind judged at least once. */
  attempted: number;
  terms: string[];
  /** Some failed tasks, with the agent's answer (null when it gave none). */
  examples: Array<{ prompt: string; answer: string | null }>;
  feedback: string[];
}

export interface UncoveredSkillGap {
  /** `skill-<name>`. */
  id: string;
  type: 'uncovered-skill';
  /** The kind new tasks get: the skill's name. */
  kind: string;
  skill: string;
  description: string;
  reason: string;
}

export interface FindGapsOptions {
  /** Most gaps returned: failure clusters first (most failures first), then uncovered skills. Default 5. */
  maxGaps?: number;
}

const examplesPerCluster = 3;
const termsPerCluster = 5;
/** Word-set overlap at which two untagged failed prompts join one cluster. */
const untaggedClusterSimilarity = 0.3;

export async function findLibraryGaps(library: Library, options: FindGapsOptions = {}): Promise<LibraryGap[]> {
  const clusters = await failureClusters(library);
  const skills = await uncoveredSkills(library);
  return [...clusters, ...skills].slice(0, options.maxGaps ?? 5);
}

interface JudgedTask {
  prompt: string;
  answer: string | null;
  kind: string | undefined;
  passed: boolean;
  feedback: string;
}

async function failureClusters(library: Library): Promise<FailureClusterGap[]> {
  const latest = new Map<string, JudgedTask>();
  const runs = new Map<string, RunRecord | undefined>();
  // Oldest first, so a later attempt at the same task replaces an earlier one.
  for (const trajectory of await library.store.listTrajectories()) {
    const verdict = trajectory.verdict;
    if (verdict === null || typeof verdict['passed'] !== 'boolean') continue;
    const kind = await taskKind(library, trajectory, runs);
    // Keyed by id and prompt: two curriculum files may both hold a `sums-generated-1`.
    latest.set(`${trajectory.taskId ?? ''}\u0000${trajectory.task}`, { prompt: trajectory.task, answer: trajectory.answer, kind, passed: verdict['passed'], feedback: typeof verdict['feedback'] === 'string' ? verdict['feedback'] : '' });
  }
  const byKind = new Map<string, JudgedTask[]>();
  const untagged: JudgedTask[] = [];
  for (const judged of latest.values()) {
    if (judged.kind === undefined) untagged.push(judged);
    else byKind.set(judged.kind, [...(byKind.get(judged.kind) ?? []), judged]);
  }
  const clusters: FailureClusterGap[] = [];
  for (const [kind, tasks] of byKind) {
    const failed = tasks.filter((task) => !task.passed);
    if (failed.length > 0) clusters.push(cluster(kind, failed, tasks));
  }
  for (const group of groupBySharedWords(untagged.filter((task) => !task.passed))) {
    const terms = salientTerms(group, untagged.filter((task) => task.passed));
    const kind = terms[0] ?? 'untagged';
    clusters.push(cluster(kind, group, [...group, ...untagged.filter((task) => task.passed && sharesWords(task, group))]));
  }
  return clusters.sort((a, b) => b.failed - a.failed || a.id.localeCompare(b.id));
}

function cluster(kind: string, failed: readonly JudgedTask[], attempted: readonly JudgedTask[]): FailureClusterGap {
  return {
    id: `failures-${kind}`,
    type: 'failure-cluster',
    kind,
    failed: failed.length,
    attempted: attempted.length,
    terms: salientTerms(failed, attempted.filter((task) => task.passed)),
    examples: failed.slice(0, examplesPerCluster).map((task) => ({ prompt: task.prompt, answer: task.answer })),
    feedback: [...new Set(failed.map((task) => task.feedback).filter((text) => text !== ''))].slice(0, examplesPerCluster),
  };
}

/** The kind the actor recorded with the attempt's agent run (`metadata.tags[0]`), if any. */
async function taskKind(library: Library, trajectory: TrajectoryRecord, runs: Map<string, RunRecord | undefined>): Promise<string | undefined> {
  if (trajectory.runId === null) return undefined;
  if (!runs.has(trajectory.runId)) runs.set(trajectory.runId, await library.store.getRun(trajectory.runId));
  const metadata = field(runs.get(trajectory.runId)?.config, 'metadata');
  const tags = field(metadata, 'tags');
  const first = Array.isArray(tags) ? tags[0] : undefined;
  return typeof first === 'string' ? first : undefined;
}

function field(value: JsonValue | undefined, key: string): JsonValue | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
}

function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/\p{L}[\p{L}\p{N}]*/gu) ?? []).filter((word) => word.length >= 3 && !stopWords.has(word)));
}

/** Words in more of the failed prompts than of the passed ones (shares), most distinctive first; numbers are left out. */
function salientTerms(failed: readonly JudgedTask[], passed: readonly JudgedTask[]): string[] {
  const share = (tasks: readonly JudgedTask[]): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const task of tasks) for (const word of words(task.prompt)) counts.set(word, (counts.get(word) ?? 0) + 1);
    return new Map([...counts].map(([word, count]) => [word, count / Math.max(1, tasks.length)]));
  };
  const inFailed = share(failed);
  const inPassed = share(passed);
  return [...inFailed]
    .map(([word, rate]) => ({ word, lift: rate - (inPassed.get(word) ?? 0), rate }))
    .filter((term) => term.lift > 0)
    .sort((a, b) => b.lift - a.lift || b.rate - a.rate || a.word.localeCompare(b.word))
    .slice(0, termsPerCluster)
    .map((term) => term.word);
}

function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const shared = [...a].filter((word) => b.has(word)).length;
  return shared / (a.size + b.size - shared);
}

/** Greedy grouping: a failed prompt joins the first group one of whose prompts it overlaps enough. */
function groupBySharedWords(tasks: readonly JudgedTask[]): JudgedTask[][] {
  const groups: JudgedTask[][] = [];
  for (const task of tasks) {
    const group = groups.find((members) => sharesWords(task, members));
    if (group === undefined) groups.push([task]);
    else group.push(task);
  }
  return groups;
}

function sharesWords(task: JudgedTask, group: readonly JudgedTask[]): boolean {
  const own = words(task.prompt);
  return group.some((member) => similarity(own, words(member.prompt)) >= untaggedClusterSimilarity);
}

async function uncoveredSkills(library: Library): Promise<UncoveredSkillGap[]> {
  const gaps: UncoveredSkillGap[] = [];
  for (const entry of await library.list({ kind: 'skill', status: 'active' })) {
    const reason = coverageGap(entry.version.evaluation);
    if (reason === undefined) continue;
    gaps.push({ id: `skill-${entry.name}`, type: 'uncovered-skill', kind: entry.name, skill: entry.name, description: (entry.content as SkillContent).description, reason });
  }
  return gaps;
}

/** Why no held-out task checked this version, or undefined when one did. */
function coverageGap(evaluation: JsonObject): string | undefined {
  const heldOut = field(field(field(evaluation, 'heldOut'), 'winner'), 'tasks');
  if (typeof heldOut === 'number') return heldOut > 0 ? undefined : 'its agent-problem gate had no held-out tasks';
  const gate = field(evaluation, 'gate');
  if (gate === undefined) return 'no gate figures: it was not committed by a gate';
  const tasks = field(gate, 'heldOutTaskIds');
  const unaffected = field(gate, 'unaffectedTaskIds');
  if (!Array.isArray(tasks) || tasks.length === 0) return 'its gate had no held-out tasks';
  const skipped = new Set(Array.isArray(unaffected) ? unaffected : []);
  if (tasks.every((task) => skipped.has(task))) return `none of its gate's ${tasks.length} held-out tasks retrieved it`;
  return undefined;
}
