// The reviewed record of the public API (packages/<pkg>/api/*.api.md) matches what the build emits: a change of
// the API shows up as a diff of those files, made by `node scripts/api-report.mjs --write`. Needs the build.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiReports, existingReports, REGENERATE } from '../lib/api-report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reports = apiReports(root);
const onDisk = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return `(no file: run \`${REGENERATE}\`)`;
  }
};

describe('API reports', () => {
  it.each(reports.map(({ file, text }) => [relative(root, file), file, text]))(
    '%s is up to date',
    (_, file, text) => {
      expect(
        onDisk(file),
        `${relative(root, file)} is out of date: the public API changed. Review it, then run \`${REGENERATE}\``,
      ).toBe(text);
    },
  );

  it('no report is left from an entry that is gone', () => {
    const made = new Set(reports.map(({ file }) => file));
    const stale = existingReports(root)
      .filter((file) => !made.has(file))
      .map((file) => relative(root, file));
    expect(stale, `remove them with \`${REGENERATE}\``).toEqual([]);
  });

  it('every entry with types has a report, and none names a bundler chunk or a renamed clash', () => {
    expect(reports.map(({ file }) => relative(root, file))).toEqual(
      expect.arrayContaining([
        join('packages', 'protocol', 'api', 'index.api.md'),
        join('packages', 'client', 'api', 'stomp.api.md'),
        join('packages', 'server', 'api', 'redis.api.md'),
      ]),
    );
    for (const { file, text } of reports) {
      expect(text, relative(root, file)).not.toMatch(/chunk-|-[A-Za-z0-9_-]{8}\.js|\w\$\d/);
    }
  });

  it('a server report lists what the entry exports, and the main entry no Redis part', () => {
    const report = (name) => reports.find(({ file }) => file.endsWith(join('server', 'api', name))).text;
    expect(report('redis.api.md')).toMatch(/^## createRedisBroker$/m);
    expect(report('index.api.md')).toMatch(/^## createServer$/m);
    expect(report('index.api.md')).not.toMatch(/^## createRedis/m);
  });
});
