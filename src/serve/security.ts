import { timingSafeEqual } from 'node:crypto';
import { networkInterfaces, hostname } from 'node:os';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { isLoopbackHost, isWildcardHost, stripBrackets } from './serve-options.ts';

/**
 * Who may talk to the dashboard, checked before any route runs:
 *
 * - `Host` must name this server (a loopback name, the bind address, or an allowed name) with its
 *   port, so a page on another site cannot reach it through DNS rebinding;
 * - a request that carries `Origin` must come from this server's own origin, and a cross-site
 *   request to the API is refused, so another site's script can neither read nor write;
 * - with a token, every request must carry it (header, cookie, or `?token=` once on a page load,
 *   which sets an HttpOnly SameSite=Strict cookie and redirects to the same page without it);
 * - write actions need the token even on loopback, and a JSON body, which a plain form cannot send.
 */
export interface AccessPolicy {
  token: string | undefined;
  /** Lower-case host names and addresses (no port, no brackets) that `Host` may name. */
  allowedHosts: ReadonlySet<string>;
  /** The port clients connect to; read per request because port 0 is chosen at listen time. */
  port(): number;
}

export function allowedHostNames(bindHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...extra.map((name) => stripBrackets(name).toLowerCase())]);
  const bind = stripBrackets(bindHost).toLowerCase();
  if (isWildcardHost(bind)) {
    // Every address of this machine, and its name: what a client on the network would type.
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) names.add(address.address.toLowerCase());
    }
  } else {
    names.add(bind);
  }
  return names;
}

export function tokenCookieName(port: number): string {
  // Cookies ignore ports: a name per port keeps two dashboards on one machine apart.
  return `lamarck_token_${port}`;
}

export function accessControl(policy: AccessPolicy): MiddlewareHandler {
  return async (context, next) => {
    const host = context.req.header('host') ?? '';
    if (!hostAllowed(host, policy)) return refuse(context, 403, `host "${host}" is not this dashboard's address`);
    const origin = context.req.header('origin');
    if (origin !== undefined && origin !== `http://${host}`) return refuse(context, 403, `cross-origin request from ${origin} refused`);
    const isApi = context.req.path.startsWith('/api/');
    if (isApi && context.req.header('sec-fetch-site') === 'cross-site') return refuse(context, 403, 'cross-site request refused');

    const write = context.req.method !== 'GET' && context.req.method !== 'HEAD';
    if (policy.token === undefined) {
      if (write) return refuse(context, 403, 'write actions need a token: restart lamarck serve with --token <secret> (or LAMARCK_TOKEN)');
      return next();
    }
    const queryToken = context.req.query('token');
    if (!write && !isApi && queryToken !== undefined && sameSecret(queryToken, policy.token)) {
      setCookie(context, tokenCookieName(policy.port()), policy.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(context.req.url);
      url.searchParams.delete('token');
      return context.redirect(`${url.pathname}${url.search}`, 303);
    }
    if (!presentedToken(context, policy)) {
      return refuse(context, 401, 'this dashboard needs its token: open it once with ?token=<token>, or send Authorization: Bearer <token>');
    }
    if (write && !(context.req.header('content-type') ?? '').startsWith('application/json')) {
      return refuse(context, 415, 'write actions take a JSON body (Content-Type: application/json)');
    }
    return next();
  };
}

function hostAllowed(header: string, policy: AccessPolicy): boolean {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (match === null) return false;
  const name = stripBrackets(match[1]!).toLowerCase();
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port !== policy.port()) return false;
  // A loopback name cannot be rebound to another site's server, so any of them means this machine.
  return policy.allowedHosts.has(name) || isLoopbackHost(name);
}

function presentedToken(context: Context, policy: AccessPolicy): boolean {
  const token = policy.token!;
  const authorization = context.req.header('authorization');
  if (authorization !== undefined && /^Bearer\s+/i.test(authorization)) return sameSecret(authorization.replace(/^Bearer\s+/i, ''), token);
  const cookie = getCookie(context, tokenCookieName(policy.port()));
  return cookie !== undefined && sameSecret(cookie, token);
}

function sameSecret(given: string, expected: string): boolean {
  const left = Buffer.from(given);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

function refuse(context: Context, status: 401 | 403 | 415, message: string): Response {
  if (context.req.path.startsWith('/api/')) return context.json({ error: { code: status === 401 ? 'unauthorized' : 'forbidden', message } }, status);
  return context.text(`${message}\n`, status);
}

/** Headers on every response: no inline script, no framing, no sniffing, nothing leaves the origin. */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): MiddlewareHandler {
  return async (context, next) => {
    await next();
    context.header('Content-Security-Policy', contentSecurityPolicy);
    context.header('X-Content-Type-Options', 'nosniff');
    context.header('X-Frame-Options', 'DENY');
    context.header('Referrer-Policy', 'no-referrer');
    context.header('Cross-Origin-Opener-Policy', 'same-origin');
    context.header('Cross-Origin-Resource-Policy', 'same-origin');
  };
}
