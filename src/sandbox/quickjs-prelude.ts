/**
 * Guest code evaluated before each tool: it installs `console` (forwarded to the host's log
 * collector), builds the frozen `ctx` with only the capability functions that were granted, and
 * hands back the JSON functions captured before the tool can replace them, plus `describe`, which
 * turns anything thrown into `{ name, message }` text. Everything it passes out is a string.
 */
export const QUICKJS_PRELUDE = `(function (hostLog, hostCall, capabilitiesText) {
  'use strict';
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const format = (value) => {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return String(value.name) + ': ' + String(value.message);
    try { const text = stringify(value); return text === undefined ? String(value) : text; } catch (error) { return String(value); }
  };
  // Clipped inside the sandbox, so a huge line is never copied out; the host clips at 4096 and marks it.
  const logger = (level) => function (...args) { hostLog(level, args.map(format).join(' ').slice(0, 4097)); };
  const console = { log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error'), debug: logger('debug') };
  globalThis.console = Object.freeze(console);
  const capabilities = parse(capabilitiesText);
  const ctx = { capabilities };
  const call = async (operation, request) => parse(await hostCall(operation, stringify(request)));
  if (typeof hostCall === 'function' && capabilities.network.length > 0) {
    ctx.fetch = async function fetch(url, init) {
      const options = init || {};
      const response = await call('fetch', { url: String(url), method: options.method, headers: options.headers, body: options.body });
      response.text = async () => response.body;
      response.json = async () => parse(response.body);
      return response;
    };
  }
  if (typeof hostCall === 'function' && capabilities.files.includes('read')) {
    ctx.readFile = async function readFile(path) { return call('readFile', { path: String(path) }); };
    ctx.listFiles = async function listFiles(path) { return call('listFiles', { path: path === undefined ? '.' : String(path) }); };
  }
  if (typeof hostCall === 'function' && capabilities.files.includes('write')) {
    ctx.writeFile = async function writeFile(path, content) { return call('writeFile', { path: String(path), content: String(content) }); };
  }
  // Clipped here, so a megabyte-long message is never copied out of the sandbox.
  const clip = (text) => (text.length > 2000 ? text.slice(0, 2000) + '...' : text);
  const describe = (error) => {
    try {
      if (typeof error === 'object' && error !== null && 'message' in error) {
        return stringify({ name: clip(String(error.name)), message: clip(String(error.message)) });
      }
      return stringify({ name: 'thrown value', message: clip(String(error)) });
    } catch (failure) {
      return '{"name":"unknown","message":"a value that cannot be described was thrown"}';
    }
  };
  return [Object.freeze(ctx), parse, stringify, describe];
})`;
