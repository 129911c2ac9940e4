import { definedOnly } from './defined-only.ts';
/**
 * One error hierarchy, split by who is at fault. Every error Lamarck raises on purpose is a
 * LamarckError with a stable string `code`; `isRetryable` is decided where the error is made,
 * because only that place knows whether trying again can help.
 */
export type Fault =
  /** The user's configuration, input or command line is wrong; retrying will not help. */
  | 'user'
  /** A bug in Lamarck itself. */
  | 'internal'
  /** The model answered, but not in a usable way (invalid JSON, wrong schema, bad diff). */
  | 'model'
  /** Something outside us failed: network, provider, disk, a child process, a database. */
  | 'environment';

export interface LamarckErrorOptions {
  code: string;
  message: string;
  fault: Fault;
  isRetryable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class LamarckError extends Error {
  readonly code: string;
  readonly fault: Fault;
  readonly isRetryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(options: LamarckErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.fault = options.fault;
    this.isRetryable = options.isRetryable ?? false;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, fault: this.fault, message: this.message, details: this.details };
  }
}

/** Invalid configuration. `field` is the dotted path of the offending value, e.g. `models.0.spec`. */
export class ConfigError extends LamarckError {
  readonly field: string;
  constructor(field: string, message: string, options: { cause?: unknown; source?: string } = {}) {
    const where = options.source === undefined ? field : `${options.source}: ${field}`;
    super({
      code: 'config-invalid',
      message: `${where}: ${message}`,
      fault: 'user',
      cause: options.cause,
      details: { field, ...definedOnly({ source: options.source }) },
    });
    this.field = field;
  }
}

/** Wrong command-line usage or invalid input given by the user (bad JSON, unknown name). */
export class UsageError extends LamarckError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super({ code: 'usage', message, fault: 'user', details });
  }
}

export class NotFoundError extends LamarckError {
  constructor(what: string, id: string) {
    super({ code: 'not-found', message: `${what} not found: ${id}`, fault: 'user', details: { what, id } });
  }
}

/** A broken invariant inside Lamarck. Seeing one is a bug to report. */
export class InternalError extends LamarckError {
  constructor(message: string, cause?: unknown) {
    super({ code: 'internal', message, fault: 'internal', cause });
  }
}

/** The model replied with something unusable: not JSON, not matching the schema, an unparseable diff. */
export class ModelOutputError extends LamarckError {
  constructor(message: string, options: { cause?: unknown; text?: string; code?: string } = {}) {
    super({
      code: options.code ?? 'model-output-invalid',
      message,
      fault: 'model',
      cause: options.cause,
      details: options.text === undefined ? {} : { text: options.text.slice(0, 2000) },
    });
  }
}

/** A call to a model provider failed (HTTP status, connection reset, timeout). */
export class ModelCallError extends LamarckError {
  readonly statusCode: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(options: {
    message: string;
    statusCode?: number;
    retryAfterMs?: number;
    isRetryable: boolean;
    cause?: unknown;
    code?: string;
    fault?: Fault;
  }) {
    super({
      code: options.code ?? 'model-call-failed',
      message: options.message,
      // 401/403 and similar are the user's (wrong key); the rest come from the environment.
      fault: options.fault ?? 'environment',
      isRetryable: options.isRetryable,
      cause: options.cause,
      details: {
        ...definedOnly({ statusCode: options.statusCode, retryAfterMs: options.retryAfterMs }),
      },
    });
    this.statusCode = options.statusCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export type BudgetKind = 'usd' | 'tokens' | 'calls' | 'iterations' | 'wall-time' | 'steps';

/** A configured budget was reached. Loops catch this and stop cleanly with the message. */
export class BudgetExceededError extends LamarckError {
  readonly kind: BudgetKind;
  constructor(kind: BudgetKind, limit: number, used: number) {
    super({
      code: 'budget-exceeded',
      message: `budget reached: ${kind} used ${formatAmount(kind, used)} of ${formatAmount(kind, limit)}`,
      fault: 'user',
      details: { kind, limit, used },
    });
    this.kind = kind;
  }
}

export class TimeoutError extends LamarckError {
  constructor(what: string, timeoutMs: number, cause?: unknown) {
    super({
      code: 'timeout',
      message: `${what} timed out after ${timeoutMs} ms`,
      fault: 'environment',
      isRetryable: true,
      cause,
      details: { timeoutMs },
    });
  }
}

/** Untrusted code (a tool, a candidate program) failed or was stopped in its sandbox. */
export class SandboxError extends LamarckError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super({ code, message, fault: 'environment', details, cause });
  }
}

export class StoreError extends LamarckError {
  constructor(message: string, options: { cause?: unknown; code?: string; isRetryable?: boolean } = {}) {
    super({
      code: options.code ?? 'store-failed',
      message,
      fault: 'environment',
      isRetryable: options.isRetryable ?? false,
      cause: options.cause,
    });
  }
}

/** An optimistic write lost a race: the head version moved since it was read. */
export class VersionConflictError extends LamarckError {
  constructor(what: string, expected: string | null, actual: string | null) {
    super({
      code: 'version-conflict',
      message: `${what} changed concurrently: expected head ${expected ?? '(none)'}, found ${actual ?? '(none)'}`,
      fault: 'environment',
      isRetryable: true,
      details: { expected, actual },
    });
  }
}

export function isLamarckError(value: unknown): value is LamarckError {
  return value instanceof LamarckError;
}

/** Wraps anything thrown into a LamarckError, keeping the original as `cause`. */
export function toLamarckError(value: unknown): LamarckError {
  if (value instanceof LamarckError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new LamarckError({ code: 'unexpected', message, fault: 'internal', cause: value });
}

function formatAmount(kind: BudgetKind, amount: number): string {
  if (kind === 'usd') return `$${amount.toFixed(4)}`;
  if (kind === 'wall-time') return `${Math.round(amount)} ms`;
  return String(amount);
}
