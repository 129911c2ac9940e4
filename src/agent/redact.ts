import type { JsonValue } from '../core/json.ts';

/**
 * Secret redaction applied to everything the agent stores (trajectory steps, run state): known key
 * formats, bearer tokens, `key=value` assignments of secret-named fields, and the values of
 * environment variables whose names mark them secret. Redaction runs before anything is written,
 * so a secret a tool echoes back never reaches the database or an export.
 */
const secretName = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

const patterns: RegExp[] = [
  // OpenAI, Anthropic and similar `sk-` keys.
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  // GitHub, Slack, AWS access keys, Google API keys.
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  // Authorization headers.
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // Credentials in URLs (`https://user:password@host`): the user name stays, the password goes.
  /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s/@]+(?=@)/gi,
  // PEM private keys.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** `api_key: "..."`, `"password":"..."`, `TOKEN=...`: keeps the name, hides the value (8+ characters with a
 * letter, so counts such as `inputTokens: 1200` survive). */
const assignment = /\b([A-Za-z0-9_-]*(?:api[_-]?key|token|secret|password|passwd)[A-Za-z0-9_-]*)(["']?\s*[:=]\s*["']?)((?=[^\s"',;}]*[A-Za-z])[^\s"',;}]{8,})/gi;

export const redactedMarker = '[REDACTED]';

export interface RedactorOptions {
  env?: Record<string, string | undefined>;
  /** Names of further variables whose values are secret, whatever their names say. */
  secretEnvNames?: string[] | undefined;
}

export type Redactor = {
  text(value: string): string;
  json<T extends JsonValue>(value: T): T;
};

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const marked = new Set(options.secretEnvNames ?? []);
  const secretValues: string[] = [];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    // Short values ("1", "true") would redact ordinary text everywhere; they are not secrets anyway.
    if (value === undefined || value.length < 6) continue;
    if (marked.has(name) || secretName.test(name)) secretValues.push(value);
  }
  // Longest first, so a value containing another is replaced whole.
  secretValues.sort((left, right) => right.length - left.length);

  const text = (value: string): string => {
    let result = value;
    for (const secret of secretValues) if (result.includes(secret)) result = result.split(secret).join(redactedMarker);
    for (const pattern of patterns) result = result.replace(pattern, redactedMarker);
    result = result.replace(assignment, (_match, name: string, separator: string, secret: string) =>
      secret === redactedMarker ? `${name}${separator}${secret}` : `${name}${separator}${redactedMarker}`,
    );
    return result;
  };

  const json = <T extends JsonValue>(value: T): T => redactValue(value, text) as T;
  return { text, json };
}

function redactValue(value: JsonValue, text: (value: string) => string): JsonValue {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, text));
  if (value !== null && typeof value === 'object') {
    const result: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      // A field named like a secret holding a plain string is hidden whatever its shape.
      result[key] = typeof item === 'string' && isSecretField(key) && item.length > 0 ? redactedMarker : redactValue(item, text);
    }
    return result;
  }
  return value;
}

function isSecretField(key: string): boolean {
  return /^(api[_-]?key|apiKey|token|access[_-]?token|secret|password|passwd|authorization|client[_-]?secret)$/i.test(key);
}
