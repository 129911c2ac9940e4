/**
 * The built-in prompt templates, by name. A problem overrides any of them with `templates` in
 * lamarck.json. `system` is shared by every mutation; each operator has its own user template.
 *
 * Placeholders: description, program, score, metrics, artifacts, inspirations, insights,
 * previous_failure, format, blocks, other_program, other_score, failure, failing_cases, summaries,
 * max_insights.
 */
export const defaultTemplates = {
  system: `You are an expert programmer improving a program through careful, testable changes.
An automatic evaluator scores every version you write; a higher combined_score is better.
Only code between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END may change. Code outside the blocks is fixed and the markers must stay.
Keep the program runnable: the same interface, no new dependencies, no printing to stdout beyond what exists.

{{description}}`,

  diff: `# Current program (score {{score}})

{{program}}

# Its metrics
{{metrics}}

{{artifacts}}

{{inspirations}}

{{insights}}

{{previous_failure}}

# Task
Suggest an improvement that raises combined_score. Explain it in a sentence or two, then give the change.

{{format}}`,

  rewrite: `# Current program (score {{score}})

{{program}}

# Its metrics
{{metrics}}

{{artifacts}}

{{inspirations}}

{{insights}}

{{previous_failure}}

# Task
Rewrite the code inside the EVOLVE-BLOCKs to raise combined_score. You may restructure it completely.

{{format}}`,

  crossover: `# Program A (score {{score}})

{{program}}

# Program A metrics
{{metrics}}

# Program B (score {{other_score}})

{{other_program}}

{{insights}}

{{previous_failure}}

# Task
Combine the strongest ideas of A and B into one program that should score higher than both. The result keeps the structure of A outside its EVOLVE-BLOCKs.

{{format}}`,

  repair: `# A program that failed

{{program}}

# How it failed
{{failure}}

{{artifacts}}

{{previous_failure}}

# Task
Fix the error with the smallest change that makes the program run correctly and score well. Do not remove its approach.

{{format}}`,

  reflect: `# Current program (score {{score}})

{{program}}

# Its metrics
{{metrics}}

# Cases this program failed
{{failing_cases}}

{{artifacts}}

{{insights}}

{{previous_failure}}

# Task
Reflect before you edit. For each failed case, say in a sentence what went wrong and which part of the program caused it. Then name the one cause that explains most of the failures, and fix it with an edit that keeps the cases that pass working.

{{format}}`,

  insights: `Below are summaries of recent programs from an evolutionary search: what changed, their scores relative to their parents, and how failures failed.

{{summaries}}

Current insights (may be kept, refined or replaced):
{{insights}}

Write at most {{max_insights}} short, concrete insights (one sentence each) about what improves the score and what to avoid. Prefer specific techniques and parameter ranges over generic advice.`,
} as const;

export type TemplateName = keyof typeof defaultTemplates;

/** Output-format instructions, by the form a reply must take. */
export const formatInstructions = {
  diff: `# Reply format
Give one or more SEARCH/REPLACE blocks. SEARCH must copy existing lines from inside an EVOLVE-BLOCK exactly (enough lines to be unique); REPLACE holds the new lines:

<<<<<<< SEARCH
lines copied exactly from the current program
=======
the new lines
>>>>>>> REPLACE

{{file_note}}Do not include the EVOLVE-BLOCK marker lines in SEARCH or REPLACE.`,

  rewrite: `# Reply format
Reply with exactly {{block_count}} fenced code block(s), one per EVOLVE-BLOCK in the order listed ({{block_list}}), each holding the complete new code for that block's interior, without the marker lines.`,
} as const;
