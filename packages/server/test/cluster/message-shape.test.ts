import { describe, expect, it } from 'vitest';
import { checkNodeMessage } from '../../src/cluster/message-shape.js';

/*
 * The validator alone: what a node sends passes unchanged, and everything else is refused with a reason
 * instead of reaching the forwarder (where it used to throw, or to act).
 */

const request = {
  headers: { host: 'example.com', cookie: 'a=b', 'set-cookie': ['x=1', 'y=2'] },
  url: '/echo/000/abc/xhr_streaming?t=1',
  remoteAddress: '::ffff:127.0.0.1',
  remotePort: 51234,
};

const valid = [
  {
    t: 'attach',
    req: 'node1:AbCdEf:1',
    from: 'node1',
    sid: 'abc',
    transport: 'jsonp-polling',
    callback: 'cb.x-1',
    request,
  },
  {
    t: 'attach',
    req: 'r',
    from: 'n',
    sid: 's',
    transport: 'xhr-streaming',
    request: { ...request, remoteAddress: '' },
  },
  { t: 'send', req: 'r', from: 'n', sid: 's', messages: ['one', '', 'three'] },
  { t: 'abort', req: 'r' },
  { t: 'write', req: 'r', data: 'a["x"]\n' },
  { t: 'end', req: 'r' },
  { t: 'end', req: 'r', data: '' },
  { t: 'destroy', req: 'r' },
  { t: 'reply', req: 'r', status: 204 },
  { t: 'reply', req: 'r', status: 404 },
];

describe('checkNodeMessage', () => {
  it('passes every kind a node sends, as it was', () => {
    for (const message of valid) {
      // Through JSON, as the bus receives it.
      const received: unknown = JSON.parse(JSON.stringify(message));
      expect(checkNodeMessage(received)).toEqual(message);
    }
  });

  const attach = valid[0] as Record<string, unknown>;
  const withRequest = (change: Record<string, unknown>) => ({
    ...attach,
    request: { ...request, ...change },
  });
  const headers = (entries: Record<string, unknown>) => withRequest({ headers: entries });

  const refused: Array<[string, unknown]> = [
    ['null', null],
    ['a number', 42],
    ['a string', 'write'],
    ['an array', [{ t: 'abort', req: 'r' }]],
    ['an empty object', {}],
    ['an unknown kind', { t: 'exec', req: 'r' }],
    ['a kind of another type', { t: 1, req: 'r' }],
    ['an inherited kind name', { t: 'toString', req: 'r' }],
    ['a missing field', { t: 'write', req: 'r' }],
    ['an unknown field', { t: 'abort', req: 'r', extra: true }],
    ['an own __proto__ field', JSON.parse('{"t":"abort","req":"r","__proto__":{"polluted":1}}')],
    ['a number for a string', { t: 'write', req: 'r', data: 5 }],
    ['null for a string', { t: 'abort', req: null }],
    ['an empty request id', { t: 'abort', req: '' }],
    ['a huge request id', { t: 'abort', req: 'r'.repeat(100_000) }],
    ['a request id with a line break', { t: 'abort', req: 'r\nr' }],
    ['a status as a string', { t: 'reply', req: 'r', status: '204' }],
    ['a status no node sends', { t: 'reply', req: 'r', status: 200 }],
    ['a status of NaN', { t: 'reply', req: 'r', status: Number.NaN }],
    ['an unknown transport', { ...attach, transport: 'websocket' }],
    ['a callback that is script', { ...attach, callback: 'alert(1);x' }],
    ['a session id with a slash', { ...attach, sid: 'a/b' }],
    ['a huge session id', { ...attach, sid: 's'.repeat(70_000) }],
    ['a node id that is too long', { ...attach, from: 'n'.repeat(257) }],
    ['messages that are not an array', { t: 'send', req: 'r', from: 'n', sid: 's', messages: 'x' }],
    ['messages that are not strings', { t: 'send', req: 'r', from: 'n', sid: 's', messages: ['a', 1] }],
    ['a request that is not an object', { ...attach, request: 'GET /' }],
    ['a request with an unknown field', withRequest({ user: 'admin' })],
    ['a port out of range', withRequest({ remotePort: 70_000 })],
    ['a fractional port', withRequest({ remotePort: 80.5 })],
    ['a port as a string', withRequest({ remotePort: '80' })],
    ['a url with a line break', withRequest({ url: '/x\r\nSet-Cookie: a=b' })],
    ['a huge url', withRequest({ url: `/${'u'.repeat(70_000)}` })],
    ['headers as an array', headers([] as unknown as Record<string, unknown>)],
    ['a header value with a line break', headers({ 'x-user': 'admin\r\nx-role: root' })],
    ['a header value that is a number', headers({ 'content-length': 5 })],
    ['a header array holding a number', headers({ 'set-cookie': ['a', 1] })],
    ['a header value beyond latin1', headers({ 'x-user': 'ad\u{1F600}min' })],
    ['a header name with a space', headers({ 'x user': 'a' })],
    ['a huge header value', headers({ 'x-user': 'v'.repeat(300_000) })],
    ['too many headers', headers(Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`h${i}`, 'v'])))],
  ];

  it.each(refused)('refuses %s, saying why', (_name, value) => {
    const result = checkNodeMessage(value);
    expect(typeof result).toBe('string');
  });

  it('names the kind and field at fault, never text from the message', () => {
    expect(checkNodeMessage(null)).toBe('not an object');
    expect(checkNodeMessage({ t: 'exec' })).toBe('unknown kind');
    expect(checkNodeMessage({ t: 'write', req: 'r' })).toBe('write.data: missing');
    expect(checkNodeMessage({ t: 'abort', req: 'r', 'attacker text': 1 })).toBe('abort: unknown field');
    expect(checkNodeMessage(headers({ 'x-user': 'a\nb' }))).toBe('attach.request: invalid');
  });
});
