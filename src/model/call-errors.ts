import { APICallError, LoadAPIKeyError } from '@ai-sdk/provider';
import { LamarckError, ModelCallError } from '../core/errors.ts';
import { definedOnly } from '../core/defined-only.ts';

/**
 * Turns whatever a provider threw into a LamarckError that says whether trying again can help:
 * 408, 409, 429, 5xx, dropped connections and truncated bodies can; 400, 401, 403 and other
 * client errors cannot. Retry-After (seconds or an HTTP date) and retry-after-ms are kept.
 */
const retryableStatuses = new Set([408, 409, 429]);

const networkErrorCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ConnectionRefused',
  'ConnectionClosed',
]);

export function isRetryableStatus(statusCode: number): boolean {
  return retryableStatuses.has(statusCode) || statusCode >= 500;
}

export function toModelCallError(error: unknown, model: string, now: number = Date.now()): LamarckError {
  if (error instanceof LamarckError) return error;
  if (APICallError.isInstance(error)) return fromApiCallError(error, model, now);
  if (LoadAPIKeyError.isInstance(error)) {
    // Raised before any request is sent: no key was configured, so every call will fail alike.
    return new ModelCallError({ message: `${model}: ${error.message}`, isRetryable: false, cause: error, code: 'model-api-key-missing', fault: 'user' });
  }
  const networkCode = findNetworkCode(error);
  if (networkCode !== undefined) {
    const failure = new ModelCallError({
      message: `${model}: connection failed (${networkCode}): ${errorMessage(error)}`,
      isRetryable: true,
      cause: error,
      code: 'model-connection-failed',
    });
    failure.details['networkCode'] = networkCode;
    return failure;
  }
  return new ModelCallError({ message: `${model}: ${errorMessage(error)}`, isRetryable: false, cause: error });
}

function fromApiCallError(error: APICallError, model: string, now: number): ModelCallError {
  const statusCode = error.statusCode;
  const retryAfterMs = parseRetryAfter(error.responseHeaders, now);
  const detail = providerMessage(error.responseBody) ?? error.message;
  const bodyError = statusCode !== undefined && statusCode < 300 ? errorInBody(error.responseBody) : undefined;
  if (bodyError !== undefined) {
    // A 200 whose body is `{"error": ...}` (proxies and gateways send these): say what it says.
    const failure = new ModelCallError({
      message: `${model}: the provider answered with an error: ${bodyError.message}`,
      isRetryable: bodyError.status === undefined ? true : isRetryableStatus(bodyError.status),
      cause: error,
      code: 'model-provider-error',
      ...definedOnly({ statusCode: bodyError.status }),
    });
    return failure;
  }
  if (statusCode === undefined || statusCode < 300) {
    // No status: the request never got an answer. A 2xx that failed to parse was cut off in transit.
    const networkCode = findNetworkCode(error);
    const truncated = statusCode !== undefined && /invalid json|json parse|unexpected end/i.test(`${error.message} ${errorMessage(error.cause)}`);
    const failure = new ModelCallError({
      message: `${model}: ${truncated ? 'response body was not valid JSON' : 'request failed'}: ${detail}`,
      isRetryable: error.isRetryable || networkCode !== undefined || truncated,
      cause: error,
      code: truncated ? 'model-response-invalid' : 'model-connection-failed',
      ...definedOnly({ statusCode }),
    });
    if (networkCode !== undefined) failure.details['networkCode'] = networkCode;
    return failure;
  }
  const retryable = isRetryableStatus(statusCode);
  const userFault = statusCode === 400 || statusCode === 401 || statusCode === 403 || statusCode === 404 || statusCode === 422;
  const hint = statusCode === 401 || statusCode === 403 ? ' (check the API key)' : statusCode === 404 ? ' (check the model id and base URL)' : '';
  return new ModelCallError({
    message: `${model}: HTTP ${statusCode}${hint}: ${detail}`,
    statusCode,
    isRetryable: retryable,
    cause: error,
    ...definedOnly({ retryAfterMs }),
    ...(userFault ? { fault: 'user' as const } : {}),
  });
}

/** Milliseconds to wait from `retry-after-ms`, or `retry-after` as seconds or an HTTP date. */
export function parseRetryAfter(headers: Record<string, string | undefined> | undefined, now: number = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const lower: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(headers)) lower[key.toLowerCase()] = value;
  const milliseconds = lower['retry-after-ms'];
  if (milliseconds !== undefined && milliseconds.trim() !== '') {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = lower['retry-after']?.trim();
  if (retryAfter === undefined || retryAfter === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function findNetworkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkErrorCodes.has(code)) return code;
    if (current.message === 'terminated' || current.message === 'other side closed') return 'UND_ERR_SOCKET';
    current = current.cause;
  }
  return undefined;
}

/** The `error` of a JSON body `{"error": ...}`, with the HTTP-like status it names, if any. */
function errorInBody(body: string | undefined): { message: string; status?: number } | undefined {
  if (body === undefined || body === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('error' in parsed)) return undefined;
  const value = (parsed as { error: unknown }).error;
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return { message: value };
  if (typeof value !== 'object') return { message: JSON.stringify(value) };
  const fields = value as { message?: unknown; code?: unknown; status?: unknown; type?: unknown };
  const message = typeof fields.message === 'string' ? fields.message : JSON.stringify(value).slice(0, 300);
  const named = [fields.code, fields.status].map((item) => (typeof item === 'string' && /^\d{3}$/.test(item) ? Number(item) : item)).find((item) => typeof item === 'number' && item >= 100 && item < 600);
  return typeof named === 'number' ? { message, status: named } : { message };
}

function providerMessage(body: string | undefined): string | undefined {
  if (body === undefined || body === '') return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: fall through to a short excerpt.
  }
  return body.slice(0, 300);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
