import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GET, POST } from '../sockjs/helpers.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
let child: ChildProcess | null = null;

afterEach(() => {
  child?.kill('SIGKILL');
  child = null;
});

/** Start the built CLI and wait for the line that says it is ready. */
function start(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` (npm test builds first)`);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) resolve({ child: proc, output: () => output });
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.once('exit', (code) => reject(new Error(`sockwire exited with ${code}: ${output}`)));
  });
}

describe('sockwire conformance', () => {
  it('serves the four protocol-suite services and stops cleanly on SIGTERM', async () => {
    const { child: proc, output } = await start(['conformance', '--port', '0', '--host', '127.0.0.1']);
    const url = /listening on (http:\/\/\S+)/.exec(output())?.[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await GET(`${url}/echo`)).body).toBe('Welcome to SockJS!\n');
    expect(JSON.parse((await GET(`${url}/disabled_websocket_echo/info`)).body).websocket).toBe(false);
    expect(JSON.parse((await GET(`${url}/cookie_needed_echo/info`)).body).cookie_needed).toBe(true);
    const session = `${url}/close/000/cli${Date.now()}`;
    expect((await POST(`${session}/xhr`)).body).toBe('o\n');
    expect((await POST(`${session}/xhr`)).body).toBe('c[3000,"Go away!"]\n');
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = null;
  });

  it('rejects a missing port with usage and exit code 2', async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\``);
    const proc = spawn(process.execPath, [cli, 'conformance'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--port needs a port number');
  });
});
