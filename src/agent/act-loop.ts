import { callModel } from './call-model.ts';
import { estimateTokens } from './context-window.ts';
import { executeToolCalls, type ToolExecutionEnvironment } from './execute-tools.ts';
import type { RunKnowledge } from './load-knowledge.ts';
import { compactIfNeeded, estimateToolTokens, memoizeSystemPrompt, retrievalQuery, toDefinition } from './prepare-step.ts';
import type { AgentRunContext } from './run-context.ts';
import type { ToolRegistry } from './tool-registry.ts';
import { createPredicateEvaluator } from './tools/sandbox-tools.ts';
import type { GenerateTextResult } from '../model/types.ts';
import type { AgentStopReason } from './types.ts';

/**
 * The act phase: step after step until a stop condition fires (an answer, a limit, the signal).
 * Each step offers the tools that fit the conversation, fits the context to its budget, calls the
 * model, and either runs the tool calls or takes the reply as the answer; the state is saved after
 * every step, so a resumed run repeats at most the step in flight.
 */
export async function actUntilStopped(run: AgentRunContext, knowledge: RunKnowledge, registry: ToolRegistry): Promise<AgentStopReason> {
  const { state, options, limits, recorder } = run;
  const systemFor = memoizeSystemPrompt({
    skills: knowledge.skills,
    lessons: knowledge.lessons,
    plan: state.plan,
    workspace: options.workspace !== undefined,
    instructions: options.instructions,
  });
  const environment = toolEnvironment(run, knowledge, registry);
  let lastSystem: string | undefined;
  for (;;) {
    const stopReason = run.stopCondition({ step: state.step, elapsedMs: run.elapsed(), answer: state.answer, usage: state.usage }) ?? (run.signal.aborted ? run.stoppedBy() : undefined);
    if (stopReason !== undefined) {
      if (stopReason !== 'answered') recorder.step('run-stopped', { reason: stopReason, step: state.step });
      return stopReason;
    }
    const offered = registry.select(retrievalQuery(state.task, state.messages), limits.toolsPerStep);
    const system = systemFor(registry.size - offered.length > 0);
    if (system !== lastSystem) {
      recorder.step('prompt', { system });
      lastSystem = system;
    }
    const definitions = offered.map(toDefinition);
    // The system prompt and the tool definitions take their share of the budget first.
    compactIfNeeded(state, limits.contextTokens - estimateTokens(system) - estimateToolTokens(definitions), recorder, run.emit);
    const reply = await callModel(run.modelContext, { system, messages: state.messages, tools: definitions, signal: run.signal, meter: run.meter }, state.step + 1, 'act');
    state.step += 1;
    state.messages.push({ role: 'assistant', content: reply.text, ...(reply.toolCalls.length > 0 ? { toolCalls: reply.toolCalls } : {}) });
    if (reply.toolCalls.length === 0) takeTextReply(run, reply);
    else {
      const round = await executeToolCalls(reply.toolCalls, state.step, environment);
      state.messages.push(...round.messages);
      if (round.answer !== null) state.answer = round.answer;
    }
    await run.persist();
  }
}

/**
 * A reply without tool calls is the model answering in plain text; it is taken as the answer,
 * unless it was cut off at the output limit (it may be half an answer or half a tool call) or empty.
 */
function takeTextReply(run: AgentRunContext, reply: GenerateTextResult): void {
  const { state, recorder } = run;
  const nudge = (text: string): void => {
    state.messages.push({ role: 'user', content: text });
    recorder.step('nudge', { step: state.step, text });
  };
  if (reply.finishReason === 'length') nudge('Your reply was cut off at the output limit. Reply more briefly: call a tool, or call final_answer with a short answer.');
  else if (reply.text.trim() === '') nudge('Your reply was empty. Call a tool, or call final_answer with the answer.');
  else {
    state.answer = reply.text.trim();
    recorder.step('answer', { step: state.step, answer: state.answer });
  }
}

function toolEnvironment(run: AgentRunContext, knowledge: RunKnowledge, registry: ToolRegistry): ToolExecutionEnvironment {
  const { guardrails } = knowledge;
  return {
    registry,
    references: run.references,
    guardrails,
    knowledge: run.options.knowledge,
    evaluatePredicate: guardrails.some((guardrail) => guardrail.predicate !== undefined) ? createPredicateEvaluator(run.sandbox) : undefined,
    recorder: run.recorder,
    emit: run.emit,
    signal: run.signal,
    toolTimeoutMs: run.limits.toolTimeoutMs,
    referenceChars: run.limits.resultReferenceChars,
  };
}
