/**
 * Agent runtime overheads: the loop's own cost per step with a model that answers instantly (so the
 * figure excludes the model), a sandboxed tool call warm and cold, and tool retrieval over 1,000
 * registered tools. Targets: loop ≤ 1 ms per step, sandbox warm ≤ 5 ms and cold ≤ 50 ms,
 * retrieval ≤ 5 ms per step (all medians).
 */
import { runAgent } from '../src/agent/run-agent.ts';
import { ToolRegistry } from '../src/agent/tool-registry.ts';
import type { AgentTool } from '../src/agent/types.ts';
import { createSandboxTools } from '../src/agent/tools/sandbox-tools.ts';
import type { GenerateTextRequest, GenerateTextResult, LanguageModelClient } from '../src/model/types.ts';
import { closeQuickJsPool } from '../src/sandbox/quickjs-sandbox.ts';
import { createMemoryStore } from '../src/testing/index.ts';
import { median, percentile, round, timeRuns } from './stats.ts';

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  return {
    loop: await loopOverhead(quick),
    sandbox: await sandboxCalls(quick),
    retrieval: retrieval(quick),
  };
}

/** A model that answers at once: `steps` tool calls, then a final answer. */
function instantModel(steps: number): LanguageModelClient {
  let call = 0;
  const reply = (request: GenerateTextRequest): GenerateTextResult => {
    call += 1;
    const done = call > steps;
    void request;
    return {
      text: '',
      toolCalls: [done ? { id: `c${call}`, name: 'final_answer', input: { answer: 'ok' } } : { id: `c${call}`, name: 'noop', input: { step: call } }],
      finishReason: 'tool-calls',
      usage: { inputTokens: 100, outputTokens: 10, costUsd: 0 },
      model: 'bench:instant',
      latencyMs: 0,
      attempts: 1,
    };
  };
  return {
    specificationVersion: 'v1',
    spec: 'bench:instant',
    provider: 'scripted',
    modelId: 'instant',
    nativeTools: true,
    generateText: async (request) => reply(request),
    generateObject: () => Promise.reject(new Error('not used')),
    streamText: () => {
      throw new Error('not used');
    },
  };
}

const noop: AgentTool = {
  name: 'noop',
  description: 'Does nothing',
  inputSchema: { type: 'object', properties: { step: { type: 'number' } } },
  source: 'custom',
  execute: async () => ({ content: 'done' }),
};

async function loopOverhead(quick: boolean): Promise<Record<string, unknown>> {
  const steps = 40;
  const runs = quick ? 10 : 30;
  const measure = async (withStore: boolean): Promise<number[]> => {
    const perStep: number[] = [];
    for (let index = 0; index < runs + 3; index += 1) {
      const store = withStore ? createMemoryStore() : undefined;
      const started = performance.now();
      const result = await runAgent({ task: 'bench', model: instantModel(steps), tools: [noop], builtinTools: false, limits: { maxSteps: steps + 5 }, ...(store === undefined ? {} : { store }) }).result;
      const elapsed = performance.now() - started;
      if (result.steps !== steps + 1) throw new Error(`bench run took ${result.steps} steps`);
      await store?.close();
      // The first runs warm up the JIT and are not counted.
      if (index >= 3) perStep.push(elapsed / result.steps);
    }
    return perStep;
  };
  const bare = await measure(false);
  const recorded = await measure(true);
  return {
    stepsPerRun: steps + 1,
    runs,
    perStepMedianMs: round(median(bare), 4),
    perStepP90Ms: round(percentile(bare, 0.9), 4),
    withMemoryStorePerStepMedianMs: round(median(recorded), 4),
    withMemoryStorePerStepP90Ms: round(percentile(recorded, 0.9), 4),
    targetMs: 1,
    note: 'bare = no store; withMemoryStore = trajectory steps and run state written to the in-memory SQLite store every step',
  };
}

async function sandboxCalls(quick: boolean): Promise<Record<string, unknown>> {
  const tool = createSandboxTools({ timeoutMs: 2_000, memoryLimitBytes: 32 * 1024 * 1024, capabilities: { networkHosts: [], writeFiles: false } })[0]!;
  const context = { signal: new AbortController().signal, toolCallId: 'bench' };
  const input = { code: 'let total = 0; for (const value of input.values) total += value; return total;', input: { values: [1, 2, 3, 4, 5] } };
  const call = async (): Promise<void> => {
    const output = await tool.execute(input, context);
    if (output.content !== '15') throw new Error(`unexpected sandbox output ${output.content}`);
  };
  // First call of the process: loads and compiles the QuickJS WebAssembly module.
  const firstStarted = performance.now();
  await call();
  const firstCallMs = performance.now() - firstStarted;
  const warm = await timeRuns(quick ? 50 : 200, call, 5);
  // Cold: a fresh sandbox worker and WebAssembly instance for every call (the pool closed before each).
  const cold: number[] = [];
  for (let index = 0; index < (quick ? 10 : 30); index += 1) {
    await closeQuickJsPool();
    const started = performance.now();
    await call();
    cold.push(performance.now() - started);
  }
  return {
    warmMedianMs: round(median(warm), 3),
    warmP90Ms: round(percentile(warm, 0.9), 3),
    coldMedianMs: round(median(cold), 3),
    coldP90Ms: round(percentile(cold, 0.9), 3),
    firstCallInProcessMs: round(firstCallMs, 3),
    targets: { warmMs: 5, coldMs: 50 },
    note: 'through the agent run_javascript tool (manifest, input check, QuickJS runtime and context per call); cold = new WebAssembly instance per call',
  };
}

function retrieval(quick: boolean): Record<string, unknown> {
  const topics = ['weather', 'stock', 'calendar', 'email', 'invoice', 'translate', 'geocode', 'currency', 'flight', 'recipe', 'database', 'image', 'audio', 'video', 'pdf'];
  const verbs = ['get', 'list', 'create', 'delete', 'update', 'search', 'summarize', 'convert', 'validate', 'export', 'import', 'merge'];
  const registry = new ToolRegistry();
  const buildStarted = performance.now();
  for (let index = 0; index < 1000; index += 1) {
    const topic = topics[index % topics.length]!;
    const verb = verbs[Math.floor(index / topics.length) % verbs.length]!;
    registry.add({
      name: `${verb}_${topic}_${index}`,
      description: `${verb} ${topic} entries in workspace ${index}; supports paging and filters by owner and date`,
      inputSchema: {
        type: 'object',
        properties: {
          [`${topic}Id`]: { type: 'string', description: `identifier of the ${topic}` },
          owner: { type: 'string', description: 'who owns it' },
          since: { type: 'string', description: 'ISO date lower bound' },
        },
      },
      source: 'mcp',
      execute: async () => ({ content: '' }),
    });
  }
  const buildMs = performance.now() - buildStarted;
  // A step's query is the task plus the latest exchange, a few hundred characters.
  const queries = [
    'Find the invoices from March for the owner alice and export them as pdf. The last result listed 12 invoices with ids and totals.',
    'Convert the currency amounts in the flight booking to euros; previous tool returned the booking with prices in dollars and dates.',
    'Summarize the audio recording of the meeting and create a calendar entry for the follow-up next week with the owner bob.',
  ];
  let queryIndex = 0;
  const samples: number[] = [];
  const count = quick ? 300 : 2000;
  for (let index = 0; index < count + 50; index += 1) {
    const query = queries[queryIndex++ % queries.length]!;
    const started = performance.now();
    const offered = registry.select(query, 12);
    const elapsed = performance.now() - started;
    if (offered.length !== 12) throw new Error(`retrieval offered ${offered.length} tools`);
    if (index >= 50) samples.push(elapsed);
  }
  return {
    tools: registry.size,
    toolsOffered: 12,
    indexBuildMs: round(buildMs, 2),
    perStepMedianMs: round(median(samples), 4),
    perStepP90Ms: round(percentile(samples, 0.9), 4),
    targetMs: 5,
  };
}
