import { afterAll, describe, expect, it } from 'vitest';
import { conformanceTable } from './conformance/cases/index.js';
import { runCase } from './conformance/runner.js';
import { fakeTarget } from './support/targets.js';

/** The raw-frame conformance table, through a fake in-memory connection to the broker in this process. */
describe('STOMP conformance table, using a fake connection', () => {
  const target = fakeTarget();
  afterAll(() => target.close());

  for (const testCase of conformanceTable) {
    it(`${testCase.group}: ${testCase.name}`, async () => {
      const result = await runCase(target, testCase);
      expect(result.failure).toBeUndefined();
    });
  }
});
