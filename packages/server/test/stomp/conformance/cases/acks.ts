import {
  barrier,
  type ConformanceCase,
  closed,
  connect,
  drop,
  errorThenClose,
  expect,
  expectAs,
  send,
  sendAs,
  wire,
} from '../table.js';

const queue = '/queue/{ns}';

/** SUBSCRIBE and wait for its receipt (use `subscribeToHeld` where messages are already waiting). */
function subscribe(client: 'a' | 'b', ack: string, id = 's1'): ReturnType<typeof sendAs>[] {
  return [
    sendAs(client, wire('SUBSCRIBE', { id, destination: queue, ack, receipt: `sub-${client}` })),
    expectAs(client, 'RECEIPT', { headers: { 'receipt-id': `sub-${client}` } }),
  ];
}

/**
 * SUBSCRIBE to a queue that already holds messages, without a receipt: they may be delivered while the
 * SUBSCRIBE is processed, before its RECEIPT would be.
 */
function subscribeToHeld(client: 'a' | 'b', ack: string) {
  return sendAs(client, wire('SUBSCRIBE', { id: 's1', destination: queue, ack }));
}

/** Client c publishes these bodies to the queue (each SEND with a receipt, so they are in before we go on). */
function publish(...bodies: string[]) {
  return bodies.flatMap((body) => [
    sendAs('c', wire('SEND', { destination: queue, receipt: `pub-${body}` }, body)),
    expectAs('c', 'RECEIPT', { headers: { 'receipt-id': `pub-${body}` } }),
  ]);
}

export const ackCases: ConformanceCase[] = [
  {
    group: 'acks',
    name: 'auto: MESSAGE has subscription and message-id but no ack header',
    rule: 'ack only in client modes; MESSAGE MUST have subscription and message-id',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'auto'),
      ...publish('m1'),
      expect('MESSAGE', {
        headers: { subscription: 's1', 'message-id': /./, ack: null, destination: queue },
        body: 'm1',
      }),
    ],
  },
  {
    group: 'acks',
    name: 'client: MESSAGE has an ack header; ACK with a receipt is answered',
    rule: 'ACK id = the MESSAGE ack header',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'client'),
      ...publish('m1'),
      expect('MESSAGE', { headers: { ack: /./ }, capture: { ack: 'a1' } }),
      send(wire('ACK', { id: '{a1}', receipt: 'acked' })),
      expect('RECEIPT', { headers: { 'receipt-id': 'acked' } }),
    ],
  },
  {
    group: 'acks',
    name: 'client mode is cumulative: ACK of the second acknowledges the first',
    rule: 'client ACK acknowledges every earlier message of the subscription',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'client'),
      ...publish('m1', 'm2', 'm3'),
      expect('MESSAGE', { body: 'm1' }),
      expect('MESSAGE', { body: 'm2', capture: { ack: 'a2' } }),
      expect('MESSAGE', { body: 'm3' }),
      send(wire('ACK', { id: '{a2}', receipt: 'acked' })),
      expect('RECEIPT'),
      drop(),
      ...connect('b'),
      subscribeToHeld('b', 'auto'),
      expectAs('b', 'MESSAGE', { body: 'm3', headers: { redelivered: 'true' } }),
      ...publish('marker'),
      expectAs('b', 'MESSAGE', { body: 'marker' }),
    ],
  },
  {
    group: 'acks',
    name: 'client-individual acknowledges only the message named',
    rule: 'client-individual ACK is not cumulative',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'client-individual'),
      ...publish('m1', 'm2', 'm3'),
      expect('MESSAGE', { body: 'm1' }),
      expect('MESSAGE', { body: 'm2', capture: { ack: 'a2' } }),
      expect('MESSAGE', { body: 'm3' }),
      send(wire('ACK', { id: '{a2}', receipt: 'acked' })),
      expect('RECEIPT'),
      drop(),
      ...connect('b'),
      subscribeToHeld('b', 'auto'),
      expectAs('b', 'MESSAGE', { body: 'm1', headers: { redelivered: 'true' } }),
      expectAs('b', 'MESSAGE', { body: 'm3', headers: { redelivered: 'true' } }),
      ...publish('marker'),
      expectAs('b', 'MESSAGE', { body: 'marker' }),
    ],
  },
  {
    group: 'acks',
    name: 'NACK redelivers the message with redelivered:true',
    rule: 'after NACK the server may redeliver',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'client-individual'),
      ...publish('m1'),
      expect('MESSAGE', { body: 'm1', headers: { redelivered: /^(false)?$/ }, capture: { ack: 'a1' } }),
      send(wire('NACK', { id: '{a1}' })),
      expect('MESSAGE', { body: 'm1', headers: { redelivered: 'true' } }),
    ],
  },
  {
    group: 'acks',
    name: 'an ACK of an already acknowledged message is an ERROR',
    rule: 'the id must name an unacknowledged message',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'client-individual'),
      ...publish('m1'),
      expect('MESSAGE', { capture: { ack: 'a1' } }),
      send(wire('ACK', { id: '{a1}' }) + wire('ACK', { id: '{a1}' })),
      ...errorThenClose(),
    ],
  },
  {
    group: 'acks',
    name: 'an ACK in an aborted transaction does not count',
    rule: 'ACKs in a transaction apply at COMMIT',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'client-individual'),
      ...publish('m1'),
      expect('MESSAGE', { capture: { ack: 'a1' } }),
      send(
        wire('BEGIN', { transaction: 't' }) +
          wire('ACK', { id: '{a1}', transaction: 't' }) +
          wire('ABORT', { transaction: 't', receipt: 'aborted' }),
      ),
      expect('RECEIPT', { headers: { 'receipt-id': 'aborted' } }),
      drop(),
      ...connect('b'),
      subscribeToHeld('b', 'auto'),
      expectAs('b', 'MESSAGE', { body: 'm1', headers: { redelivered: 'true' } }),
    ],
  },
  {
    group: 'acks',
    name: 'an ACK in a committed transaction counts',
    rule: 'ACKs in a transaction apply at COMMIT',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'client-individual'),
      ...publish('m1'),
      expect('MESSAGE', { capture: { ack: 'a1' } }),
      send(
        wire('BEGIN', { transaction: 't' }) +
          wire('ACK', { id: '{a1}', transaction: 't' }) +
          wire('COMMIT', { transaction: 't', receipt: 'done' }),
      ),
      expect('RECEIPT', { headers: { 'receipt-id': 'done' } }),
      drop(),
      ...connect('b'),
      ...subscribe('b', 'auto'),
      ...publish('marker'),
      expectAs('b', 'MESSAGE', { body: 'marker' }),
    ],
  },
  {
    group: 'acks',
    name: 'queue messages go to one of the competing subscribers each',
    rule: 'point to point: round robin over consumers',
    steps: [
      ...connect(),
      ...connect('b'),
      ...connect('c'),
      ...subscribe('a', 'auto'),
      ...subscribe('b', 'auto'),
      ...publish('m1', 'm2'),
      expect('MESSAGE', { body: 'm1' }),
      expectAs('b', 'MESSAGE', { body: 'm2' }),
      ...barrier('a', 'a'),
      ...barrier('b', 'b'),
    ],
  },
  {
    group: 'acks',
    name: 'unacknowledged messages return to the queue when the connection drops',
    rule: 'unacked messages MAY be redelivered on drop',
    steps: [
      ...connect(),
      ...connect('c'),
      ...subscribe('a', 'client'),
      ...publish('m1'),
      expect('MESSAGE', { body: 'm1' }),
      send(wire('DISCONNECT', { receipt: 'bye' })),
      expect('RECEIPT'),
      closed(),
      ...connect('b'),
      subscribeToHeld('b', 'client'),
      expectAs('b', 'MESSAGE', { body: 'm1', headers: { redelivered: 'true' } }),
    ],
  },
];
