import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import root from '../../vitest.config.js';

/** Reports that compare us with other software (`*.report.ts`): run on demand, not by the test suite. */
export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { ...root.test, include: ['packages/server/test/**/*.report.ts'], testTimeout: 60_000 },
});
