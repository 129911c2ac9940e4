import { ConfigError, LamarckError, ModelCallError } from '../core/errors.ts';

/**
 * Whether a failed model call says the model cannot be used at all, so that calling it again
 * cannot help: credentials refused or missing (401, 403, no key), the model or endpoint not found
 * (404), nothing listening at its address (connection refused, host not found), or a local model
 * file that is missing or does not load. Transient failures (429, 5xx, a dropped connection, a
 * timeout) are not: they are retried by the client and a later call may well succeed. Loops that
 * keep going after a failed call (evolve) stop once several calls in a row fail this way.
 */
const unusableStatuses = new Set([401, 403, 404]);
const unusableNetworkCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ConnectionRefused']);
const unusableCodes = new Set(['model-api-key-missing', 'local-model-load-failed', 'local-runtime-unavailable']);

export function isUnusableModelError(error: unknown): boolean {
  if (error instanceof ModelCallError) {
    if (error.statusCode !== undefined && unusableStatuses.has(error.statusCode)) return true;
    if (unusableCodes.has(error.code)) return true;
    const networkCode = error.details['networkCode'];
    return typeof networkCode === 'string' && unusableNetworkCodes.has(networkCode);
  }
  // A `local:` model whose file is missing or not GGUF is reported against the `model` field when first called.
  if (error instanceof ConfigError) return error.field === 'model';
  return error instanceof LamarckError && unusableCodes.has(error.code);
}
