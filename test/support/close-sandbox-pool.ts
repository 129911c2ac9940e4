import { afterAll } from 'vitest';
import { closeQuickJsPool } from '../../src/sandbox/quickjs-sandbox.ts';

/** Every test file ends with the shared sandbox pool closed, whatever its tests left running. */
afterAll(async () => {
  await closeQuickJsPool();
});
