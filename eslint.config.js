import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import noImportCycle from './eslint-rules/no-import-cycle.js';

// The module order of docs/design.md: a folder may import only from folders before it in this list.
const layers = ['core', 'model', 'store', 'queue', 'sandbox', 'evolve', 'library', 'agent', 'learn', 'serve', 'mcp', 'cli'];

const layerZones = layers.flatMap((layer, index) =>
  layers.slice(index + 1).map((later) => ({
    target: `./src/${layer}`,
    from: `./src/${later}`,
    message: `src/${layer} sits above src/${later} in the module order (docs/design.md) and must not import it.`,
  })),
);
// The zones above see files, so an import of the package by its own name ('lamarck/learn', which
// resolves to dist/) would slip past them. Inside src/ every import is relative; a self-name import
// is refused, upward ones with the layer they break.
const selfNameZones = layers.map((layer, index) => ({
  files: [`src/${layer}/**`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...layers.slice(index + 1).map((later) => ({
            regex: `^lamarck/${later}(/|$)`,
            message: `src/${layer} sits above src/${later} in the module order (docs/design.md) and must not import it.`,
          })),
          {
            regex: `^lamarck(/(${[...layers.slice(0, index + 1), 'testing'].join('|')})(/.*)?)?$`,
            message: 'inside src/, import by relative path; the package name resolves to dist/ and hides the layer.',
          },
        ],
      },
    ],
  },
}));
// Test doubles are public API for users' tests, but production code never depends on them.
const testingZones = layers.map((layer) => ({
  target: `./src/${layer}`,
  from: './src/testing',
  message: 'production code must not import lamarck/testing.',
}));

// A spread whose value is a ternary on `=== undefined` or `!== undefined`, one branch an empty object.
const testsForUndefined = "[test.operator=/^[!=]==?$/][test.right.type='Identifier'][test.right.name='undefined']";
const emptyBranch = ":matches([consequent.type='ObjectExpression'][consequent.properties.length=0], [alternate.type='ObjectExpression'][alternate.properties.length=0])";
const conditionalSpreadSelector = `SpreadElement > ConditionalExpression${testsForUndefined}${emptyBranch}`;

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.lamarck/**', 'examples/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX, lamarck: { rules: { 'no-import-cycle': noImportCycle } } },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // import-x/no-cycle skips type-only imports; this rule counts them (ADR 0005).
      'lamarck/no-import-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...testingZones] }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
    settings: {
      // Without this, import-x treats only .js files as modules and its rules skip every .ts import.
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
    },
  },
  ...selfNameZones,
  {
    // `...(x === undefined ? {} : { x })` spelled out once per optional field buried what an object
    // holds under ternaries (there were ~200). An option type accepts `undefined` (`x?: T |
    // undefined`), or, for a type we do not own, `definedOnly({ x, y })` leaves the unset ones out.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: conditionalSpreadSelector,
          message: 'No conditional spread of an optional field: let the option type accept undefined (x?: T | undefined) and pass x, or use definedOnly({ x }) for a type Lamarck does not own.',
        },
      ],
    },
  },
  {
    // Scripts and tests may print; library code reports through events and the CLI's Output.
    files: ['test/**', 'bench/**', 'examples/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
