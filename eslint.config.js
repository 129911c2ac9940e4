import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// DESIGN.md's module order: a folder may import only from folders before it in this list.
const layers = ['core', 'model', 'store', 'queue', 'sandbox', 'evolve', 'library', 'agent', 'learn', 'serve', 'cli'];

const layerZones = layers.flatMap((layer, index) =>
  layers.slice(index + 1).map((later) => ({
    target: `./src/${layer}`,
    from: `./src/${later}`,
    message: `src/${layer} sits above src/${later} in DESIGN.md's module order and must not import it.`,
  })),
);
// Test doubles are public API for users' tests, but production code never depends on them.
const testingZones = layers.map((layer) => ({
  target: `./src/${layer}`,
  from: './src/testing',
  message: 'production code must not import lamarck/testing.',
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.lamarck/**', 'examples/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...testingZones] }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } } },
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
