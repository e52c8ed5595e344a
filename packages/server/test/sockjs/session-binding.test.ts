import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/index.js';
import {
  GET,
  POST,
  pending,
  rawConnect,
  request,
  startServer,
  stream,
  type TestServer,
  until,
} from './helpers.js';
import { upgradeHead } from './robustness-support.js';

/*
 * Security issue 14, holes 1 and 2, tried as an attacker would over real HTTP: session fixation through a
 * cross-site navigation that carries the victim's cookies, and driving or reading someone else's session by
 * its id (sending into it, polling between its owner's polls). A session opened with `sw_key=new` belongs to
 * the holder of the key in its open frame; `sessionOwner` binds sessions of clients without keys; a
 * request without Origin that Fetch Metadata says comes from another site opens and uses nothing.
 */

let server: TestServer;
/** Every connection the 'app' service saw, with the cookie it was opened with (what `authenticate` reads). */
const seen: Array<{ connection: Connection; cookie: string | undefined; received: string[] }> = [];

beforeAll(async () => {
  server = await startServer({
    app: { allowedOrigins: [] },
    owned: { sessionOwner: (r) => /(?:^|; )login=([^;]+)/.exec(String(r.headers.cookie ?? ''))?.[1] },
    required: { sessionKeys: 'required' },
  });
  server.services.app?.on('connection', (connection) => {
    const entry = { connection, cookie: connection.headers.cookie, received: [] as string[] };
    seen.push(entry);
    connection.on('data', (message) => entry.received.push(message));
  });
});
afterAll(() => server.close());

let counter = 0;
const id = () => `${process.pid}-${Date.now()}-${++counter}`;
const at = (service: string, session = id()) => `${server.base}/${service}/000/${session}`;
const KEY_OPEN = /^o\{"key":"([A-Za-z0-9_-]{24})"\}\n$/;

/** Open a keyed session over xhr-polling: its URL and key. */
async function keyedSession(service = 'echo'): Promise<{ url: string; key: string }> {
  const url = at(service);
  const open = await POST(`${url}/xhr?sw_key=new`);
  expect(open.status).toBe(200);
  const key = KEY_OPEN.exec(open.body)?.[1];
  if (key === undefined) throw new Error(`no keyed open frame: ${JSON.stringify(open.body)}`);
  return { url, key };
}

describe('session fixation: cross-site requests without Origin', () => {
  const victim = (extra: Record<string, string>) => ({ Cookie: 'login=victim', ...extra });

  it.each([
    [
      'an iframe',
      { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' },
    ],
    ['a top-level navigation', { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' }],
    ['a no-cors fetch or <img>', { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors' }],
    ['a sibling subdomain', { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'navigate' }],
  ])(
    '%s opening an id the attacker chose is refused, and the attacker has nothing to drive',
    async (_, headers) => {
      const session = at('app');
      const before = seen.length;
      const opened = await GET(`${session}/eventsource`, victim(headers));
      expect(opened.status).toBe(403);
      expect(opened.body).toContain('another site');
      const driven = await POST(`${session}/xhr_send`, '["SEND as the victim"]');
      expect(driven.status).toBe(404);
      expect(seen.length).toBe(before);
    },
  );

  it('a GET with cookies from a browser without Fetch Metadata is refused; with Origin or none, served', async () => {
    const opened = await GET(`${at('app')}/eventsource`, { Cookie: 'login=victim' });
    expect(opened.status).toBe(403);
    const before = seen.length;
    const url = `${at('app')}/eventsource`;
    const withOrigin = await stream('GET', url, { Cookie: 'login=me', Origin: server.base });
    expect(withOrigin.status).toBe(200);
    withOrigin.abort();
    const noCookie = await stream('GET', `${at('app')}/eventsource`);
    expect(noCookie.status).toBe(200);
    noCookie.abort();
    await until(() => seen.length === before + 2);
  });

  it('a cross-site request cannot use an existing session either', async () => {
    const session = at('app');
    const poll = pending('POST', `${session}/xhr`);
    await until(() => seen.some((s) => s.connection.state === 'open'));
    const refused = await POST(`${session}/xhr_send`, '["x"]', {
      'Sec-Fetch-Site': 'cross-site',
      'Sec-Fetch-Mode': 'no-cors',
      'Content-Type': 'text/plain',
    });
    expect(refused.status).toBe(403);
    poll.abort();
  });

  it('same-origin requests, typed URLs and non-browser clients still open sessions', async () => {
    const cases: Record<string, string>[] = [
      { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors' },
      { 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate' },
      {},
    ];
    for (const headers of cases) {
      const opened = await POST(`${at('app')}/xhr`, undefined, headers);
      expect(opened.status).toBe(200);
      expect(opened.body).toBe('o\n');
    }
  });
});

describe('session keys: a keyed session belongs to the holder of its key', () => {
  it('issues a key in the open frame to a request that asks, and only then', async () => {
    const { key } = await keyedSession();
    expect(key).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await POST(`${at('echo')}/xhr`)).body).toBe('o\n');
    const a = await keyedSession();
    expect(a.key).not.toBe(key);
  });

  it('refuses a send without the key, or with a wrong one, and takes nothing from it', async () => {
    const { url, key } = await keyedSession();
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    for (const suffix of ['', '?sw_key=new', `?sw_key=${wrong}`, `?sw_key=${key}x`]) {
      const attack = await POST(`${url}/xhr_send${suffix}`, '["from the attacker"]');
      expect(attack.status).toBe(403);
      expect(attack.body).toContain('session key');
    }
    expect((await POST(`${url}/xhr_send?sw_key=${key}`, '["from the owner"]')).status).toBe(204);
    const poll = await POST(`${url}/xhr?sw_key=${key}`);
    expect(poll.body).toBe('a["from the owner"]\n');
  });

  it('refuses a poll between the owner polls, which leaves the owner its messages', async () => {
    const { url, key } = await keyedSession();
    expect((await POST(`${url}/xhr_send?sw_key=${key}`, '["private"]')).status).toBe(204);
    for (const transport of ['xhr', 'xhr_streaming']) {
      const stolen = await POST(`${url}/${transport}`);
      expect(stolen.status).toBe(403);
      expect(stolen.body).not.toContain('private');
    }
    const eventsource = await GET(`${url}/eventsource`);
    expect(eventsource.status).toBe(403);
    expect((await POST(`${url}/xhr?sw_key=${key}`)).body).toBe('a["private"]\n');
  });

  it('binds streaming sessions too: only the key from the open frame sends into them', async () => {
    const url = at('echo');
    const first = await stream('POST', `${url}/xhr_streaming?sw_key=new`);
    const text = await first.readText(2049 + 36);
    const key = /o\{"key":"([^"]+)"\}/.exec(text)?.[1] ?? '';
    expect(key).toHaveLength(24);
    expect((await POST(`${url}/xhr_send`, '["intruder"]')).status).toBe(403);
    expect((await POST(`${url}/xhr_send?sw_key=${key}`, '["owner"]')).status).toBe(204);
    expect(await first.readText('a["owner"]\n'.length)).toBe('a["owner"]\n');
    first.abort();
  });

  it('a session opened without a key cannot be taken over by presenting one', async () => {
    const url = at('echo');
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
    expect((await POST(`${url}/xhr_send?sw_key=new`, '["x"]')).status).toBe(403);
    expect((await POST(`${url}/xhr_send`, '["x"]')).status).toBe(204);
  });

  it('a stale key does not reopen its ended session', async () => {
    const { key } = await keyedSession();
    const fresh = await POST(`${at('echo')}/xhr?sw_key=${key}`);
    expect(fresh.status).toBe(404);
  });
});

describe("sessionKeys: 'required'", () => {
  it('refuses sessions without a key with 403 naming the option, and serves keyed ones', async () => {
    const plain = await POST(`${at('required')}/xhr`);
    expect(plain.status).toBe(403);
    expect(plain.body).toContain("sessionKeys: 'required'");
    expect(plain.body).toContain('--session-keys');
    const { url, key } = await keyedSession('required');
    expect((await POST(`${url}/xhr_send?sw_key=${key}`, '["x"]')).status).toBe(204);
  });
});

describe('sessionOwner: sessions of clients without keys bound to their credentials', () => {
  it('refuses another login, or none, on a session opened with a login', async () => {
    const url = at('owned');
    expect((await POST(`${url}/xhr`, undefined, { Cookie: 'login=alice' })).body).toBe('o\n');
    for (const cookie of ['login=mallory', '', 'other=alice']) {
      const headers: Record<string, string> = cookie === '' ? {} : { Cookie: cookie };
      const send = await POST(`${url}/xhr_send`, '["x"]', headers);
      expect(send.status).toBe(403);
      expect(send.body).toContain('sessionOwner');
      expect((await POST(`${url}/xhr`, undefined, headers)).status).toBe(403);
    }
    expect((await POST(`${url}/xhr_send`, '["mine"]', { Cookie: 'a=1; login=alice' })).status).toBe(204);
    expect((await POST(`${url}/xhr`, undefined, { Cookie: 'login=alice' })).body).toBe('a["mine"]\n');
  });
});

describe('session ids: 8 to 64 characters of A-Z a-z 0-9 _ -', () => {
  it.each([
    ['one character', 'a'],
    ['seven characters', 'abcdefg'],
    ['65 characters', 'a'.repeat(65)],
    ['8 000 characters', 'a'.repeat(8000)],
    ['a percent-encoded space', 'abcdefgh%20'],
    ['a colon', 'abcdefgh:1'],
  ])('refuses %s with 400 and opens nothing', async (_, session) => {
    const opened = await POST(`${server.base}/echo/000/${session}/xhr`);
    expect(opened.status).toBe(400);
    expect(opened.body).toContain('8 to 64');
  });

  it('refuses a bad server id, and bad ids on WebSocket upgrades', async () => {
    expect((await POST(`${server.base}/echo/${'1'.repeat(33)}/${id()}/xhr`)).status).toBe(400);
    const socket = await rawConnect(server.port);
    socket.write(upgradeHead('/echo/000/short/websocket'));
    expect(await socket.received()).toMatch(/^HTTP\/1\.1 400 /);
    socket.destroy();
  });

  it('takes 8 and 64 characters, and the ids of sockjs-client, Spring and Sockwire', async () => {
    const ids = [
      'abcdefgh',
      'a'.repeat(64),
      'x2k9ab1c',
      'f81d4fae7dec11d0a76500a0c91e6bf6',
      'abcdefghij0123456',
    ];
    for (const [i, session] of ids.entries()) {
      const server_ = `${process.pid % 1000}${i}${Date.now() % 1000}`;
      expect((await POST(`${server.base}/echo/${server_}/${session}/xhr`)).status).toBe(200);
    }
  });

  it('still answers 404 for unknown transports, whatever the id', async () => {
    expect((await request('POST', `${server.base}/echo/000/a/nonsense`)).status).toBe(404);
  });
});
