import { killStarted } from '@sockwire/test-support/processes';
import { runCli, startCli } from '@sockwire/test-support/serve';
import { afterEach, describe, expect, it } from 'vitest';
import { GET, POST } from '../sockjs/helpers.js';

afterEach(() => killStarted());

describe('sockwire conformance', () => {
  it('serves the four protocol-suite services and stops cleanly on SIGTERM', async () => {
    const proc = await startCli(
      ['conformance', '--port', '0', '--host', '127.0.0.1'],
      /listening on (http:\/\/\S+)\s/,
    );
    const url = proc.match[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await GET(`${url}/echo`)).body).toBe('Welcome to SockJS!\n');
    expect(JSON.parse((await GET(`${url}/disabled_websocket_echo/info`)).body).websocket).toBe(false);
    expect(JSON.parse((await GET(`${url}/cookie_needed_echo/info`)).body).cookie_needed).toBe(true);
    const session = `${url}/close/000/cli${Date.now()}`;
    expect((await POST(`${session}/xhr`)).body).toBe('o\n');
    expect((await POST(`${session}/xhr`)).body).toBe('c[3000,"Go away!"]\n');
    expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('rejects a missing port with usage and exit code 2', async () => {
    const { code, stderr } = await runCli(['conformance']);
    expect(code).toBe(2);
    expect(stderr).toContain('--port needs a port number');
  });
});
