// One vitest run with a JSON report beside its usual output, for the test command and for that command's own
// tests (which run it on deliberately broken test files). Returns the exit status and the parsed report, or no
// report when vitest wrote none (it could not start, or crashed).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `node` is the command that runs Node (`[process.execPath]`, or `['npx', '-y', 'node@24']`); `vitest` is the
 * path of vitest.mjs; `args` go after `run`. `stdio` is inherited unless given.
 */
export function runVitest({ node, vitest, args = [], cwd, stdio = 'inherit', env = process.env }) {
  const dir = mkdtempSync(join(tmpdir(), 'sockwire-vitest-'));
  const reportFile = join(dir, 'report.json');
  try {
    const result = spawnSync(
      node[0],
      [
        ...node.slice(1),
        vitest,
        'run',
        // Focused tests are refused here too, not only where CI is set (vitest's default follows CI).
        '--allowOnly=false',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${reportFile}`,
        ...args,
      ],
      { cwd, stdio, env, encoding: 'utf8' },
    );
    const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined;
    return { status: result.status ?? 1, report, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
