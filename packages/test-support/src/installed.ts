import { execFileSync } from 'node:child_process';

/**
 * Throws, naming the package to install and what needs it, unless `command` runs (with `args`, which only
 * print its version).
 */
export function requireInstalled(command: string, args: readonly string[], why: string): void {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
  } catch {
    throw new Error(`${command} is not installed, and ${why}: apt-get install -y ${command}`);
  }
}
