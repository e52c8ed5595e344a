import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The built CLI (`npm run build`; `npm test` builds first), and the repository root. */
export const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));

export interface Started {
  readonly child: ChildProcess;
  /** The first match of the `ready` pattern in the process's stdout. */
  readonly match: RegExpExecArray;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Signal its whole process tree and resolve once no process of it is left; with the top process's exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcess>();

/**
 * Start `command` in a process group of its own (so that `npm run ...` and everything under it can be stopped
 * together) and resolve once its stdout matches `ready`; reject if it exits first.
 */
export function startProcess(
  command: string,
  args: readonly string[],
  ready: RegExp,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Started> {
  if (command === process.execPath && args[0] === cli && !existsSync(cli)) {
    throw new Error(`${cli} is missing: run \`npm run build\` (npm test builds first)`);
  }
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let stdout = '';
  let all = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let done = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      all += chunk.toString();
      const match = done ? null : ready.exec(stdout);
      if (match === null) return;
      done = true;
      resolve({
        child,
        match,
        output: () => all,
        stop: async (signal = 'SIGTERM') => {
          signalGroup(child, signal);
          const result = await exited;
          await waitForGroupToEnd(child);
          started.delete(child);
          return result;
        },
      });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      all += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      if (!done)
        reject(
          new Error(`${command} ${args.join(' ')} exited (${signal ?? code}) before it was ready:\n${all}`),
        );
    });
  });
}

/** Run `command` to its end; resolves with its exit code and output. */
export function runProcess(
  command: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    child.once('close', (code) => {
      started.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Kill (SIGKILL) whatever a test started and did not stop: for afterEach. */
export function killStarted(): void {
  for (const child of started) signalGroup(child, 'SIGKILL');
  started.clear();
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Processes of the group led by `pgid` that are still running (zombies excepted). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses, so read after its last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
  }
  return members;
}

async function waitForGroupToEnd(child: ChildProcess): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  await expect.poll(() => groupMembers(pgid), { timeout: 15_000, interval: 50 }).toEqual([]);
}
