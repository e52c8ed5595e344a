import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

/** The repository root: where processes run unless told otherwise. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Started {
  readonly child: ChildProcess;
  /** The first match of the `ready` pattern in the process's stdout. */
  readonly match: RegExpExecArray;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Signal its whole process tree and resolve once no process of it is left; with the top process's exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface ProcessOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Every process started here and not stopped yet: what `killStarted` ends. */
const started = new Set<ChildProcess>();

/**
 * Spawn `command` as the leader of a process group of its own (so that `npm run ...` and everything under it
 * can be signalled together), remembered until it exits so that `killStarted` can end it.
 */
export function spawnInGroup(
  command: string,
  args: readonly string[],
  options: ProcessOptions = {},
): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/**
 * Start `command` in a process group of its own and resolve once its stdout matches `ready`; reject if it exits
 * first.
 */
export function startProcess(
  command: string,
  args: readonly string[],
  ready: RegExp,
  options: ProcessOptions = {},
): Promise<Started> {
  const child = spawnInGroup(command, args, options);
  let stdout = '';
  let all = '';
  const exited = new Promise<Exit>((resolve) =>
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
  options: ProcessOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnInGroup(command, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Kill (SIGKILL) whatever a test started and did not stop: for afterEach or afterAll. */
export function killStarted(): void {
  for (const child of started) signalGroup(child, 'SIGKILL');
  started.clear();
}

/** Send `signal` to every process of the group `child` leads. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
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
  await waitFor(
    () => groupMembers(pgid).length === 0,
    () => `process group ${pgid} to end (left: ${groupMembers(pgid).join(', ')})`,
    15_000,
  );
}
