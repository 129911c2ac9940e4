import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, NotFoundError } from '../core/errors.ts';
import type { JsonObject, JsonValue } from '../core/json.ts';
import { isJsonObject, tryParseJson } from '../core/json.ts';
import type { ChatMessage } from '../model/types.ts';
import type { Store } from '../store/types.ts';
import type { Redactor } from './redact.ts';
import type { AgentUsage, RunStateTarget } from './types.ts';

/**
 * The persisted state of a run: enough to continue it after a crash or a budget stop. It is a
 * versioned JSON document (`version: 1`); a later version must keep reading this one. Saved after
 * every step, so a resumed run repeats at most the step that was in flight.
 */
export const runStateVersion = 1;
export const runStateScope = 'agent-run';

export interface RunState {
  version: typeof runStateVersion;
  runId: string;
  trajectoryId: string;
  task: string;
  taskId: string | null;
  model: string;
  plan: string | null;
  /** The conversation after the system prompt (the system prompt is rebuilt on resume). */
  messages: ChatMessage[];
  /** Model calls made by the executor loop so far. */
  step: number;
  /** Index of the next trajectory step. */
  trajectoryStep: number;
  usage: AgentUsage;
  /** Wall time already spent, so a time limit spans restarts. */
  elapsedMs: number;
  references: { id: string; toolName: string; content: string }[];
  activatedSkills: string[];
  discoveredTools: string[];
  status: 'running' | 'answered' | 'stopped' | 'failed';
  answer: string | null;
  savedAt: number;
}

/**
 * Redacts a state for saving. Messages and stored results never change once written, so each is
 * redacted once and the copy reused; saving after every step then costs the new messages only.
 */
export function createStateRedactor(redactor: Redactor): (state: RunState) => RunState {
  const messages = new WeakMap<ChatMessage, ChatMessage>();
  const references = new Map<string, RunState['references'][number]>();
  return (state) => {
    const { messages: stateMessages, references: stateReferences, ...rest } = state;
    return {
      ...(redactor.json(rest as unknown as JsonObject) as unknown as Omit<RunState, 'messages' | 'references'>),
      messages: stateMessages.map((message) => {
        let redacted = messages.get(message);
        if (redacted === undefined) messages.set(message, (redacted = redactor.json(message as unknown as JsonObject) as unknown as ChatMessage));
        return redacted;
      }),
      references: stateReferences.map((reference) => {
        let redacted = references.get(reference.id);
        if (redacted === undefined) references.set(reference.id, (redacted = { ...reference, content: redactor.text(reference.content) }));
        return redacted;
      }),
    };
  };
}

export async function saveRunState(state: RunState, target: RunStateTarget, store: Store | undefined): Promise<void> {
  const document = state as unknown as JsonObject;
  if (target.store === true && store !== undefined) await store.putState(runStateScope, state.runId, document);
  if (target.file !== undefined) {
    await mkdir(path.dirname(target.file), { recursive: true });
    // Write then rename, so a crash mid-write leaves the previous state intact.
    const temporary = `${target.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(document));
    await rename(temporary, target.file);
  }
}

export async function loadRunState(source: string | { file: string } | RunState, store: Store | undefined): Promise<RunState> {
  if (typeof source === 'object' && 'version' in source) return parseRunState(source as unknown as JsonValue, 'resume');
  if (typeof source === 'object') {
    const text = await readFile(source.file, 'utf8').catch((error: unknown) => {
      throw new NotFoundError('run state file', `${source.file} (${(error as Error).message})`);
    });
    const parsed = tryParseJson(text);
    if (parsed === undefined) throw new ConfigError('resume', `run state file is not JSON: ${source.file}`);
    return parseRunState(parsed, source.file);
  }
  if (store === undefined) throw new ConfigError('resume', 'resuming by run id needs a store');
  const value = await store.getState(runStateScope, source);
  if (value === undefined) throw new NotFoundError('saved agent run state', source);
  return parseRunState(value, `store ${runStateScope}/${source}`);
}

function parseRunState(value: JsonValue, where: string): RunState {
  if (!isJsonObject(value)) throw new ConfigError('resume', 'run state is not an object', { source: where });
  if (value['version'] !== runStateVersion) {
    throw new ConfigError('resume.version', `unsupported run state version ${String(value['version'])}`, { source: where });
  }
  for (const field of ['runId', 'trajectoryId', 'task', 'model'] as const) {
    if (typeof value[field] !== 'string') throw new ConfigError(`resume.${field}`, 'must be a string', { source: where });
  }
  if (!Array.isArray(value['messages'])) throw new ConfigError('resume.messages', 'must be an array', { source: where });
  return value as unknown as RunState;
}
