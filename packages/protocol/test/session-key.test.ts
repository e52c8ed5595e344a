import { describe, expect, it } from 'vitest';
import {
  decodeServerFrame,
  encodeKeyedOpen,
  isSessionKey,
  readSessionKey,
  SockJSProtocolError,
  withSessionKey,
} from '../src/index.js';

const KEY = 'k'.repeat(24);

describe('session keys in the open frame', () => {
  it('round-trips a key through the open frame; a plain o has none', () => {
    expect(encodeKeyedOpen(KEY)).toBe(`o{"key":"${KEY}"}`);
    expect(decodeServerFrame(encodeKeyedOpen(KEY))).toEqual({ type: 'open', key: KEY });
    expect(decodeServerFrame('o')).toEqual({ type: 'open' });
  });

  it.each([
    ['o{', 'ERR_BAD_JSON'],
    ['o{"key":1}', 'ERR_BAD_PAYLOAD'],
    ['o{"key":"short"}', 'ERR_BAD_PAYLOAD'],
    ['o{"key":"' + 'x'.repeat(22) + '<"}', 'ERR_BAD_PAYLOAD'],
    ['o{}', 'ERR_BAD_PAYLOAD'],
    ['oo', 'ERR_UNKNOWN_FRAME'],
  ])('refuses %s with %s and close code 1002', (frame, code) => {
    try {
      decodeServerFrame(frame);
      expect.unreachable(`${frame} was accepted`);
    } catch (error) {
      expect(error).toBeInstanceOf(SockJSProtocolError);
      expect((error as SockJSProtocolError).code).toBe(code);
      expect((error as SockJSProtocolError).closeCode).toBe(1002);
    }
  });
});

describe('session keys in the query string', () => {
  it('reads the first sw_key, only when it is "new" or a well-formed key', () => {
    expect(readSessionKey('sw_key=new')).toBe('new');
    expect(readSessionKey(`token=a&sw_key=${KEY}&sw_key=new`)).toBe(KEY);
    expect(readSessionKey('token=a')).toBeNull();
    expect(readSessionKey('')).toBeNull();
    expect(readSessionKey('sw_key=short')).toBeNull();
    expect(readSessionKey(`sw_key=${KEY}%00`)).toBeNull();
    expect(readSessionKey(`xsw_key=${KEY}`)).toBeNull();
  });

  it('adds the parameter after any query the URL has', () => {
    expect(withSessionKey('http://h/p/xhr', 'new')).toBe('http://h/p/xhr?sw_key=new');
    expect(withSessionKey('http://h/p/xhr?t=1', KEY)).toBe(`http://h/p/xhr?t=1&sw_key=${KEY}`);
  });

  it('keys are 22 to 64 base64url characters', () => {
    expect(isSessionKey('a'.repeat(22))).toBe(true);
    expect(isSessionKey('a'.repeat(21))).toBe(false);
    expect(isSessionKey('a'.repeat(65))).toBe(false);
    expect(isSessionKey('a'.repeat(21) + '=')).toBe(false);
  });
});
