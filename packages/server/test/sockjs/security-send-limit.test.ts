import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST, sessionUrl, startServer, type TestServer } from './helpers.js';
import { ManualClock, rawClient, requestHead } from './robustness-support.js';

/*
 * A send body over maxMessageSize must get a 413 the client can read. Ending the answer at once made Node
 * close the socket while the client was still uploading, and a socket closed with unread data is reset: the
 * client saw EPIPE or ECONNRESET instead of the 413. The answer now waits for the rest of the body (read and
 * discarded), within bounds, before the connection closes.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ small: { maxMessageSize: 1024 } });
});
afterAll(() => server.close());

interface Outcome {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

/**
 * POST a body the way any HTTP client does: all of it, whatever the server answers meanwhile. Settles once the
 * request is over, with the answer read (if any) and the first error the client saw (if any).
 */
function postLarge(url: string, body: string, contentType = 'text/plain'): Promise<Outcome> {
  return new Promise((resolve) => {
    let answer: { status: number; body: string } | undefined;
    let error: string | undefined;
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          answer = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
        });
        res.on('error', (e: NodeJS.ErrnoException) => {
          error ??= e.code ?? e.message;
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
    });
    req.on('close', () => resolve({ ...answer, ...(error === undefined ? {} : { error }) }));
    req.end(body);
  });
}

async function openSession(): Promise<string> {
  const url = sessionUrl(server.base, 'small');
  expect((await POST(`${url}/xhr`)).body).toBe('o\n');
  return url;
}

describe('a send body over maxMessageSize', () => {
  const big = JSON.stringify(['x'.repeat(4 * 1024 * 1024)]);

  it('xhr_send: the client reads a 413 naming the limit, not a reset', async () => {
    const url = await openSession();
    const outcome = await postLarge(`${url}/xhr_send`, big);
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(413);
    expect(outcome.body).toContain('exceeds the limit of 1024');
    expect(outcome.body).toContain('maxMessageSize');
    // The session is untouched: the next message goes through.
    expect((await POST(`${url}/xhr_send`, '["after"]')).status).toBe(204);
    expect((await POST(`${url}/xhr`)).body).toBe('a["after"]\n');
  });

  it('jsonp_send: the same', async () => {
    const url = await openSession();
    const outcome = await postLarge(
      `${url}/jsonp_send`,
      `d=${encodeURIComponent(big)}`,
      'application/x-www-form-urlencoded',
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(413);
    expect(outcome.body).toContain('maxMessageSize');
  });

  it('the connection stays open for the rest of the body, then closes cleanly (no reset)', async () => {
    const url = await openSession();
    const client = await rawClient(server.port);
    let reset = false;
    client.socket.on('error', () => {
      reset = true;
    });
    const body = 'z'.repeat(256 * 1024);
    // The head first: the answer comes before the body, which is still welcome afterwards.
    await client.send(requestHead('POST', `${new URL(url).pathname}/xhr_send`, {}, body.length));
    await client.waitFor("raise the server's maxMessageSize option.\n");
    await client.send(body);
    const answer = await client.closed();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer.endsWith("raise the server's maxMessageSize option.\n")).toBe(true);
    expect(reset).toBe(false);
  });
});

describe('a client that keeps sending', () => {
  const clock = new ManualClock();
  let slow: TestServer;
  beforeAll(async () => {
    slow = await startServer({ small: { maxMessageSize: 1024, disconnectDelay: 60_000 } }, { timers: clock });
  });
  afterAll(() => slow.close());

  async function refusedClient(declared: number) {
    const url = sessionUrl(slow.base, 'small');
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
    const client = await rawClient(slow.port);
    await client.send(requestHead('POST', `${new URL(url).pathname}/xhr_send`, {}, declared));
    await client.waitFor('maxMessageSize');
    expect(client.text()).toMatch(/^HTTP\/1\.1 413 /);
    return client;
  }

  it('is cut off when the rest of its body does not come within 5 s', async () => {
    const client = await refusedClient(10_000);
    await client.send('x'.repeat(100));
    clock.advance(4999);
    expect(client.socket.destroyed).toBe(false);
    clock.advance(1);
    await client.closed();
  });

  it('is cut off past 8 MiB more than it was allowed', async () => {
    const client = await refusedClient(100 * 1024 * 1024);
    // Its drain timer is pending; the cut-off must clear it.
    const timers = clock.pending;
    const mebibyte = 'y'.repeat(1024 * 1024);
    for (let i = 0; i < 9 && !client.socket.destroyed; i++) await client.send(mebibyte).catch(() => {});
    await client.closed();
    expect(clock.pending).toBe(timers - 1);
  });
});
