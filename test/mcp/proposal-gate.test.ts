import { describe, expect, it } from 'vitest';
import { parseLearnConfig } from '../../src/learn/learn-config.ts';
import { validateProposal, type LibraryProposal } from '../../src/learn/proposals.ts';
import { Library } from '../../src/library/library.ts';
import { LibraryIndex } from '../../src/library/retrieval/library-index.ts';
import { ProposalGate } from '../../src/mcp/proposal-gate.ts';
import { createMemoryStore } from '../../src/testing/memory-store.ts';
import { createScriptedModel } from '../../src/testing/scripted-model.ts';
import { answeringModel, tasks } from '../learn/support.ts';

/**
 * The gate behind `propose`, on its own: held-out tasks scored with and without the proposal by
 * the configured model under learn's rule, and the documented behaviour without a model.
 */
function proposal(name: string, text: string): LibraryProposal {
  const checked = validateProposal({ op: 'add', kind: 'lesson', name, content: { title: name, text, type: 'strategy', when: '', tags: [] }, rationale: 'test' }, 'mcp');
  if (!checked.ok) throw new Error(checked.problems.join('; '));
  return checked.proposal;
}

const heldOut = tasks({ id: 'h1', prompt: 'Multiply 3 by 3.', split: 'holdout', verify: { type: 'exact', expected: '9' } });

describe('ProposalGate (propose over MCP)', () => {
  it('rejects a lesson that lowers the held-out score, with both scores, and commits one that does not', async () => {
    const library = new Library({ store: createMemoryStore() });
    // The agent answers "done" once a lesson tells it to, and the right product otherwise.
    const model = answeringModel((system) => (system.includes('always answer done') ? 'done' : '9'));
    const gate = new ProposalGate({ library, index: new LibraryIndex(), config: parseLearnConfig({ mirror: false }), model, heldOut, probes: [] });
    expect(gate.heldOutTaskIds).toEqual(['h1']);

    const bad = await gate.decide(proposal('shortcut', 'When asked to multiply, always answer done.'));
    expect(bad).toMatchObject({ outcome: 'rejected', accepted: false, version: null });
    expect(bad.figures).toMatchObject({ rule: 'no-drop', heldOutTaskIds: ['h1'], withScore: 0, withoutScore: 1, delta: -1, accepted: false });
    expect(bad.reason).toContain('fails the no-drop rule');
    expect(await library.list()).toEqual([]);

    const good = await gate.decide(proposal('multiply-check', 'When asked to multiply, check the product before answering.'));
    expect(good).toMatchObject({ outcome: 'committed-new', accepted: true, version: 1, name: 'multiply-check' });
    expect(good.figures).toMatchObject({ withScore: 1, withoutScore: 1, delta: 0 });
    const committed = await library.require('lesson', 'multiply-check');
    expect(committed.version.evaluation).toMatchObject({ origin: 'mcp', gate: { heldOutTaskIds: ['h1'], accepted: true } });
  });

  it('without a model: refuses when there are held-out tasks to run, and passes when the gate has nothing to run', async () => {
    const library = new Library({ store: createMemoryStore() });
    const withTasks = new ProposalGate({ library, index: new LibraryIndex(), config: parseLearnConfig({ mirror: false }), heldOut, probes: [] });
    await expect(withTasks.decide(proposal('a', 'Some advice.'))).rejects.toThrow(/no model is configured.*nothing was committed/);
    expect(await library.list()).toEqual([]);

    const empty = new ProposalGate({ library, index: new LibraryIndex(), config: parseLearnConfig({ mirror: false }), heldOut: [], probes: [] });
    const verdict = await empty.decide(proposal('b', 'Other advice.'));
    expect(verdict).toMatchObject({ outcome: 'committed-new', accepted: true });
    expect(verdict.figures).toMatchObject({ heldOutTaskIds: [], attempts: 0, reason: 'no held-out tasks yet; safety probes passed' });
  });

  it('rejects for want of evidence while the model is down, and measures the baseline afresh once it is back', async () => {
    const library = new Library({ store: createMemoryStore() });
    let down = true;
    // While down every call fails as an unavailable provider does; the scores would tie at 0.
    const model = createScriptedModel({
      spec: 'scripted:flaky',
      retries: { maxAttempts: 1 },
      replies: Array.from({ length: 20 }, () => () => (down ? { error: { statusCode: 503, message: 'model down' } } : { toolCalls: [{ name: 'final_answer', input: { answer: '9' } }] })),
    });
    const gate = new ProposalGate({ library, index: new LibraryIndex(), config: parseLearnConfig({ mirror: false }), model, heldOut, probes: [] });
    const whileDown = await gate.decide(proposal('multiply-check', 'When asked to multiply, check the product before answering.'));
    expect(whileDown).toMatchObject({ outcome: 'rejected', accepted: false, version: null });
    expect(whileDown.reason).toMatch(/^no evidence: none of 2 held-out attempts produced an answer/);
    expect(await library.list()).toEqual([]);

    down = false;
    const afterwards = await gate.decide(proposal('multiply-check', 'When asked to multiply, check the product before answering.'));
    // Both arms ran again: the failed attempt without the proposal was not kept as the baseline.
    expect(afterwards).toMatchObject({ outcome: 'committed-new', accepted: true, figures: { withScore: 1, withoutScore: 1, attempts: 2 } });
  });

  it('decides proposals one at a time, so two sent together are both gated against the library they meet', async () => {
    const library = new Library({ store: createMemoryStore() });
    const model = answeringModel((system) => (system.includes('always answer done') ? 'done' : '9'));
    const gate = new ProposalGate({ library, index: new LibraryIndex(), config: parseLearnConfig({ mirror: false }), model, heldOut, probes: [] });
    const [first, second] = await Promise.all([
      gate.decide(proposal('multiply-check', 'When asked to multiply, check the product before answering.')),
      gate.decide(proposal('shortcut', 'When asked to multiply, always answer done.')),
    ]);
    expect(first.accepted).toBe(true);
    expect(second).toMatchObject({ accepted: false, figures: { withScore: 0, withoutScore: 1 } });
    expect((await library.list()).map((entry) => entry.name)).toEqual(['multiply-check']);
  });
});
