import { type ConformanceCase, closed, connect, errorThenClose, expect, send, wire } from '../table.js';

const login = { host: '/', login: 'guest', passcode: 'guest' };

export const versionCases: ConformanceCase[] = [
  {
    group: 'versions',
    name: 'CONNECT 1.2 gets CONNECTED with version, heart-beat, session and server',
    rule: 'CONNECTED MUST carry version; MAY carry heart-beat, session, server',
    steps: [
      send(wire('CONNECT', { 'accept-version': '1.2', ...login })),
      expect('CONNECTED', {
        headers: { version: '1.2', 'heart-beat': /^\d+,\d+$/, session: /./, server: /./ },
      }),
    ],
  },
  {
    group: 'versions',
    name: 'no accept-version means STOMP 1.0',
    rule: 'a CONNECT without accept-version is a 1.0 client',
    steps: [send(wire('CONNECT', login)), expect('CONNECTED', { headers: { version: '1.0' } })],
  },
  {
    group: 'versions',
    name: 'accept-version 1.0,1.1,2.0 negotiates 1.1',
    rule: 'the highest version both sides support',
    steps: [
      send(wire('CONNECT', { 'accept-version': '1.0,1.1,2.0', ...login })),
      expect('CONNECTED', { headers: { version: '1.1' } }),
    ],
  },
  {
    group: 'versions',
    name: 'no common version: ERROR with the supported versions, then close',
    rule: 'version mismatch: ERROR with a version header, then close',
    steps: [
      send(wire('CONNECT', { 'accept-version': '9.9', ...login })),
      ...errorThenClose({ version: /1\.2/ }),
    ],
  },
  {
    group: 'versions',
    name: 'STOMP is treated exactly like CONNECT',
    rule: 'STOMP ≡ CONNECT',
    steps: [
      send(wire('STOMP', { 'accept-version': '1.2', ...login })),
      expect('CONNECTED', { headers: { version: '1.2' } }),
    ],
  },
  {
    group: 'versions',
    name: 'a frame before CONNECT is an ERROR',
    rule: 'the first frame must be CONNECT or STOMP',
    steps: [send(wire('SEND', { destination: '/topic/{ns}' }, 'early')), ...errorThenClose()],
  },
  {
    group: 'versions',
    name: 'a second CONNECT is an ERROR',
    rule: 'CONNECT once per connection',
    steps: [...connect(), send(wire('CONNECT', { 'accept-version': '1.2', ...login })), ...errorThenClose()],
  },
  {
    group: 'versions',
    name: 'CONNECT headers are not unescaped',
    rule: 'no escaping in CONNECT/CONNECTED: a literal \\t in a CONNECT header is not an error',
    steps: [
      send(wire('CONNECT', { 'accept-version': '1.2', ...login, 'x-note': 'a\\tb\\' })),
      expect('CONNECTED'),
    ],
  },
];

export const heartbeatCases: ConformanceCase[] = [
  {
    group: 'heart-beats',
    name: 'heart-beat 0,0 is accepted',
    rule: 'a side that cannot or does not want heart-beats says 0',
    steps: [
      send(wire('CONNECT', { 'accept-version': '1.2', ...login, 'heart-beat': '0,0' })),
      expect('CONNECTED'),
    ],
  },
  {
    group: 'heart-beats',
    name: 'the server answers with its own offer (10000,10000 by default)',
    rule: 'CONNECTED heart-beat is sx,sy: the server side of the negotiation',
    serverSpecific: true,
    steps: [
      send(wire('CONNECT', { 'accept-version': '1.2', ...login, 'heart-beat': '1000,2000' })),
      expect('CONNECTED', { headers: { 'heart-beat': '10000,10000' } }),
    ],
  },
  {
    group: 'heart-beats',
    name: 'a malformed heart-beat header is an ERROR',
    rule: 'heart-beat is two comma-separated integers',
    steps: [
      send(wire('CONNECT', { 'accept-version': '1.2', ...login, 'heart-beat': 'often' })),
      ...errorThenClose(),
    ],
  },
  {
    group: 'heart-beats',
    name: 'EOLs (LF and CRLF) between frames are heart-beats, not frames',
    rule: 'a bare EOL between frames is a heart-beat',
    steps: [
      send(`\n\r\n${wire('CONNECT', { 'accept-version': '1.2', ...login })}\n\r\n\n`),
      expect('CONNECTED'),
      send('\n', '\r\n', `\n${wire('BEGIN', { transaction: 't', receipt: 'r1' })}\n\n`),
      expect('RECEIPT', { headers: { 'receipt-id': 'r1' } }),
    ],
  },
];

export const receiptCases: ConformanceCase[] = [
  {
    group: 'receipts',
    name: 'every client frame with a receipt gets its RECEIPT, in order',
    rule: 'receipt is allowed on any client frame but CONNECT',
    steps: [
      ...connect(),
      send(
        wire('SUBSCRIBE', { id: 's1', destination: '/topic/{ns}', receipt: 'r1' }) +
          wire('SEND', { destination: '/topic/{ns}-other', receipt: 'r2' }, 'x') +
          wire('BEGIN', { transaction: 't1', receipt: 'r3' }) +
          wire('COMMIT', { transaction: 't1', receipt: 'r4' }) +
          wire('BEGIN', { transaction: 't2', receipt: 'r5' }) +
          wire('ABORT', { transaction: 't2', receipt: 'r6' }) +
          wire('UNSUBSCRIBE', { id: 's1', receipt: 'r7' }),
      ),
      ...['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'].map((id) =>
        expect('RECEIPT', { headers: { 'receipt-id': id } }),
      ),
    ],
  },
  {
    group: 'receipts',
    name: 'an ERROR carries the receipt-id of the frame that caused it',
    rule: 'ERROR for a frame with receipt sets receipt-id',
    steps: [
      ...connect(),
      send(wire('SEND', { receipt: 'bad-1' }, 'no destination')),
      ...errorThenClose({ 'receipt-id': 'bad-1' }),
    ],
  },
  {
    group: 'receipts',
    name: 'DISCONNECT with a receipt: RECEIPT, then close',
    rule: 'graceful disconnect',
    steps: [
      ...connect(),
      send(wire('DISCONNECT', { receipt: 'bye' })),
      expect('RECEIPT', { headers: { 'receipt-id': 'bye' } }),
      closed(),
    ],
  },
  {
    group: 'receipts',
    name: 'frames after DISCONNECT are ignored',
    rule: 'nothing may follow DISCONNECT',
    steps: [
      ...connect(),
      send(wire('DISCONNECT', { receipt: 'bye' }) + wire('FOO', {}) + wire('SEND', { receipt: 'late' }, 'x')),
      expect('RECEIPT', { headers: { 'receipt-id': 'bye' } }),
      closed(),
    ],
  },
  {
    group: 'errors',
    name: 'an unknown command is an ERROR, then close',
    rule: 'the server MAY send ERROR and close for an unknown command',
    steps: [...connect(), send(wire('FROB', { receipt: 'f' })), ...errorThenClose({ 'receipt-id': 'f' })],
  },
  {
    group: 'errors',
    name: 'commands are case-sensitive',
    rule: 'commands are case-sensitive',
    steps: [...connect(), send(wire('send', { destination: '/topic/{ns}' }, 'x')), ...errorThenClose()],
  },
];
