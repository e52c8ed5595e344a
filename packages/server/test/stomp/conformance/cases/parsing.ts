import { type ConformanceCase, connect, errorThenClose, expect, send, wire } from '../table.js';

/** Subscribe to `/topic/{ns}` and wait for the receipt, so later SENDs are delivered. */
const subscribed = [
  ...connect(),
  send(wire('SUBSCRIBE', { id: 's1', destination: '/topic/{ns}', receipt: 'sub' })),
  expect('RECEIPT', { headers: { 'receipt-id': 'sub' } }),
];

export const parsingCases: ConformanceCase[] = [
  {
    group: 'parsing',
    name: 'CRLF line endings everywhere',
    rule: 'EOL is CRLF or LF (1.2)',
    steps: [
      send('CONNECT\r\naccept-version:1.2\r\nhost:/\r\nlogin:guest\r\npasscode:guest\r\n\r\n\0\r\n'),
      expect('CONNECTED', { headers: { version: '1.2' } }),
      send('SUBSCRIBE\r\nid:s1\r\ndestination:/topic/{ns}\r\nreceipt:r\r\n\r\n\0'),
      expect('RECEIPT', { headers: { 'receipt-id': 'r' } }),
      send('SEND\r\ndestination:/topic/{ns}\r\nx-k:v\r\n\r\nbody\0\r\n'),
      expect('MESSAGE', { headers: { 'x-k': 'v', destination: '/topic/{ns}' }, body: 'body' }),
    ],
  },
  {
    group: 'parsing',
    name: 'a NUL followed by several EOLs ends a frame',
    rule: 'NUL *(EOL)',
    steps: [
      ...subscribed,
      send(`${wire('SEND', { destination: '/topic/{ns}' }, 'one')}\n\n\r\n\n`),
      expect('MESSAGE', { body: 'one' }),
    ],
  },
  {
    group: 'parsing',
    name: 'content-length lets the body hold NULs',
    rule: 'content-length octets are read even if they contain NUL',
    steps: [
      ...subscribed,
      send(wire('SEND', { destination: '/topic/{ns}', 'content-length': '5' }, 'a\0b\0c')),
      expect('MESSAGE', { headers: { 'content-length': '5' }, body: 'a\0b\0c' }),
    ],
  },
  {
    group: 'parsing',
    name: 'content-length counts UTF-8 octets',
    rule: 'content-length is an octet count',
    steps: [
      ...subscribed,
      send(wire('SEND', { destination: '/topic/{ns}', 'content-length': '9' }, 'é€😀')),
      expect('MESSAGE', { headers: { 'content-length': '9' }, body: 'é€😀' }),
    ],
  },
  {
    group: 'parsing',
    name: 'a content-length shorter than the body is an ERROR',
    rule: 'the NUL must follow content-length octets',
    steps: [
      ...connect(),
      send(wire('SEND', { destination: '/topic/{ns}', 'content-length': '2' }, 'abcdef')),
      ...errorThenClose(),
    ],
  },
  {
    group: 'parsing',
    name: 'a content-length longer than the body is an ERROR',
    rule: 'the NUL must follow content-length octets',
    steps: [
      ...connect(),
      send(
        wire('SEND', { destination: '/topic/{ns}', 'content-length': '10' }, 'abc') +
          wire('SEND', { destination: '/topic/{ns}' }, 'next'),
      ),
      ...errorThenClose(),
    ],
  },
  {
    group: 'parsing',
    name: 'a content-length that is not a number is an ERROR',
    rule: 'content-length is a number of octets',
    steps: [
      ...connect(),
      send(wire('SEND', { destination: '/topic/{ns}', 'content-length': 'ten' }, 'abc')),
      ...errorThenClose(),
    ],
  },
  {
    group: 'parsing',
    name: 'without content-length the body ends at the first NUL; MESSAGE gets a content-length',
    rule: 'frames SHOULD carry content-length',
    steps: [
      ...subscribed,
      send(wire('SEND', { destination: '/topic/{ns}' }, 'héllo')),
      expect('MESSAGE', { headers: { 'content-length': '6' }, body: 'héllo' }),
    ],
  },
  {
    group: 'parsing',
    name: 'an empty body with content-length:0',
    rule: 'a zero-octet body',
    steps: [
      ...subscribed,
      send(wire('SEND', { destination: '/topic/{ns}', 'content-length': '0' })),
      expect('MESSAGE', { body: '' }),
    ],
  },
  {
    group: 'parsing',
    name: 'a body on SUBSCRIBE is an ERROR',
    rule: 'only SEND, MESSAGE and ERROR may have a body',
    steps: [
      ...connect(),
      send(wire('SUBSCRIBE', { id: 's1', destination: '/topic/{ns}' }, 'not allowed')),
      ...errorThenClose(),
    ],
  },
  {
    group: 'parsing',
    name: 'UTF-8 header names and values pass through',
    rule: 'headers are UTF-8',
    steps: [
      ...subscribed,
      send(wire('SEND', { destination: '/topic/{ns}', grüße: 'wört€' }, 'x')),
      expect('MESSAGE', { headers: { grüße: 'wört€' } }),
    ],
  },
  {
    group: 'parsing',
    name: 'one frame split across several transport messages',
    rule: 'frames are reassembled (stompjs splitLargeFrames)',
    steps: [
      ...subscribed,
      send('SEN', 'D\ndestination:/topic/{ns}\ncontent-len', 'gth:4\n\nab', 'cd', '\0'),
      expect('MESSAGE', { body: 'abcd' }),
    ],
  },
  {
    group: 'parsing',
    name: 'several frames in one transport message',
    rule: 'frames are split out of one message',
    steps: [
      ...subscribed,
      send(
        wire('SEND', { destination: '/topic/{ns}' }, 'one') +
          wire('SEND', { destination: '/topic/{ns}' }, 'two'),
      ),
      expect('MESSAGE', { body: 'one' }),
      expect('MESSAGE', { body: 'two' }),
    ],
  },
];

export const escapingCases: ConformanceCase[] = [
  {
    group: 'escaping',
    name: '\\r \\n \\c \\\\ round-trip from SEND to MESSAGE',
    rule: 'header escaping (1.2)',
    steps: [
      ...subscribed,
      send(wire('SEND', { destination: '/topic/{ns}', 'x-esc': 'a\\r\\nb\\cc\\\\d', 'x\\cname': 'v' }, 'x')),
      expect('MESSAGE', { headers: { 'x-esc': 'a\r\nb:c\\d', 'x:name': 'v' } }),
    ],
  },
  {
    group: 'escaping',
    name: 'an undefined escape (\\t) is an ERROR',
    rule: 'undefined escapes MUST be treated as fatal',
    steps: [
      ...connect(),
      send(wire('SEND', { destination: '/topic/{ns}', 'x-bad': 'a\\tb' }, 'x')),
      ...errorThenClose(),
    ],
  },
  {
    group: 'escaping',
    name: 'a trailing lone backslash is an ERROR',
    rule: 'undefined escapes MUST be treated as fatal',
    steps: [
      ...connect(),
      send(wire('SEND', { destination: '/topic/{ns}', 'x-bad': 'ab\\' }, 'x')),
      ...errorThenClose(),
    ],
  },
  {
    group: 'escaping',
    name: 'spaces around names and values are kept',
    rule: 'never trim or pad',
    steps: [
      ...subscribed,
      send('SEND\ndestination:/topic/{ns}\nx-pad: v \n\nx\0'),
      expect('MESSAGE', { headers: { 'x-pad': ' v ' } }),
    ],
  },
];

export const repeatedHeaderCases: ConformanceCase[] = [
  {
    group: 'repeated headers',
    name: 'a repeated header: the first value wins',
    rule: 'only the first occurrence is used',
    steps: [
      ...subscribed,
      send('SEND\ndestination:/topic/{ns}\nfoo:first\nfoo:second\n\nx\0'),
      expect('MESSAGE', { headers: { foo: 'first' } }),
    ],
  },
  {
    group: 'repeated headers',
    name: 'a repeated destination: the first wins',
    rule: 'only the first occurrence is used',
    steps: [
      ...subscribed,
      send('SEND\ndestination:/topic/{ns}\ndestination:/topic/{ns}-other\n\nfirst\0'),
      expect('MESSAGE', { body: 'first' }),
    ],
  },
];

export const limitCases: ConformanceCase[] = [
  {
    group: 'limits',
    name: 'more than 64 headers is an ERROR',
    rule: 'servers MAY limit the header count',
    serverSpecific: true,
    steps: [
      ...connect(),
      send(
        wire(
          'SEND',
          Object.fromEntries([
            ['destination', '/topic/{ns}'],
            ...Array.from({ length: 64 }, (_, i) => [`h${i}`, 'v']),
          ]),
          'x',
        ),
      ),
      ...errorThenClose(),
    ],
  },
  {
    group: 'limits',
    name: 'a header line over 8192 characters is an ERROR',
    rule: 'servers MAY limit header line length',
    serverSpecific: true,
    steps: [
      ...connect(),
      send(wire('SEND', { destination: '/topic/{ns}', big: 'x'.repeat(9000) }, 'x')),
      ...errorThenClose(),
    ],
  },
  {
    group: 'limits',
    name: 'a body over 65536 octets is an ERROR',
    rule: 'servers MAY limit the body size',
    serverSpecific: true,
    steps: [
      ...connect(),
      send(wire('SEND', { destination: '/topic/{ns}' }, 'x'.repeat(70_000))),
      ...errorThenClose(),
    ],
  },
  {
    group: 'limits',
    name: 'an oversized body arriving in pieces is an ERROR too',
    rule: 'limits hold across split frames',
    serverSpecific: true,
    steps: [
      ...connect(),
      send('SEND\ndestination:/topic/{ns}\n\n', ...Array.from({ length: 10 }, () => 'y'.repeat(8000))),
      ...errorThenClose(),
    ],
  },
  {
    group: 'limits',
    name: 'a body of exactly 65536 octets is accepted',
    rule: 'the limit is inclusive',
    serverSpecific: true,
    steps: [
      ...subscribed,
      send(wire('SEND', { destination: '/topic/{ns}' }, 'z'.repeat(65_536))),
      expect('MESSAGE', { headers: { 'content-length': '65536' } }),
    ],
  },
];
