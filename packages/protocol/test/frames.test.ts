import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  decodeClientPayload,
  decodeServerFrame,
  decodeWebSocketPayload,
  encodeClose,
  encodeMessage,
  encodeMessages,
  SockJSProtocolError,
} from '../src/index.js';

describe('encoding server frames', () => {
  it('encodes message arrays', () => {
    expect(encodeMessages(['a'])).toBe('a["a"]');
    expect(encodeMessages(['a', 'b"c'])).toBe('a["a","b\\"c"]');
    expect(encodeMessage('x\ny')).toBe('a["x\\ny"]');
  });

  it('encodes close frames', () => {
    expect(encodeClose(3000, 'Go away!')).toBe('c[3000,"Go away!"]');
    expect(encodeClose(2010, 'Another connection still open')).toBe(
      'c[2010,"Another connection still open"]',
    );
  });
});

describe('decoding server frames', () => {
  it('decodes every frame type', () => {
    expect(decodeServerFrame('o')).toEqual({ type: 'open' });
    expect(decodeServerFrame('h')).toEqual({ type: 'heartbeat' });
    expect(decodeServerFrame('a["x","y"]')).toEqual({ type: 'messages', messages: ['x', 'y'] });
    expect(decodeServerFrame('m"x"')).toEqual({ type: 'messages', messages: ['x'] });
    expect(decodeServerFrame('c[3000,"Go away!"]')).toEqual({
      type: 'close',
      code: 3000,
      reason: 'Go away!',
    });
  });

  it('round-trips what it encodes', () => {
    const messages = ['', 'plain', '\u2028\u2029', '\ud83d\ude00', '\uffff', '"\\'];
    expect(decodeServerFrame(encodeMessages(messages))).toEqual({ type: 'messages', messages });
  });

  it.each([
    ['', 'ERR_EMPTY_FRAME'],
    ['x', 'ERR_UNKNOWN_FRAME'],
    ['oo', 'ERR_UNKNOWN_FRAME'],
    ['hh', 'ERR_UNKNOWN_FRAME'],
    ['a["x"', 'ERR_BAD_JSON'],
    ['a[1]', 'ERR_BAD_PAYLOAD'],
    ['a{"x":1}', 'ERR_BAD_PAYLOAD'],
    ['m1', 'ERR_BAD_PAYLOAD'],
    ['c[3000]', 'ERR_BAD_PAYLOAD'],
    ['c["3000","x"]', 'ERR_BAD_PAYLOAD'],
    ['c[3000,"x"', 'ERR_BAD_JSON'],
  ])('rejects %j with %s and close code 1002', (frame, code) => {
    try {
      decodeServerFrame(frame);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SockJSProtocolError);
      expect((error as SockJSProtocolError).code).toBe(code);
      expect((error as SockJSProtocolError).closeCode).toBe(CloseCode.PROTOCOL_ERROR);
    }
  });
});

describe('decoding client payloads', () => {
  it('accepts arrays of strings and single strings', () => {
    expect(decodeClientPayload('["a","b"]')).toEqual(['a', 'b']);
    expect(decodeClientPayload('[]')).toEqual([]);
    expect(decodeClientPayload('"a"')).toEqual(['a']);
    expect(decodeClientPayload('["\\u2028\\ud800"]')).toEqual(['\u2028\ud800']);
  });

  it('uses the protocol messages for missing and broken payloads', () => {
    expect(() => decodeClientPayload('')).toThrow('Payload expected.');
    expect(() => decodeClientPayload('["x')).toThrow('Broken JSON encoding.');
    expect(() => decodeClientPayload('[1,2]')).toThrow(/Broken JSON encoding/);
    expect(() => decodeClientPayload('{"a":"b"}')).toThrow(/Broken JSON encoding/);
    expect(() => decodeClientPayload('null')).toThrow(/Broken JSON encoding/);
  });

  it('enforces the size limit with close code 1009', () => {
    const payload = JSON.stringify(['x'.repeat(100)]);
    expect(decodeClientPayload(payload, { maxLength: payload.length })).toHaveLength(1);
    try {
      decodeClientPayload(payload, { maxLength: payload.length - 1 });
      expect.unreachable();
    } catch (error) {
      expect((error as SockJSProtocolError).code).toBe('ERR_TOO_LARGE');
      expect((error as SockJSProtocolError).closeCode).toBe(CloseCode.MESSAGE_TOO_BIG);
    }
  });

  it('treats an empty WebSocket message as nothing', () => {
    expect(decodeWebSocketPayload('')).toEqual([]);
    expect(decodeWebSocketPayload('[]')).toEqual([]);
    expect(() => decodeWebSocketPayload('["a')).toThrow(SockJSProtocolError);
  });

  it('survives hostile input without hanging', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => decodeClientPayload(deep)).toThrow(SockJSProtocolError);
    expect(() => decodeClientPayload('\u0000\uffff')).toThrow(SockJSProtocolError);
    expect(() => decodeClientPayload('x'.repeat(1_000_001), { maxLength: 1_000_000 })).toThrow(/exceeds/);
  });
});
