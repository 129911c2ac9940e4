import { definedOnly } from '../core/defined-only.ts';
/**
 * The network capability of a sandboxed tool: `ctx.fetch` bridged to the host's fetch, for the
 * hosts a tool both declared and was granted, and nothing else. Requests and responses cross the
 * sandbox boundary as JSON text; redirects are not followed (a redirect could lead to a host that
 * was never granted), and the response body is capped.
 */
export interface NetworkAccess {
  /** Hosts this call may reach (already the intersection of declared and granted). */
  hosts: readonly string[];
  /** The fetch to use; the host's global fetch by default. Tests pass a stub. */
  fetch?: typeof fetch;
  maxResponseBytes?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Raised into the guest when a request is not allowed; its name lets results say `capability-denied`. */
export class CapabilityDeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CapabilityError';
  }
}

/** A tool gets only hosts it declared AND the user granted; the narrower of two matching patterns wins. */
export function effectiveHosts(declared: readonly string[], granted: readonly string[]): string[] {
  const result = new Set<string>();
  for (const wanted of declared.map(normalizeHost)) {
    for (const allowed of granted.map(normalizeHost)) {
      // A port narrows a host: `127.0.0.1` declared and `127.0.0.1:8080` granted gives `127.0.0.1:8080`.
      if (wanted === allowed || hostPatternCovers(allowed, wanted) || withoutPort(wanted) === allowed) result.add(wanted);
      else if (hostPatternCovers(wanted, allowed) || withoutPort(allowed) === wanted) result.add(allowed);
    }
  }
  return [...result];
}

export function isUrlAllowed(url: URL, hosts: readonly string[]): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const hostname = url.hostname.toLowerCase();
  const hostWithPort = url.host.toLowerCase();
  return hosts.map(normalizeHost).some((entry) => {
    if (entry.startsWith('*.')) return hostname.endsWith(entry.slice(1)) && hostname.length > entry.length - 1;
    return entry.includes(':') ? entry === hostWithPort : entry === hostname;
  });
}

/**
 * Performs one request described by the guest (`{ url, method?, headers?, body? }` as JSON) and
 * returns the response as JSON text: `{ url, status, statusText, ok, headers, body }`.
 */
export async function performToolFetch(requestText: string, access: NetworkAccess, signal: AbortSignal): Promise<string> {
  const request = parseRequest(requestText);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new TypeError(`ctx.fetch: invalid URL ${JSON.stringify(request.url)}`);
  }
  if (!isUrlAllowed(url, access.hosts)) {
    throw new CapabilityDeniedError(`network access to ${url.host || url.href} was not granted to this tool`);
  }
  const fetchImplementation = access.fetch ?? globalThis.fetch;
  const response = await fetchImplementation(url, {
    method: request.method,
    headers: request.headers,
    ...definedOnly({ body: request.body }),
    redirect: 'manual',
    signal,
  });
  const body = await readCapped(response, access.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return JSON.stringify({ url: url.href, status: response.status, statusText: response.statusText, ok: response.ok, headers, body });
}

interface GuestRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

function parseRequest(text: string): GuestRequest {
  const value = JSON.parse(text) as Record<string, unknown>;
  const method = typeof value['method'] === 'string' ? value['method'].toUpperCase() : 'GET';
  if (!METHODS.has(method)) throw new TypeError(`ctx.fetch: unsupported method ${method}`);
  const headers: Record<string, string> = {};
  const rawHeaders = value['headers'];
  if (typeof rawHeaders === 'object' && rawHeaders !== null && !Array.isArray(rawHeaders)) {
    for (const [name, headerValue] of Object.entries(rawHeaders)) {
      if (typeof headerValue === 'string') headers[name] = headerValue;
    }
  }
  const body = value['body'];
  return {
    url: String(value['url']),
    method,
    headers,
    ...(typeof body === 'string' && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
  };
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new RangeError(`ctx.fetch: the response is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function withoutPort(host: string): string {
  return host.replace(/:\d+$/, '');
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase();
}

/** `*.example.com` covers `api.example.com` and `*.api.example.com`, not `example.com`. */
function hostPatternCovers(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1);
  const bare = host.startsWith('*.') ? host.slice(1) : host;
  return bare.endsWith(suffix) && bare.length > suffix.length;
}
