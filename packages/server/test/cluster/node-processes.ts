import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startProcess } from '@sockwire/test-support/processes';

/** The fixtures import the built package, as an application would. */
const built = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** A cluster node as a process of its own, running one of ./fixtures: what a balancer has in front of it. */
export interface NodeProcess {
  readonly id: string;
  readonly port: number;
  /** SIGKILL, like a crashed host (no goodbye to Redis or to clients); resolves once no process of it is left. */
  kill(): Promise<void>;
}

/**
 * Start `fixtures/<fixture>.mjs` as node `id` with `args` (its `--redis`, `--port`, ...), resolved once it
 * prints the port it listens on.
 */
export async function startNodeProcess(
  fixture: 'echo-node' | 'stomp-node',
  id: string,
  args: readonly string[],
): Promise<NodeProcess> {
  if (!existsSync(built))
    throw new Error(`${built} is missing: run \`npm run build\` (npm test builds first)`);
  const script = fileURLToPath(new URL(`./fixtures/${fixture}.mjs`, import.meta.url));
  const started = await startProcess(
    process.execPath,
    [script, '--node-id', id, ...args],
    /listening (\d+)\n/,
  );
  return {
    id,
    port: Number(started.match[1]),
    kill: async () => {
      await started.stop('SIGKILL');
    },
  };
}
