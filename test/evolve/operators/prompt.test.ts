import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/core/random.ts';
import { unifiedDiffOfFile as unifiedDiff } from '../../../src/evolve/operators/unified-diff.ts';
import { buildMutationPrompt, formatArtifacts } from '../../../src/evolve/prompt/build-prompt.ts';
import { distillInsights, summarizeForInsights } from '../../../src/evolve/prompt/insights.ts';
import { renderTemplate } from '../../../src/evolve/prompt/render-template.ts';
import type { Problem, ProgramSnapshot } from '../../../src/evolve/types.ts';
import { createScriptedModel } from '../../../src/testing/scripted-model.ts';

const problem: Problem = {
  directory: '/nowhere',
  name: 'multi',
  files: {
    'a.py': '# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\n',
    'b.js': '// EVOLVE-BLOCK-START\nconst y = 2;\n// EVOLVE-BLOCK-END\n// EVOLVE-BLOCK-START\nconst z = 3;\n// EVOLVE-BLOCK-END\n',
    'fixed.txt': 'constant data\n',
  },
  evolvableFiles: ['a.py', 'b.js'],
  entryFile: 'a.py',
  evaluator: { kind: 'command', command: ['x'], timeoutMs: 1, memoryLimitMb: 1, maxOutputBytes: 1, cascade: [] },
  objective: 'maximize',
  features: [],
  templates: {},
  description: '',
  settings: {},
};

const parent: ProgramSnapshot = {
  id: 'p',
  files: problem.files,
  score: null,
  metrics: {},
  artifacts: {},
  failure: { kind: 'timeout', message: 'too slow' },
  operator: 'seed',
  generation: 0,
};

describe('renderTemplate', () => {
  it('fills placeholders, drops lines of empty ones, and never re-renders values', () => {
    const rendered = renderTemplate('A {{ first }}\n\n{{empty}}\n\n{{code}}\nB', { first: '1', code: 'x = "{{first}}"\n\n\n\ny = 2' });
    expect(rendered).toBe('A 1\n\nx = "{{first}}"\n\n\n\ny = 2\nB\n');
  });
});

describe('buildMutationPrompt', () => {
  it('lists every file, marks fixed ones, asks for file paths with several evolvable files and omits empty sections', () => {
    const { system, prompt } = buildMutationPrompt('diff', 'diff', { problem, parent, inspirations: [], insights: [], random: new Random(1) });
    expect(system).not.toContain('{{');
    expect(prompt).toContain('## a.py\n```python\n');
    expect(prompt).toContain('## b.js\n```javascript\n');
    expect(prompt).toContain('## fixed.txt (fixed, shown for context)');
    expect(prompt).toContain('put the file\'s path alone on the line before each <<<<<<< SEARCH');
    expect(prompt).toContain('score none: it failed');
    expect(prompt).not.toContain('Insights');
    expect(prompt).not.toContain('previous attempt');
    expect(prompt).not.toContain('Evaluator feedback');
  });

  it('lists the blocks for a rewrite', () => {
    const { prompt } = buildMutationPrompt('rewrite', 'rewrite', { problem, parent, inspirations: [], insights: [], random: new Random(1) });
    expect(prompt).toContain('exactly 3 fenced code block(s), one per EVOLVE-BLOCK in the order listed (1: a.py lines 2-2; 2: b.js lines 2-2; 3: b.js lines 5-5)');
  });

  it('cuts artifacts to the budget, keeping head and tail', () => {
    const stderr = `HEAD-LINE\n${'noise\n'.repeat(5000)}Traceback: the real error at the end`;
    const text = formatArtifacts({ stderr }, 1000);
    expect(text.length).toBeLessThan(1100);
    expect(text).toContain('HEAD-LINE');
    expect(text).toContain('the real error at the end');
    expect(text).toContain('characters omitted');
  });
});

describe('unifiedDiff', () => {
  it('writes hunks with context and line numbers', () => {
    const before = Array.from({ length: 20 }, (_, index) => `line ${index + 1}`).join('\n') + '\n';
    const after = before.replace('line 10\n', 'line ten\n');
    expect(unifiedDiff(before, after, 'f.txt')).toBe(
      '--- a/f.txt\n+++ b/f.txt\n@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n+line ten\n line 11\n line 12\n line 13\n',
    );
    expect(unifiedDiff(before, before, 'f.txt')).toBe('');
  });
});

describe('distillInsights', () => {
  const summaries = [
    summarizeForInsights({ ...parent, score: 0.8, failure: null, operator: 'llm-diff' }, 0.5, '-x = 1\n+x = 2'),
    summarizeForInsights({ ...parent, operator: 'llm-rewrite' }, 0.5, '-x = 1\n+x = oops'),
  ];

  it('asks the model for structured insights and caps their number', async () => {
    const model = createScriptedModel({ replies: [{ object: { insights: ['Raise x.', '  Avoid   undefined names. ', 'c', 'd', 'e', 'f'] } }] });
    const { insights, usage } = await distillInsights({ problem, model, summaries, previous: ['old'], maxInsights: 3 });
    model.verify();
    expect(insights).toEqual(['Raise x.', 'Avoid undefined names.', 'c']);
    expect(usage).not.toBeNull();
    const asked = model.calls[0]!.lastUserText;
    expect(asked).toContain('llm-diff: score 0.8 vs parent 0.5 (better)');
    expect(asked).toContain('FAILED (timeout: too slow)');
    expect(asked).toContain('- old');
    expect(asked).toContain('at most 3');
  });

  it('keeps the previous insights without a model', async () => {
    expect(await distillInsights({ problem, summaries, previous: ['kept'] })).toEqual({ insights: ['kept'], usage: null });
  });
});

describe('createInsightsRefresher', () => {
  it('turns engine outcomes into insights through the model, and keeps the list without one', async () => {
    const { createInsightsRefresher } = await import('../../../src/evolve/prompt/insights.ts');
    const { createUsageMeter } = await import('../../../src/model/usage-meter.ts');
    const refresher = createInsightsRefresher(problem, { maxInsights: 2 });
    const outcomes = [{ operator: 'llm-diff', score: 1, parentScore: 0.5, failure: null, diff: '+x = 2' }];
    const model = createScriptedModel({ replies: [{ object: { insights: ['Larger x helps.'] } }] });
    const meter = createUsageMeter();
    const signal = new AbortController().signal;
    expect(await refresher.refresh({ outcomes, current: [], model, meter, signal })).toEqual(['Larger x helps.']);
    model.verify();
    expect(await refresher.refresh({ outcomes, current: ['kept'], model: undefined, meter, signal })).toEqual(['kept']);
  });
});
