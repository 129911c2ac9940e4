// An import-cycle rule that counts every edge, type-only imports included.
//
// Why not `import-x/no-cycle`: in eslint-plugin-import-x 4.x it skips every `import type` and
// every chain that passes through one (rules/no-cycle.js, `isOnlyImportingTypes`), with no option
// to count them, and most of Lamarck's contracts are shared as types. See
// docs/decisions/0005-import-cycles-counted-by-a-local-rule.md.
//
// How: each file's import specifiers come from TypeScript's own pre-processor
// (`ts.preProcessFile`, which lists `import`, `import type`, `export ... from` and `import()`),
// cached by modification time and size, so one lint run reads each file once. Relative specifiers
// and imports of the package by its own name (`lamarck/learn`, mapped through package.json's
// `exports` from `dist/**.js` back to `src/**.ts`) become edges; the rule then asks, for each import
// of the file being linted, whether the imported file leads back to it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** path -> { stamp, targets } */
const importsCache = new Map();
/** package root -> { name, subpaths: Map<specifier, source file> } */
const packageCache = new Map();

function stampOf(path) {
  try {
    const stats = statSync(path);
    return `${stats.mtimeMs}:${stats.size}`;
  } catch {
    return undefined;
  }
}

/** The package this repository publishes, and where each of its subpath exports comes from in src/. */
function packageOf(packageRoot) {
  const cached = packageCache.get(packageRoot);
  if (cached !== undefined) return cached;
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
  const subpaths = new Map();
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const built = typeof target === 'string' ? target : target.default;
    if (typeof built !== 'string') continue;
    const source = resolve(packageRoot, built.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts'));
    subpaths.set(subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`, source);
  }
  const described = { name: manifest.name, subpaths };
  packageCache.set(packageRoot, described);
  return described;
}

/** The file a specifier names, or undefined for packages and files that do not exist. */
function resolveSpecifier(specifier, fromFile, packageRoot) {
  if (specifier.startsWith('.')) {
    const base = resolve(dirname(fromFile), specifier);
    const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
    return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  }
  return packageOf(packageRoot).subpaths.get(specifier);
}

function importsOf(path, packageRoot) {
  const stamp = stampOf(path);
  if (stamp === undefined) return [];
  const cached = importsCache.get(path);
  if (cached !== undefined && cached.stamp === stamp) return cached.targets;
  const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
  const targets = [];
  for (const { fileName } of importedFiles) {
    const target = resolveSpecifier(fileName, path, packageRoot);
    if (target !== undefined) targets.push(target);
  }
  importsCache.set(path, { stamp, targets });
  return targets;
}

/** The shortest chain of imports from `start` back to `goal`, or undefined. `seen` is shared between calls. */
function routeBack(start, goal, packageRoot, seen) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  seen.add(start);
  while (queue.length > 0) {
    const current = queue.shift();
    for (const next of importsOf(current, packageRoot)) {
      if (next === goal) {
        const route = [];
        for (let step = current; step !== undefined; step = previous.get(step)) route.unshift(step);
        return route;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      previous.set(next, current);
      queue.push(next);
    }
  }
  return undefined;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles, type-only imports included.' },
    schema: [],
    messages: { cycle: 'Import cycle: {{route}}. Move the shared part to a file both can import.' },
  },
  create(context) {
    const filename = context.physicalFilename;
    if (!filename.endsWith('.ts') && !filename.endsWith('.tsx')) return {};
    const packageRoot = context.cwd;
    const seen = new Set();
    const check = (node, source) => {
      if (source === null || source === undefined || typeof source.value !== 'string') return;
      const target = resolveSpecifier(source.value, filename, packageRoot);
      if (target === undefined || target === filename || seen.has(target)) return;
      const route = routeBack(target, filename, packageRoot, seen);
      if (route === undefined) return;
      const names = [filename, ...route, filename].map((path) => relative(packageRoot, path));
      context.report({ node, messageId: 'cycle', data: { route: names.join(' → ') } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : undefined),
      TSImportType: (node) => check(node, node.argument?.literal ?? node.source),
    };
  },
};
