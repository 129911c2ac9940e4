import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { startProtocolServer, type ProtocolReply } from '../../support/protocol-server.ts';

/**
 * A store made the way users make one: real runs through the CLI. A model-free evolve run on a
 * tiny JavaScript problem (whose evaluator fails with a message on stderr for some candidates,
 * writes unicode metrics, and puts a <script> into an artifact, as hostile output would), a second
 * shorter evolve run to compare with, driven by an ensemble of two priced models on the protocol
 * server (so it has a model bandit and an operator mix in its checkpoint), a learn run against the protocol server (a committed lesson,
 * a gate rejection with held-out figures, an invalid proposal, a second version), and an agent run
 * that reads a file with a tool.
 */
export const hostileMarkup = '<script>window.__lamarckInjected = true</script>';
export const stderrMarker = 'evaluator refused the candidate: x is below 1.6';

export interface DemoStore {
  cwd: string;
  storePath: string;
  problemDirectory: string;
  evolveRunId: string;
  secondEvolveRunId: string;
  learnRunId: string;
  agentRunId: string;
}

export async function lamarck(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const streams = {
    stdout: { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => ((stderr += text), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await main(argv, { cwd, env: {}, streams });
  return { code, stdout, stderr };
}

async function mustRun(cwd: string, ...argv: string[]): Promise<string> {
  const result = await lamarck(cwd, '--json', ...argv);
  if (result.code !== 0) throw new Error(`lamarck ${argv.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** The tiny problem: maximise −(x−1)² − (y−0.5)²; the evaluator refuses x < 1.6 on stderr, exit 3. */
/**
 * With `holdAfter`, evaluations after that many wait until `releaseFile` exists, so a test can
 * look at a run that is certainly still running, then let it finish.
 */
export function writeTinyProblem(directory: string, options: { evaluatorDelayMs?: number; name?: string; holdAfter?: number; releaseFile?: string } = {}): string {
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    join(directory, 'program.mjs'),
    ['// EVOLVE-BLOCK-START', 'const x = 3.0;', 'const y = -1.5;', '// EVOLVE-BLOCK-END', `// ${hostileMarkup}`, 'export default [x, y];', ''].join('\n'),
  );
  writeFileSync(
    join(directory, 'evaluator.mjs'),
    [
      "import { appendFileSync, existsSync, readFileSync } from 'node:fs';",
      'const text = readFileSync(process.argv[2], "utf8");',
      'const x = Number(/const x = (-?[0-9.e+-]+)/.exec(text)[1]);',
      'const y = Number(/const y = (-?[0-9.e+-]+)/.exec(text)[1]);',
      `await new Promise((resolve) => setTimeout(resolve, ${options.evaluatorDelayMs ?? 0}));`,
      ...(options.holdAfter === undefined
        ? []
        : [
            `appendFileSync(${JSON.stringify(join(directory, 'evaluations.count'))}, 'x');`,
            `if (readFileSync(${JSON.stringify(join(directory, 'evaluations.count'))}, 'utf8').length > ${options.holdAfter}) {`,
            `  while (!existsSync(${JSON.stringify(options.releaseFile ?? join(directory, 'release'))})) await new Promise((resolve) => setTimeout(resolve, 50));`,
            '}',
          ]),
      `if (x < 2.6) { console.error(${JSON.stringify(`${stderrMarker} (${hostileMarkup})`)} + " x=" + x); process.exit(3); }`,
      'const score = -((x - 1) ** 2) - (y - 0.5) ** 2;',
      `console.log(JSON.stringify({ combined_score: score, metrics: { x, y, "naïve ✓ 🧬": 1 }, artifacts: { feedback: "distance " + Math.sqrt(-score).toFixed(3), markup: ${JSON.stringify(hostileMarkup)} } }));`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(directory, 'lamarck.json'),
    JSON.stringify({
      name: options.name ?? 'tiny-quadratic',
      program: 'program.mjs',
      evaluator: { command: ['${node}', join(directory, 'evaluator.mjs')], timeoutSeconds: options.holdAfter === undefined ? 30 : 300 },
      settings: { islands: 2, populationSize: 6, archiveSize: 2 },
    }),
  );
  return directory;
}

export async function buildDemoStore(cwd: string, options: { iterations?: number } = {}): Promise<DemoStore> {
  const problemDirectory = writeTinyProblem(join(cwd, 'tiny-problem'));
  writeFileSync(
    join(cwd, 'lamarck.config.json'),
    JSON.stringify({
      learn: { consolidateEvery: 0, gate: { holdoutSize: 1 } },
      prices: { [demoModels[0]]: { inputPerMillion: 3, outputPerMillion: 15 }, [demoModels[1]]: { inputPerMillion: 0.25, outputPerMillion: 2 } },
    }),
  );
  // Slots named, not left to the machine's core count: the throughput view is checked against them.
  // One slot with the seeded window of four: candidates wait for it, and that wait is not occupancy.
  const evolve = JSON.parse(await mustRun(cwd, 'evolve', problemDirectory, '--iterations', String(options.iterations ?? 16), '--seed', '1', '--evaluations', '1')) as { runId: string };
  const second = await ensembleEvolveRun(cwd, problemDirectory);
  const learnRunId = await learnRun(cwd);
  const agentRunId = await agentRun(cwd);
  return { cwd, storePath: join(cwd, '.lamarck', 'lamarck.db'), problemDirectory, evolveRunId: evolve.runId, secondEvolveRunId: second.runId, learnRunId, agentRunId };
}

/** The ensemble's two models (model ids on the protocol server, priced in the demo's config). */
export const demoModels = ['demo-strong', 'demo-fast'] as const;

/**
 * Six seeded iterations with two evaluation slots and two models that answer with one-line diffs
 * (some apply, some do not once the tuner has moved the literal). More replies are queued than
 * the run can use, so no call waits on a retry.
 */
async function ensembleEvolveRun(cwd: string, problemDirectory: string): Promise<{ runId: string }> {
  const server = await startProtocolServer();
  try {
    const diff = (y: string): ProtocolReply => ({
      text: ['Move y towards its optimum.', '<<<<<<< SEARCH', 'const y = -1.5;', '=======', `const y = ${y};`, '>>>>>>> REPLACE'].join('\n'),
      usage: { inputTokens: 900, outputTokens: 60 },
    });
    server.enqueue(...Array.from({ length: 40 }, (_, index) => diff((-1.4 + index * 0.05).toFixed(2))));
    const models = demoModels.map((id) => `openai-compatible:${server.baseURL}#${id}`);
    return JSON.parse(await mustRun(cwd, 'evolve', problemDirectory, '--iterations', '6', '--seed', '2', '--evaluations', '2', '--model', ...models)) as { runId: string };
  } finally {
    await server.close();
  }
}

const lessonText = 'When you add numbers, add them carefully and answer with the number only.';

/** Three addition tasks and one held-out task; the agent and the learner each have their own server. */
async function learnRun(cwd: string): Promise<string> {
  const agent = await startProtocolServer();
  const learner = await startProtocolServer();
  try {
    const task = (id: string, prompt: string, expected: string, split?: string) => JSON.stringify({ id, prompt, verify: { type: 'exact', expected }, ...(split === undefined ? {} : { split }) });
    writeFileSync(
      join(cwd, 'tasks.jsonl'),
      [task('t1', 'Add 2 and 2.', '4'), task('t2', 'Add 5 and 5.', '10'), task('t3', 'Add 1 and 1.', '2'), task('h1', 'Add 3 and 4.', '7', 'holdout'), ''].join('\n'),
    );
    const lesson = (op: string, text: string) => ({ op, kind: 'lesson', name: 'add-carefully', content: { title: 'Adding', text, type: 'strategy', when: 'adding numbers', tags: ['arithmetic'] } });
    const reflection = (proposals: object[]) => ({ text: JSON.stringify({ rootCause: 'arithmetic slip', keyInsight: 'add carefully', proposals }) });
    const reply = (text: string): ProtocolReply => ({ text, usage: { inputTokens: 120, outputTokens: 4 } });
    // t1 fails (5), the lesson passes the gate (h1 without: 7, with: 7); t2 passes, its update makes
    // h1 fail (without: 7, with: seven) and is rejected; t3 passes, its update passes the gate.
    agent.enqueue(reply('5'), reply('7'), reply('7'), reply('10'), reply('7'), reply('seven'), reply('2'), reply('7'), reply('7'));
    learner.enqueue(
      reflection([lesson('add', lessonText)]),
      reflection([lesson('update', 'When you add numbers, answer in words, never with digits.'), { op: 'add', kind: 'lesson', name: 'Not a valid name!', content: {} }]),
      reflection([lesson('update', `${lessonText} Check the sum once before answering.`)]),
    );
    const model = `openai-compatible:${agent.baseURL}#agent-model`;
    const learnerModel = `openai-compatible:${learner.baseURL}#learner-model`;
    const report = JSON.parse(await mustRun(cwd, 'learn', 'tasks.jsonl', '--model', model, '--learner', learnerModel)) as { runId?: string };
    const runs = JSON.parse(await mustRun(cwd, 'runs', '--kind', 'learn')) as { id: string }[];
    return report.runId ?? runs[0]!.id;
  } finally {
    await agent.close();
    await learner.close();
  }
}

async function agentRun(cwd: string): Promise<string> {
  const server = await startProtocolServer();
  try {
    const workspace = join(cwd, 'workspace');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'notes.txt'), `Meeting moved to Friday. ${hostileMarkup}\n`);
    server.enqueue(
      { toolCalls: [{ name: 'read_file', input: { path: 'notes.txt' } }], usage: { inputTokens: 300, outputTokens: 20 } },
      { text: 'The meeting moved to Friday.', usage: { inputTokens: 420, outputTokens: 12 } },
    );
    const result = JSON.parse(await mustRun(cwd, 'run', 'Read notes.txt and say when the meeting is.', '--workspace', workspace, '--model', `openai-compatible:${server.baseURL}#agent-model`, '--no-library')) as { runId: string };
    return result.runId;
  } finally {
    await server.close();
  }
}
