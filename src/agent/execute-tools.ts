import { TimeoutError, toLamarckError } from '../core/errors.ts';
import type { JsonValue } from '../core/json.ts';
import type { ChatMessage, ToolCall } from '../model/types.ts';
import { toolInputProblem } from './tool-schema-checks.ts';
import { checkGuardrails, type PredicateEvaluator } from './guardrails.ts';
import type { Guardrail, AgentKnowledge } from './knowledge.ts';
import { frameToolOutput } from './prompt.ts';
import { describeReference, type ResultReferences } from './result-references.ts';
import { answerFromInput, finalAnswerToolName } from './tools/control-tools.ts';
import type { ToolRegistry } from './tool-registry.ts';
import type { TrajectoryRecorder } from './trajectory-recorder.ts';
import type { AgentEvent, ToolOutput } from './types.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Runs the tool calls of one model reply, in order: the input checked against the tool's schema,
 * guardrails, then the tool with a time limit, then the result framed as data (or stored by
 * reference when large). A tool that throws,
 * times out or is blocked becomes an error result the model sees; the run itself goes on.
 */
export interface ToolExecutionEnvironment {
  registry: ToolRegistry;
  references: ResultReferences;
  guardrails: readonly Guardrail[];
  knowledge: AgentKnowledge | undefined;
  evaluatePredicate: PredicateEvaluator | undefined;
  recorder: TrajectoryRecorder;
  emit: (event: AgentEvent) => void;
  signal: AbortSignal;
  toolTimeoutMs: number;
  referenceChars: number;
}

export interface ToolRoundResult {
  messages: ChatMessage[];
  answer: string | null;
}

export async function executeToolCalls(calls: readonly ToolCall[], step: number, environment: ToolExecutionEnvironment): Promise<ToolRoundResult> {
  const messages: ChatMessage[] = [];
  let answer: string | null = null;
  for (const call of calls) {
    environment.recorder.step('tool-call', { step, toolCallId: call.id, name: call.name, input: call.input });
    environment.emit({ type: 'tool-called', step, toolCallId: call.id, name: call.name, input: call.input });
    if (call.inputError !== undefined) {
      // Neither run nor taken as the answer: the model is told and may call again.
      messages.push(finishCall(call, step, environment, { content: `${call.inputError}. Call ${call.name} again with its arguments as one JSON object.`, isError: true }, 0));
      continue;
    }
    if (call.name === finalAnswerToolName) {
      const given = answerFromInput(call.input);
      if (given === undefined) {
        messages.push(toolMessage(call, 'final_answer needs {"answer": "..."}', true));
        continue;
      }
      answer = given;
      environment.recorder.step('answer', { step, answer: given });
      messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: 'answer recorded' });
      // Calls after the answer in the same reply are not run: the task is over.
      break;
    }
    messages.push(await runOneCall(call, step, environment));
  }
  return { messages, answer };
}

async function runOneCall(call: ToolCall, step: number, environment: ToolExecutionEnvironment): Promise<ChatMessage> {
  const tool = environment.registry.get(call.name);
  if (tool === undefined) {
    const content = `unknown tool "${call.name}". Call search_tools to find tools by what they do.`;
    return finishCall(call, step, environment, { content, isError: true }, 0);
  }
  const invalid = toolInputProblem(tool.inputSchema, call.input);
  if (invalid !== undefined) return finishCall(call, step, environment, { content: invalid, isError: true }, 0);
  const verdict = await checkGuardrails(environment.guardrails, call.name, call.input, environment.evaluatePredicate);
  if (verdict !== undefined) {
    environment.recorder.step('guardrail-blocked', { step, toolCallId: call.id, name: call.name, guardrail: verdict.guardrail.name, reason: verdict.reason });
    environment.emit({ type: 'guardrail-blocked', step, toolCallId: call.id, name: call.name, guardrail: verdict.guardrail.name, reason: verdict.reason });
    await environment.knowledge?.recordUse?.({ kind: 'guardrail', id: verdict.guardrail.id, toolName: call.name, input: call.input });
    return toolMessage(call, `The call was blocked by guardrail "${verdict.guardrail.name}": ${verdict.reason}`, true);
  }
  const started = performance.now();
  const output = await executeWithLimit(call, environment, tool.execute.bind(tool));
  return finishCall(call, step, environment, output, performance.now() - started);
}

function finishCall(call: ToolCall, step: number, environment: ToolExecutionEnvironment, output: ToolOutput, latencyMs: number): ChatMessage {
  const isError = output.isError === true;
  const content = output.content;
  let shown = content;
  let referenceId: string | undefined;
  if (content.length > environment.referenceChars) {
    const reference = environment.references.store(call.name, content);
    referenceId = reference.id;
    shown = describeReference(reference, content);
  }
  environment.recorder.step('tool-result', {
    step,
    toolCallId: call.id,
    name: call.name,
    isError,
    chars: content.length,
    latencyMs: Math.round(latencyMs * 1000) / 1000,
    ...(referenceId === undefined ? { content } : { referenceId, preview: content.slice(0, 600) }),
  });
  environment.emit({ type: 'tool-finished', step, toolCallId: call.id, name: call.name, isError, chars: content.length, ...definedOnly({ referenceId }) });
  return toolMessage(call, shown, isError);
}

function toolMessage(call: ToolCall, content: string, isError: boolean): ChatMessage {
  // Skill bodies are the library's instructions, meant to be followed; everything else is data.
  const framed = call.name === 'activate_skill' && !isError ? content : frameToolOutput(call.name, content, isError);
  return { role: 'tool', toolCallId: call.id, toolName: call.name, content: framed, ...(isError ? { isError: true } : {}) };
}

async function executeWithLimit(
  call: ToolCall,
  environment: ToolExecutionEnvironment,
  execute: (input: JsonValue, context: { signal: AbortSignal; toolCallId: string }) => Promise<ToolOutput>,
): Promise<ToolOutput> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => undefined;
  // Ends the call when its time is up or the run is stopped, even if the tool ignores its signal.
  const cutoff = new Promise<ToolOutput>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new TimeoutError(`tool ${call.name}`, environment.toolTimeoutMs));
      resolve({ content: `tool ${call.name} timed out after ${environment.toolTimeoutMs} ms`, isError: true });
    }, environment.toolTimeoutMs);
    onAbort = () => {
      controller.abort(environment.signal.reason);
      resolve({ content: `tool ${call.name} was stopped because the run stopped`, isError: true });
    };
    if (environment.signal.aborted) onAbort();
    else environment.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const running = Promise.resolve()
      .then(() => execute(call.input, { signal: controller.signal, toolCallId: call.id }))
      .then(normalizeOutput, (error: unknown) => {
        const lamarck = toLamarckError(error);
        return { content: `tool ${call.name} failed: ${lamarck.message}`, isError: true };
      });
    return await Promise.race([running, cutoff]);
  } finally {
    clearTimeout(timer);
    environment.signal.removeEventListener('abort', onAbort);
  }
}

/** Tools written by others may return anything; the model gets text either way. */
function normalizeOutput(output: unknown): ToolOutput {
  if (typeof output === 'object' && output !== null && typeof (output as ToolOutput).content === 'string') {
    const result = output as ToolOutput;
    return result.isError === true ? { content: result.content, isError: true } : { content: result.content };
  }
  if (typeof output === 'string') return { content: output };
  return { content: JSON.stringify(output) ?? String(output) };
}
