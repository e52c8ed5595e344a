import { describe, expect, it } from 'vitest';
import {
  decodeJsonpSendBody,
  EVENTSOURCE_PRELUDE,
  EventStreamDecoder,
  eventSourceFrame,
  htmlfileFrame,
  htmlfilePrelude,
  jsonpFrame,
  SockJSProtocolError,
  validateCallback,
  XHR_STREAMING_PRELUDE,
  XhrStreamDecoder,
  xhrFrame,
} from '../src/index.js';

describe('server-side framing', () => {
  it('frames xhr and xhr-streaming with newlines', () => {
    expect(xhrFrame('o')).toBe('o\n');
    expect(XHR_STREAMING_PRELUDE).toBe('h'.repeat(2048) + '\n');
  });

  it('frames EventSource as data lines', () => {
    expect(EVENTSOURCE_PRELUDE).toBe('\r\n');
    expect(eventSourceFrame('o')).toBe('data: o\r\n\r\n');
    expect(eventSourceFrame('a["  \\u0000\\n\\r "]')).toBe('data: a["  \\u0000\\n\\r "]\r\n\r\n');
  });

  it('frames htmlfile as script chunks after a padded head', () => {
    const head = htmlfilePrelude('callback');
    expect(head.length).toBeGreaterThan(1024);
    expect(head).toContain('var c = parent.callback;');
    expect(head.startsWith('<!doctype html>')).toBe(true);
    expect(htmlfileFrame('o')).toBe('<script>\np("o");\n</script>\r\n');
    expect(htmlfileFrame('a["x"]')).toBe('<script>\np("a[\\"x\\"]");\n</script>\r\n');
  });

  it('wraps jsonp in the callback', () => {
    expect(jsonpFrame('callback', 'o')).toBe('/**/callback("o");\r\n');
    expect(jsonpFrame('x', 'c[3000,"Go away!"]')).toBe('/**/x("c[3000,\\"Go away!\\"]");\r\n');
  });

  it('validates callback names', () => {
    expect(validateCallback('a.b_c-9')).toBe('a.b_c-9');
    expect(() => validateCallback(undefined)).toThrow('"callback" parameter required');
    expect(() => validateCallback('')).toThrow('"callback" parameter required');
    for (const bad of [' ', '*', 'abc(', 'a;alert(1)', '</script>']) {
      expect(() => validateCallback(bad)).toThrow('invalid "callback" parameter');
    }
  });

  it('decodes jsonp_send bodies', () => {
    const form = 'application/x-www-form-urlencoded';
    expect(decodeJsonpSendBody('d=%5B%22x%22%5D', form)).toBe('["x"]');
    expect(decodeJsonpSendBody('p=p', form)).toBe('');
    expect(decodeJsonpSendBody('d=', form)).toBe('');
    expect(decodeJsonpSendBody('', form)).toBe('');
    expect(decodeJsonpSendBody('a=1&d=%5B%5D', form)).toBe('[]');
    expect(decodeJsonpSendBody('d=a+b', form)).toBe('a b');
    expect(decodeJsonpSendBody('["%61bc"]', 'text/plain')).toBe('["%61bc"]');
    expect(() => decodeJsonpSendBody('d=%E0%A4%A', form)).toThrow(SockJSProtocolError);
  });
});

describe('xhr-streaming decoder', () => {
  it('skips the prelude and splits frames across chunk boundaries', () => {
    const decoder = new XhrStreamDecoder();
    expect(decoder.push(XHR_STREAMING_PRELUDE.slice(0, 1000))).toEqual([]);
    expect(decoder.push(XHR_STREAMING_PRELUDE.slice(1000) + 'o\na["x')).toEqual(['o']);
    expect(decoder.push('"]\nh\n')).toEqual(['a["x"]', 'h']);
  });

  it('does not mistake a heartbeat for the prelude when there is none', () => {
    expect(new XhrStreamDecoder().push('h\no\n')).toEqual(['h', 'o']);
  });

  it('rejects a line over the limit', () => {
    const decoder = new XhrStreamDecoder({ maxLineLength: 10 });
    expect(() => decoder.push('a["' + 'x'.repeat(20))).toThrow('Frame over 10 characters');
  });
});

describe('event-stream decoder', () => {
  it('returns event data, whatever the line endings and chunking', () => {
    const decoder = new EventStreamDecoder();
    const stream = '\r\ndata: o\r\n\r\ndata: a["x"]\r\n\r\n:comment\ndata:h\n\n';
    const events: string[] = [];
    for (const ch of stream) events.push(...decoder.push(ch));
    expect(events).toEqual(['o', 'a["x"]', 'h']);
  });

  it('joins multi-line data with a CRLF split across chunks', () => {
    const decoder = new EventStreamDecoder();
    expect(decoder.push('data: a\r')).toEqual([]);
    expect(decoder.push('\ndata: b\r\n\r\n')).toEqual(['a\nb']);
  });

  it('rejects a line over the limit', () => {
    const decoder = new EventStreamDecoder({ maxLineLength: 10 });
    expect(() => decoder.push('data: ' + 'x'.repeat(20))).toThrow(/exceeds/);
  });
});
