import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type ProcessOptions, repoRoot, runProcess, type Started, startProcess } from './processes.js';

/** The built CLI (`npm run build`; `npm test` builds first): what a user runs as `sockwire`. */
export const cli = join(repoRoot, 'packages', 'server', 'dist', 'cli.js');

function requireBuiltCli(): void {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` (npm test builds first)`);
}

/** `sockwire ...args` in a process group of its own, resolved once its stdout matches `ready`. */
export function startCli(
  args: readonly string[],
  ready: RegExp,
  options: ProcessOptions = {},
): Promise<Started> {
  requireBuiltCli();
  return startProcess(process.execPath, [cli, ...args], ready, options);
}

/** `sockwire ...args` run to its end. */
export function runCli(args: readonly string[], options: ProcessOptions = {}): ReturnType<typeof runProcess> {
  requireBuiltCli();
  return runProcess(process.execPath, [cli, ...args], options);
}

export interface Serving extends Started {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
}

/**
 * `sockwire serve --host 127.0.0.1 --port <a free port> ...args`, resolved once it prints that it is ready:
 * for examples written against a fixed port, which the caller rewrites to `port` before it runs them.
 */
export async function startServe(
  args: readonly string[] = [],
  options: ProcessOptions = {},
): Promise<Serving> {
  const port = await freePort();
  const started = await startCli(
    ['serve', '--host', '127.0.0.1', '--port', String(port), ...args],
    /ready/,
    options,
  );
  return { ...started, port, base: `http://127.0.0.1:${port}` };
}
