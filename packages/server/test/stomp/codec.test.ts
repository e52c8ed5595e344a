import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  escapeHeader,
  type StompFrame,
  type StompLimits,
  StompParseError,
  StompParser,
  unescapeHeader,
  utf8ByteLength,
} from '../../src/stomp/codec/index.js';

function parseAll(
  chunks: readonly (string | Uint8Array)[],
  version?: '1.0' | '1.1' | '1.2',
  limits?: StompLimits,
) {
  const frames: StompFrame[] = [];
  let heartbeats = 0;
  const parser = new StompParser({
    onFrame: (f) => frames.push(f),
    onHeartbeat: () => heartbeats++,
    ...(limits ? { limits } : {}),
  });
  parser.setVersion(version);
  for (const chunk of chunks) {
    if (typeof chunk === 'string') parser.push(chunk);
    else parser.pushBytes(chunk);
  }
  return { frames, heartbeats, parser };
}

function parseError(chunks: readonly string[], version?: '1.2', limits?: StompLimits): StompParseError {
  try {
    parseAll(chunks, version, limits);
  } catch (error) {
    if (error instanceof StompParseError) return error;
    throw error;
  }
  throw new Error('expected a StompParseError');
}

const small: StompLimits = { maxHeaders: 3, maxHeaderLineLength: 20, maxBodyBytes: 10 };

describe('StompParser', () => {
  it('parses a frame with LF line endings', () => {
    const { frames } = parseAll(['SEND\ndestination:/topic/a\n\nhello\0']);
    expect(frames).toEqual([{ command: 'SEND', headers: [['destination', '/topic/a']], body: 'hello' }]);
  });

  it('parses CRLF line endings everywhere', () => {
    const { frames, heartbeats } = parseAll(['\r\n\r\nSEND\r\ndestination:/q\r\n\r\nx\0\r\n']);
    expect(frames).toEqual([{ command: 'SEND', headers: [['destination', '/q']], body: 'x' }]);
    expect(heartbeats).toBe(3);
  });

  it('parses several frames in one chunk, with EOLs and stray NULs between them', () => {
    const { frames, heartbeats } = parseAll(['A\n\n\0\n\nB\n\n\0\0\nC\nk:v\n\nbody\0']);
    expect(frames.map((f) => f.command)).toEqual(['A', 'B', 'C']);
    expect(heartbeats).toBe(3);
  });

  it('parses one frame split at every position', () => {
    const wire = 'SEND\r\ndestination:/t\r\ncontent-length:5\r\n\r\nh\0llo\0\n';
    for (let cut = 1; cut < wire.length; cut++) {
      const { frames } = parseAll([wire.slice(0, cut), wire.slice(cut)]);
      expect(frames).toEqual([
        {
          command: 'SEND',
          headers: [
            ['destination', '/t'],
            ['content-length', '5'],
          ],
          body: 'h\0llo',
        },
      ]);
    }
  });

  it('parses a frame fed one character at a time', () => {
    const wire = 'MESSAGE\nk:v\n\nbody\0';
    const { frames } = parseAll([...wire]);
    expect(frames).toEqual([{ command: 'MESSAGE', headers: [['k', 'v']], body: 'body' }]);
  });

  it('reads exactly content-length octets, NULs included', () => {
    const { frames } = parseAll(['SEND\ncontent-length:3\n\n\0\0\0\0']);
    expect(frames[0]?.body).toBe('\0\0\0');
  });

  it('counts content-length in UTF-8 octets', () => {
    const body = 'é€😀';
    expect(utf8ByteLength(body)).toBe(2 + 3 + 4);
    const { frames } = parseAll([`SEND\ncontent-length:9\n\n${body}\0`]);
    expect(frames[0]?.body).toBe(body);
  });

  it('counts octets across a surrogate pair split between chunks', () => {
    const wire = 'SEND\ncontent-length:4\n\n😀\0';
    const at = wire.indexOf('😀') + 1;
    const { frames } = parseAll([wire.slice(0, at), wire.slice(at)]);
    expect(frames[0]?.body).toBe('😀');
  });

  it('decodes bytes with a multi-octet character split across chunks', () => {
    const bytes = new TextEncoder().encode('SEND\ncontent-length:2\n\né\0');
    const at = bytes.indexOf(0xc3) + 1;
    const { frames } = parseAll([bytes.subarray(0, at), bytes.subarray(at)]);
    expect(frames[0]?.body).toBe('é');
  });

  it('rejects invalid UTF-8 bytes', () => {
    const parser = new StompParser({ onFrame: () => {} });
    expect(() => parser.pushBytes(new Uint8Array([0x53, 0xff, 0x0a]))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_UTF8' }),
    );
  });

  it('accepts a zero-length body with content-length:0', () => {
    const { frames } = parseAll(['SEND\ncontent-length:0\n\n\0']);
    expect(frames[0]?.body).toBe('');
  });

  it.each([
    ['too short', 'SEND\ncontent-length:2\n\nabc\0', 'ERR_MISSING_NUL'],
    ['too long, eating into the next frame', 'SEND\ncontent-length:5\n\nabc\0X\n\n\0', 'ERR_MISSING_NUL'],
    ['not a number', 'SEND\ncontent-length:abc\n\nabc\0', 'ERR_INVALID_CONTENT_LENGTH'],
    ['negative', 'SEND\ncontent-length:-1\n\n\0', 'ERR_INVALID_CONTENT_LENGTH'],
    ['padded', 'SEND\ncontent-length: 3\n\nabc\0', 'ERR_INVALID_CONTENT_LENGTH'],
    ['ending inside a character', 'SEND\ncontent-length:1\n\né\0', 'ERR_INVALID_CONTENT_LENGTH'],
  ])('rejects a content-length %s', (_name, wire, code) => {
    expect(parseError([wire]).code).toBe(code);
  });

  it('ends an uncounted body at the first NUL', () => {
    const { frames } = parseAll(['SEND\n\nab\0cd\n\n\0']);
    expect(frames.map((f) => [f.command, f.body])).toEqual([
      ['SEND', 'ab'],
      ['cd', ''],
    ]);
  });

  it('uses the first content-length when repeated', () => {
    const { frames } = parseAll(['SEND\ncontent-length:1\ncontent-length:3\n\na\0']);
    expect(frames[0]?.body).toBe('a');
  });

  it('keeps repeated headers in order (the session takes the first)', () => {
    const { frames } = parseAll(['SEND\nfoo:first\nfoo:second\n\n\0']);
    expect(frames[0]?.headers).toEqual([
      ['foo', 'first'],
      ['foo', 'second'],
    ]);
  });

  it('never trims names or values, and splits at the first colon', () => {
    const { frames } = parseAll(['SEND\n key : a:b \n\n\0']);
    expect(frames[0]?.headers).toEqual([[' key ', ' a:b ']]);
  });

  it('accepts an empty value and UTF-8 header names', () => {
    const { frames } = parseAll(['SEND\nempty:\nnäme:wért\n\n\0']);
    expect(frames[0]?.headers).toEqual([
      ['empty', ''],
      ['näme', 'wért'],
    ]);
  });

  it('unescapes 1.2 headers', () => {
    const { frames } = parseAll(['SEND\na\\cb:x\\r\\n\\c\\\\y\n\n\0'], '1.2');
    expect(frames[0]?.headers).toEqual([['a:b', 'x\r\n:\\y']]);
  });

  it('does not unescape CONNECT, STOMP or CONNECTED headers', () => {
    const { frames } = parseAll(['CONNECT\npasscode:a\\cb\\t\n\n\0STOMP\nx:\\\n\n\0'], '1.2');
    expect(frames.map((f) => f.headers)).toEqual([[['passcode', 'a\\cb\\t']], [['x', '\\']]]);
  });

  it('does not unescape in 1.0', () => {
    const { frames } = parseAll(['SEND\nk:a\\tb\n\n\0'], '1.0');
    expect(frames[0]?.headers).toEqual([['k', 'a\\tb']]);
  });

  it('treats \\r as undefined in 1.1', () => {
    expect(parseError(['SEND\nk:\\r\n\n\0'], '1.1' as '1.2').code).toBe('ERR_INVALID_ESCAPE');
  });

  it.each([
    ['\\t', 'SEND\nk:a\\tb\n\n\0'],
    ['a trailing backslash', 'SEND\nk:ab\\\n\n\0'],
  ])('rejects the escape %s', (_name, wire) => {
    expect(parseError([wire], '1.2').code).toBe('ERR_INVALID_ESCAPE');
  });

  it.each([
    ['without a colon', 'SEND\nnocolon\n\n\0'],
    ['with an empty name', 'SEND\n:value\n\n\0'],
  ])('rejects a header line %s', (_name, wire) => {
    expect(parseError([wire]).code).toBe('ERR_MALFORMED_HEADER');
  });

  describe('limits', () => {
    it('rejects too many headers', () => {
      const error = parseError(['SEND\na:1\nb:2\nc:3\nd:4\n\n\0'], undefined, small);
      expect([error.code, error.limit]).toEqual(['ERR_TOO_MANY_HEADERS', 'maxHeaders']);
    });

    it('rejects a long header line, even before its EOL arrives', () => {
      const error = parseError(['SEND\nk:', 'x'.repeat(30)], undefined, small);
      expect(error.code).toBe('ERR_HEADER_LINE_TOO_LONG');
    });

    it('allows a line exactly at the limit, with CRLF', () => {
      const line = `k:${'x'.repeat(18)}`;
      const { frames } = parseAll([`SEND\r\n${line}\r`, '\n\r\n\0'], undefined, small);
      expect(frames).toHaveLength(1);
    });

    it('rejects an oversized content-length before reading the body', () => {
      expect(parseError(['SEND\ncontent-length:11\n\n'], undefined, small).code).toBe('ERR_BODY_TOO_LARGE');
    });

    it('rejects an oversized body arriving in pieces without content-length', () => {
      expect(parseError(['SEND\n\n12345', '67890', '1'], undefined, small).code).toBe('ERR_BODY_TOO_LARGE');
    });

    it('measures an uncounted body in octets', () => {
      expect(parseError(['SEND\n\n€€€€\0'], undefined, small).code).toBe('ERR_BODY_TOO_LARGE');
      expect(parseAll(['SEND\n\n€€€\0'], undefined, small).frames).toHaveLength(1);
    });

    it('fails every later push after an error', () => {
      const parser = new StompParser({ onFrame: () => {}, limits: small });
      expect(() => parser.push('SEND\ncontent-length:99\n\n')).toThrow(StompParseError);
      expect(parser.failed).toBe(true);
      expect(() => parser.push('SEND\n\n\0')).toThrow(expect.objectContaining({ code: 'ERR_PARSER_FAILED' }));
    });
  });
});

describe('encoder', () => {
  it('escapes 1.2 headers and adds content-length', () => {
    const wire = encodeFrame({ command: 'MESSAGE', headers: [['a:b', 'x\r\n:\\']], body: 'é\0' }, '1.2');
    expect(wire).toBe('MESSAGE\na\\cb:x\\r\\n\\c\\\\\ncontent-length:3\n\né\0\0');
  });

  it('does not escape CONNECTED', () => {
    expect(encodeFrame({ command: 'CONNECTED', headers: [['server', 'a:b']], body: '' }, '1.2')).toBe(
      'CONNECTED\nserver:a:b\n\n\0',
    );
  });

  it('leaves \\r raw in 1.1 and drops EOLs in 1.0', () => {
    expect(escapeHeader('a\rb\n', '1.1')).toBe('a\rb\\n');
    expect(escapeHeader('a\rb\n:', 'none')).toBe('a b :');
  });

  it('round-trips through the parser', () => {
    const original: StompFrame = {
      command: 'MESSAGE',
      headers: [
        ['k', 'v:\\\n\r'],
        ['content-length', '6'],
      ],
      body: 'a\0b€',
    };
    const { frames } = parseAll([encodeFrame(original, '1.2')], '1.2');
    expect(frames).toEqual([original]);
    expect(unescapeHeader(escapeHeader('x\\:y', '1.2'), '1.2')).toBe('x\\:y');
  });
});
