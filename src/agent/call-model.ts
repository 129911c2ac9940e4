import type { GenerateTextRequest, GenerateTextResult, LanguageModelClient } from '../model/types.ts';
import type { TrajectoryRecorder } from './trajectory-recorder.ts';
import type { AgentEvent, AgentUsage } from './types.ts';

/**
 * One model call with its bookkeeping: usage added to the run's totals, a `model-call` trajectory
 * step (reply text, tool calls, tokens, cost, latency) and a `model-called` event. Failures are
 * recorded as an `error` step and rethrown for the loop to decide what they mean.
 */
export interface ModelCallContext {
  model: LanguageModelClient;
  recorder: TrajectoryRecorder;
  emit: (event: AgentEvent) => void;
  usage: AgentUsage;
}

export async function callModel(
  context: ModelCallContext,
  request: GenerateTextRequest,
  step: number,
  purpose: 'plan' | 'act',
): Promise<GenerateTextResult> {
  let result: GenerateTextResult;
  try {
    result = await context.model.generateText({ ...request, purpose: purpose === 'plan' ? 'agent-plan' : 'agent-act' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'unexpected';
    context.recorder.step('error', { step, purpose, model: context.model.spec, code, message });
    throw error;
  }
  context.usage.modelCalls += 1;
  context.usage.inputTokens += result.usage.inputTokens;
  context.usage.outputTokens += result.usage.outputTokens;
  context.usage.costUsd += result.usage.costUsd;
  context.recorder.step(purpose === 'plan' ? 'plan-call' : 'model-call', {
    step,
    model: result.model,
    text: result.text,
    toolCalls: result.toolCalls.map((call) => ({ id: call.id, name: call.name, input: call.input })),
    toolsOffered: (request.tools ?? []).map((tool) => tool.name),
    finishReason: result.finishReason,
    inputTokens: result.usage.inputTokens,
    outputTokens: result.usage.outputTokens,
    costUsd: result.usage.costUsd,
    latencyMs: result.latencyMs,
    attempts: result.attempts,
  });
  context.emit({
    type: 'model-called',
    step,
    text: result.text,
    toolCalls: result.toolCalls.length,
    inputTokens: result.usage.inputTokens,
    outputTokens: result.usage.outputTokens,
    costUsd: result.usage.costUsd,
    latencyMs: result.latencyMs,
  });
  return result;
}
