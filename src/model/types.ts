import type { z } from 'zod';
import type { JsonValue } from '../core/json.ts';

/**
 * The model layer's contract. Loops (evolve, agent, learn) depend only on these types; the
 * implementations resolve specs through the AI SDK providers or node-llama-cpp, and wrap every
 * call with retries, a timeout, accounting and budgets.
 */
export const modelSpecificationVersion = 'v1';

export type ProviderName = 'openai' | 'anthropic' | 'ollama' | 'openai-compatible' | 'local' | 'scripted';

/** A parsed model spec. The string forms are `openai:<id>`, `anthropic:<id>`, `ollama:<id>`,
 * `openai-compatible:<baseURL>#<id>`, `local:<path.gguf>`. */
export interface ModelSpec {
  provider: ProviderName;
  modelId: string;
  baseURL?: string;
  apiKey?: string;
  /** For `local:`: the GGUF file. */
  path?: string;
  /** Relative weight inside an ensemble. */
  weight?: number;
  /** USD per million tokens, overriding the price table. */
  pricing?: ModelPricing;
  /** Providers whose models lack native tool calling get tools described in text and parsed back. */
  nativeTools?: boolean;
}

export interface ModelPricing {
  inputPerMillion: number;
  outputPerMillion: number;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface ToolCall {
  id: string;
  name: string;
  input: JsonValue;
  /**
   * Set when the model's arguments were not valid JSON: `input` then holds the raw text, and the
   * call is answered with this error instead of being run (or taken as a final answer).
   */
  inputError?: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string; isError?: boolean };

/** A tool as the model sees it. `inputSchema` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

export interface CallOptions {
  /** Accounting and budgets for the run this call belongs to. */
  meter?: UsageMeter | undefined;
  signal?: AbortSignal | undefined;
  /** Per-call timeout, overriding the model's default. */
  timeoutMs?: number | undefined;
  /** What the call is for (`mutate`, `judge`, `reflect`); recorded with its usage. */
  purpose?: string | undefined;
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
}

export interface GenerateTextRequest extends CallOptions {
  system?: string | undefined;
  /** Either a single user prompt or a full conversation. */
  prompt?: string | undefined;
  messages?: ChatMessage[] | undefined;
  tools?: ToolDefinition[] | undefined;
  toolChoice?: 'auto' | 'required' | 'none' | undefined;
}

export interface GenerateTextResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: ModelUsage;
  /** The canonical spec string of the model that answered. */
  model: string;
  latencyMs: number;
  /** 1 when the first try succeeded. */
  attempts: number;
}

export interface GenerateObjectRequest<T> extends Omit<GenerateTextRequest, 'tools' | 'toolChoice'> {
  schema: z.ZodType<T>;
  schemaName?: string;
  schemaDescription?: string;
}

export interface GenerateObjectResult<T> {
  object: T;
  /** The raw text the model returned (after repair, the repaired text). */
  text: string;
  usage: ModelUsage;
  model: string;
  latencyMs: number;
  /** True when the first reply was invalid and one repair attempt fixed it. */
  repaired: boolean;
}

export interface StreamTextResult {
  textStream: AsyncIterable<string>;
  /** Resolves when the stream ends, with the same shape as generateText. */
  result: Promise<GenerateTextResult>;
}

export interface LanguageModelClient {
  readonly specificationVersion: typeof modelSpecificationVersion;
  readonly spec: string;
  readonly provider: ProviderName;
  readonly modelId: string;
  /** Whether tool calls go through the provider's native tool calling (otherwise a JSON fallback). */
  readonly nativeTools: boolean;
  generateText(request: GenerateTextRequest): Promise<GenerateTextResult>;
  /** Structured output. One repair attempt on invalid JSON, then a ModelOutputError. */
  generateObject<T>(request: GenerateObjectRequest<T>): Promise<GenerateObjectResult<T>>;
  streamText(request: GenerateTextRequest): StreamTextResult;
}

export interface EmbeddingClient {
  readonly spec: string;
  embed(values: string[], options?: CallOptions): Promise<{ embeddings: number[][]; usage: ModelUsage }>;
}

export interface UsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  byModel: Record<string, { calls: number; inputTokens: number; outputTokens: number; costUsd: number }>;
}

export interface BudgetLimits {
  maxUsd?: number;
  maxTokens?: number;
  maxCalls?: number;
}

/** Sums usage for one run and enforces its budgets: `beforeCall` throws BudgetExceededError once a
 * limit is reached, so a run stops cleanly before spending more. */
export interface UsageMeter {
  readonly limits: BudgetLimits;
  beforeCall(model: string): void;
  /**
   * Checks the budget as beforeCall does and counts the call as in flight until the returned
   * release runs (after `record`, or on failure), so concurrent calls cannot overshoot maxCalls.
   * Optional: meters without it get beforeCall.
   */
  reserveCall?(model: string): () => void;
  record(model: string, usage: ModelUsage, purpose?: string): void;
  totals(): UsageTotals;
}

export interface EnsembleMember {
  model: LanguageModelClient;
  weight: number;
}
