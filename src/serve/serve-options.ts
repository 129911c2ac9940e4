import { isIP } from 'node:net';
import { UsageError } from '../core/errors.ts';

/**
 * Where the dashboard listens and who may use it. Safe by default: it binds to 127.0.0.1, and a
 * bind that other machines can reach is refused unless a token guards it, because run records
 * hold code, prompts and model replies that are nobody else's business.
 */
export interface ListenOptions {
  host: string;
  port: number;
  /** When set, every request must carry it; write actions need it whatever the bind. */
  token: string | undefined;
}

export const defaultPort = 4310;
export const defaultHost = '127.0.0.1';
/** Shorter tokens are guessable over a network; the flag says so instead of accepting them. */
export const minimumTokenLength = 16;

export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port expects a whole number from 0 to 65535, got "${text}"`);
  return port;
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = stripBrackets(host).toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare.startsWith('::ffff:127.');
  return false;
}

/** Wildcard binds listen on every interface. */
export function isWildcardHost(host: string): boolean {
  const bare = stripBrackets(host);
  return bare === '0.0.0.0' || bare === '::' || bare === '0:0:0:0:0:0:0:0';
}

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Validates the options; throws a one-line UsageError for a reachable bind without a token or a
 * token too short to guard one.
 */
export function checkListenOptions(options: ListenOptions): ListenOptions {
  if (options.host.trim() === '') throw new UsageError('--host expects an address such as 127.0.0.1');
  if (options.token !== undefined && options.token.length < minimumTokenLength) {
    throw new UsageError(`the token must be at least ${minimumTokenLength} characters long (got ${options.token.length})`);
  }
  if (!isLoopbackHost(options.host) && options.token === undefined) {
    throw new UsageError(
      `refusing to listen on ${options.host} without a token: other machines could read every run; pass --token <secret> or set LAMARCK_TOKEN, or keep the default --host 127.0.0.1`,
    );
  }
  return options;
}
