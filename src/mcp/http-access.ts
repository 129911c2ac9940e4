import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { isLoopbackHost, stripBrackets } from '../serve/serve-options.ts';

/**
 * Who may talk to `lamarck mcp --http`, checked before the MCP transport sees a request:
 *
 * - `Host` must name this server with its port (a loopback name, the bind address, or an allowed
 *   name), so a web page cannot reach it through DNS rebinding;
 * - a request that carries `Origin` must come from this server's own origin: 403 otherwise, as the
 *   Streamable HTTP transport specification asks;
 * - with a token, every request to `/mcp` must carry `Authorization: Bearer <token>`; a missing or
 *   wrong one gets 401 with `WWW-Authenticate` pointing at the protected-resource metadata.
 * The metadata document itself is public, as the MCP authorization specification requires.
 */
export interface McpAccessPolicy {
  token: string | undefined;
  allowedHosts: ReadonlySet<string>;
  port(): number;
  /** The protected-resource metadata URL for this server's origin as the client named it. */
  metadataPath: string;
}

export function mcpAccessControl(policy: McpAccessPolicy): MiddlewareHandler {
  return async (context, next) => {
    const host = context.req.header('host') ?? '';
    if (!hostAllowed(host, policy)) return context.json(httpError(`host "${host}" is not this server's address`), 403);
    const origin = context.req.header('origin');
    if (origin !== undefined && origin !== `http://${host}`) return context.json(httpError(`cross-origin request from ${origin} refused`), 403);
    if (context.req.path.startsWith('/.well-known/')) return next();
    if (policy.token !== undefined && !presentsToken(context.req.header('authorization'), policy.token)) {
      context.header('WWW-Authenticate', `Bearer resource_metadata="http://${host}${policy.metadataPath}"`);
      return context.json(httpError('this MCP server needs its token: send Authorization: Bearer <token>'), 401);
    }
    return next();
  };
}

/** Whether this request presented the configured token (write tools need it). */
export function presentsToken(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined || authorization === undefined || !/^Bearer\s+/i.test(authorization)) return false;
  const given = Buffer.from(authorization.replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hostAllowed(header: string, policy: McpAccessPolicy): boolean {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (match === null) return false;
  const name = stripBrackets(match[1]!).toLowerCase();
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port !== policy.port()) return false;
  return policy.allowedHosts.has(name) || isLoopbackHost(name);
}

/** A JSON-RPC error body without an id, as the transport answers requests it refuses. */
export function httpError(message: string, code = -32000): { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}
