import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireInstalled } from './installed.js';
import { accepts, freePort } from './ports.js';

/** A real HAProxy in front of the nodes: plain round robin, every request balanced on its own, no stickiness. */
export interface Balancer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startHaproxy(backends: readonly number[]): Promise<Balancer> {
  requireInstalled('haproxy', ['-v'], 'the cluster tests need a real balancer');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sockwire-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      // WebSocket and streaming responses live long.
      '  timeout tunnel 1h',
      // Close the server side after each response, so that every request is balanced on its own.
      '  option http-server-close',
      // A dead node is taken out within half a second, and a request that cannot reach it goes to another.
      '  option redispatch',
      '  retries 3',
      'frontend front',
      `  bind 127.0.0.1:${port}`,
      '  default_backend nodes',
      'backend nodes',
      '  balance roundrobin',
      ...backends.map((backend, i) => `  server node${i} 127.0.0.1:${backend} check inter 250 fall 1 rise 1`),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('haproxy', ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Ready once the port accepts connections.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
    const open = await accepts('127.0.0.1', port);
    if (open) break;
    if (Date.now() > deadline) throw new Error(`haproxy did not listen: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
