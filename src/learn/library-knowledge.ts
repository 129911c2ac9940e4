import type { AgentKnowledge, Guardrail, KnowledgeUse, Lesson, LibraryTool, SkillSummary } from '../agent/knowledge.ts';
import type { JsonValue } from '../core/json.ts';
import { NotFoundError } from '../core/errors.ts';
import type { GuardrailContent, SkillContent, ToolContent } from '../library/artifact-content.ts';
import type { LibraryEntry } from '../library/library-types.ts';
import type { LibraryIndex, RetrievedItem } from '../library/retrieval/library-index.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * The agent's view of the library for one task (the AgentKnowledge contract): skills and lessons
 * retrieved for the task, adaptively and within a hard token budget; every active guardrail,
 * checked before tool calls; skill bodies loaded on activation. It records what it injected and
 * what the agent used, so the loop can count uses and plot tokens injected.
 */
export interface LibraryKnowledgeOptions {
  index: LibraryIndex;
  task: string;
  /** Hard cap on the tokens of skill catalog lines and lessons put in the prompt. */
  tokenBudget: number;
  maxItems?: number;
}

export interface InjectedItem {
  artifactId: string;
  kind: 'skill' | 'lesson';
  name: string;
  tokens: number;
}

const maximumSkillFileChars = 4000;

export class LibraryKnowledge implements AgentKnowledge {
  readonly uses: KnowledgeUse[] = [];
  readonly #options: LibraryKnowledgeOptions;
  #selection: Promise<RetrievedItem[]> | undefined;
  #injected: InjectedItem[] = [];

  constructor(options: LibraryKnowledgeOptions) {
    this.#options = options;
  }

  /** What was put in the prompt (after the agent asked for skills and lessons). */
  get injected(): readonly InjectedItem[] {
    return this.#injected;
  }

  get tokensInjected(): number {
    return this.#injected.reduce((sum, item) => sum + item.tokens, 0);
  }

  async skills(): Promise<SkillSummary[]> {
    const selected = await this.#select();
    return selected
      .filter((item) => item.entry.kind === 'skill')
      .map((item) => ({ name: item.entry.name, description: (item.entry.content as SkillContent).description }));
  }

  async loadSkill(name: string): Promise<string> {
    const entry = this.#options.index.active('skill').find((candidate) => candidate.name === name);
    if (entry === undefined) throw new NotFoundError('skill', name);
    const skill = entry.content as SkillContent;
    const files = Object.entries(skill.files);
    if (files.length === 0) return skill.body;
    const listing = files
      .map(([path, text]) => (text.length <= maximumSkillFileChars ? `--- ${path}\n${text}` : `--- ${path} (${text.length} characters, not shown)`))
      .join('\n');
    return `${skill.body.trimEnd()}\n\nFiles of this skill:\n${listing}`;
  }

  async lessons(_query: string, limit = 8): Promise<Lesson[]> {
    const selected = await this.#select();
    return selected
      .filter((item) => item.entry.kind === 'lesson')
      .slice(0, limit)
      .map((item) => ({ id: item.entry.artifact.id, text: item.text }));
  }

  guardrails(): Guardrail[] {
    return this.#options.index.active('guardrail').map((entry) => toGuardrail(entry));
  }

  /** Active synthesized tools; the agent runs them in the sandbox. */
  tools(): LibraryTool[] {
    return this.#options.index.active('tool').map((entry) => {
      const tool = entry.content as ToolContent;
      return { name: tool.manifest.name, manifest: JSON.parse(JSON.stringify(tool.manifest)) as JsonValue, source: tool.code };
    });
  }

  recordUse(use: KnowledgeUse): void {
    this.uses.push(use);
  }

  /** The artifacts the attempt relied on: injected lessons, activated skills, guardrails that fired. */
  usedArtifacts(): { kind: 'skill' | 'lesson' | 'guardrail' | 'tool'; name: string }[] {
    const used = new Map<string, { kind: 'skill' | 'lesson' | 'guardrail' | 'tool'; name: string }>();
    const byId = new Map(this.#injected.map((item) => [item.artifactId, item]));
    for (const use of this.uses) {
      if (use.kind === 'skill') used.set(`skill/${use.name}`, { kind: 'skill', name: use.name });
      else if (use.kind === 'lesson') {
        const item = byId.get(use.id);
        if (item !== undefined) used.set(`lesson/${item.name}`, { kind: 'lesson', name: item.name });
      } else if (use.kind === 'guardrail') {
        const guardrail = this.#options.index.entry(use.id);
        if (guardrail !== undefined) used.set(`guardrail/${guardrail.name}`, { kind: 'guardrail', name: guardrail.name });
      } else {
        // Tool uses (newer agent runtimes report them) name the tool as the model saw it.
        const toolName = (use as { name?: unknown }).name;
        const tool = this.#options.index.active('tool').find((entry) => (entry.content as ToolContent).manifest.name === toolName);
        if (tool !== undefined) used.set(`tool/${tool.name}`, { kind: 'tool', name: tool.name });
      }
    }
    return [...used.values()];
  }

  // Skills and lessons are selected together, so the budget is shared and one ranking decides.
  #select(): Promise<RetrievedItem[]> {
    this.#selection ??= this.#options.index
      .select(this.#options.task, {
        kinds: ['skill', 'lesson'],
        tokenBudget: this.#options.tokenBudget,
        // The index re-ranks only when one is configured (retrieval.rerank in the configuration).
        rerank: true,
        ...definedOnly({ maxItems: this.#options.maxItems }),
      })
      .then((selection) => {
        this.#injected = selection.items.map((item) => ({
          artifactId: item.entry.artifact.id,
          kind: item.entry.kind as 'skill' | 'lesson',
          name: item.entry.name,
          tokens: item.tokens,
        }));
        return selection.items;
      });
    return this.#selection;
  }
}

export function toGuardrail(entry: LibraryEntry): Guardrail {
  const content = entry.content as GuardrailContent;
  const guardrail: Guardrail = {
    id: entry.artifact.id,
    name: entry.name,
    reason: `When ${content.condition}, do not ${content.action}: ${content.why}`,
  };
  if (content.tools !== undefined) guardrail.tools = content.tools;
  if (content.pattern !== undefined) guardrail.pattern = content.pattern;
  if (content.flags !== undefined) guardrail.flags = content.flags;
  return guardrail;
}
