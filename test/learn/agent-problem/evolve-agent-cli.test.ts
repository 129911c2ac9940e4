import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { readTaskStream } from '../../../src/learn/task-stream.ts';
import type { ScriptedReplyValue, ScriptedRequest } from '../../../src/testing/scripted-model.ts';
import { temporaryDirectory } from '../../library/support.ts';
import { startProtocolServer, type ProtocolReply, type ProtocolServer } from '../../support/protocol-server.ts';
import { formattingAgentReply, reflectiveProposerReply } from './scripted-agents.ts';

async function lamarck(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const streams = {
    stdout: { write: (text: string) => ((stdout += text), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => ((stderr += text), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await main(argv, { cwd, env: {}, streams });
  return { code, stdout, stderr };
}

/** An OpenAI chat request body as the scripted models' request, so one behaviour serves both paths. */
function asScriptedRequest(body: Record<string, unknown>): ScriptedRequest {
  const messages = (body['messages'] as Array<{ role: string; content: unknown }>).map((message) => ({
    role: message.role,
    text: typeof message.content === 'string' ? message.content : JSON.stringify(message.content ?? ''),
  }));
  const users = messages.filter((message) => message.role === 'user');
  return {
    index: 0,
    streaming: false,
    system: messages.filter((message) => message.role === 'system').map((message) => message.text).join('\n'),
    messages: messages.filter((message) => message.role !== 'system') as ScriptedRequest['messages'],
    lastUserText: users.at(-1)?.text ?? '',
    tools: [],
    responseFormat: 'text',
    prompt: [],
  };
}

const exampleDirectory = new URL('../../../examples/agent-prompt', import.meta.url).pathname;

describe('lamarck evolve on an agent problem (over HTTP)', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let server: ProtocolServer;

  beforeEach(async () => {
    directory = temporaryDirectory('lamarck-agent-cli-');
    server = await startProtocolServer();
  });

  afterEach(async () => {
    await server.close();
    directory.remove();
  });

  it('runs the agent as the evaluator, gates the winner on the held-out tasks, commits it, and rolls it back', async () => {
    const cwd = directory.path;
    cpSync(exampleDirectory, join(cwd, 'agent-prompt'), { recursive: true });
    const tasks = await readTaskStream(join(cwd, 'agent-prompt', 'tasks.jsonl'));
    const agentReply = formattingAgentReply(tasks);
    // One model server for both: the request's model id says who answers.
    const reply = (body: Record<string, unknown>): ProtocolReply => {
      const request = asScriptedRequest(body);
      const value: ScriptedReplyValue = body['model'] === 'agent' ? agentReply(request) : reflectiveProposerReply(request);
      return value as ProtocolReply;
    };
    server.enqueue(...Array.from({ length: 400 }, () => ({ respond: reply })));
    const url = server.baseURL;
    const result = await lamarck(cwd, '--json', 'evolve', 'agent-prompt', '--model', `openai-compatible:${url}#proposer`, '--agent-model', `openai-compatible:${url}#agent`, '--iterations', '4', '--seed', '3');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      runId: string;
      bestProgramId: string;
      bestScore: number;
      initialScore: number;
      evaluations: number;
      agentGate: { decision: string; programId: string; heldOut: { initial: { success: number }; winner: { success: number } }; committed: unknown[] };
    };
    expect(report.initialScore).toBe(0);
    expect(report.bestScore).toBeGreaterThan(0);
    expect(report.agentGate).toMatchObject({ decision: 'committed', programId: report.bestProgramId, committed: [{ kind: 'prompt', name: 'agent-prompt-system', version: 2 }] });
    expect(report.agentGate.heldOut.initial.success).toBe(0);
    expect(report.agentGate.heldOut.winner.success).toBeGreaterThan(0);
    // The agent ran each training task once per evaluation and the held-out tasks only in the gate (initial and winner).
    const agentRequests = server.requests.filter((request) => request.body['model'] === 'agent');
    const train = tasks.filter((task) => task.split === 'train').length;
    const holdout = tasks.filter((task) => task.split === 'holdout');
    expect(agentRequests).toHaveLength(report.evaluations * train + 2 * holdout.length);
    const heldOutSeen = agentRequests.map((request) => JSON.stringify(request.body['messages'])).filter((text) => holdout.some((task) => text.includes(task.prompt)));
    expect(heldOutSeen).toHaveLength(2 * holdout.length);
    expect(agentRequests.slice(-2 * holdout.length).every((request) => holdout.some((task) => JSON.stringify(request.body['messages']).includes(task.prompt)))).toBe(true);

    const history = await lamarck(cwd, '--json', 'library', 'prompts', 'history', 'agent-prompt-system');
    expect(history.code).toBe(0);
    const versions = JSON.parse(history.stdout) as Array<{ number: number; head: boolean; evaluation: Record<string, unknown> }>;
    expect(versions.map((version) => [version.number, version.head])).toEqual([[1, false], [2, true]]);
    expect(versions[1]!.evaluation).toMatchObject({ origin: 'evolve-agent-problem', runId: report.runId, programId: report.bestProgramId });

    // lamarck run reads the committed prompt when asked to: the agent answers as the winner tells it, and after a rollback as before the search.
    const ask = (): Promise<{ code: number; stdout: string; stderr: string }> =>
      lamarck(cwd, '--json', 'run', 'How many arms does an octopus have?', '--system-prompt', 'agent-prompt-system', '--no-library', '--model', `openai-compatible:${url}#agent`);
    const evolved = await ask();
    expect(evolved.code).toBe(0);
    expect((JSON.parse(evolved.stdout) as { answer: string }).answer).toBe('8');
    const rollback = await lamarck(cwd, 'library', 'prompts', 'rollback', 'agent-prompt-system@1');
    expect(rollback.code).toBe(0);
    const shown = await lamarck(cwd, 'library', 'prompts', 'show', 'agent-prompt-system');
    expect(shown.stdout).toContain("Answer the user's question.");
    expect(shown.stdout).not.toContain('only the answer itself');
    const rolledBack = await ask();
    expect((JSON.parse(rolledBack.stdout) as { answer: string }).answer).toBe('The answer is 8.');
    const missing = await lamarck(cwd, 'run', 'Anything?', '--system-prompt', 'no-such-prompt', '--model', `openai-compatible:${url}#agent`);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('the library has no prompt named no-such-prompt');
  });

  it('refuses an agent problem with no model for the agent, and with external workers, naming why', async () => {
    const cwd = directory.path;
    cpSync(exampleDirectory, join(cwd, 'agent-prompt'), { recursive: true });
    const noModel = await lamarck(cwd, 'evolve', 'agent-prompt', '--iterations', '1');
    expect(noModel.code).not.toBe(0);
    expect(noModel.stderr).toContain('an agent problem needs a model for the agent to act with');
    const external = await lamarck(cwd, 'evolve', 'agent-prompt', '--iterations', '1', '--model', `openai-compatible:${server.baseURL}#proposer`, '--workers', 'external');
    expect(external.code).not.toBe(0);
    expect(external.stderr).toContain('--workers external cannot run an agent problem');
    expect(server.requests).toHaveLength(0);
  });
});
