import {
  barrier,
  type ConformanceCase,
  connect,
  errorThenClose,
  expect,
  expectAs,
  send,
  sendAs,
  wire,
} from '../table.js';

const topic = '/topic/{ns}';

const subscribedB = [
  ...connect('b'),
  sendAs('b', wire('SUBSCRIBE', { id: 's1', destination: topic, receipt: 'sub' })),
  expectAs('b', 'RECEIPT', { headers: { 'receipt-id': 'sub' } }),
];

export const transactionCases: ConformanceCase[] = [
  {
    group: 'transactions',
    name: 'a SEND in a transaction is held until COMMIT',
    rule: 'SENDs in a transaction apply at COMMIT',
    steps: [
      ...subscribedB,
      ...connect(),
      send(
        wire('BEGIN', { transaction: 't' }) + wire('SEND', { destination: topic, transaction: 't' }, 'held'),
      ),
      ...barrier('a', 'a'),
      ...barrier('b', 'b'),
      send(wire('COMMIT', { transaction: 't', receipt: 'committed' })),
      expect('RECEIPT', { headers: { 'receipt-id': 'committed' } }),
      expectAs('b', 'MESSAGE', { body: 'held' }),
    ],
  },
  {
    group: 'transactions',
    name: 'ABORT discards what the transaction held',
    rule: 'ABORT rolls back',
    steps: [
      ...subscribedB,
      ...connect(),
      send(
        wire('BEGIN', { transaction: 't' }) +
          wire('SEND', { destination: topic, transaction: 't' }, 'dropped') +
          wire('ABORT', { transaction: 't' }) +
          wire('SEND', { destination: topic }, 'after'),
      ),
      expectAs('b', 'MESSAGE', { body: 'after' }),
    ],
  },
  {
    group: 'transactions',
    name: 'a SEND naming an unknown transaction is an ERROR',
    rule: 'transaction must be open',
    steps: [
      ...connect(),
      send(wire('SEND', { destination: topic, transaction: 'nope' }, 'x')),
      ...errorThenClose(),
    ],
  },
  {
    group: 'transactions',
    name: 'a second BEGIN of the same transaction is an ERROR',
    rule: 'transaction ids are unique per connection',
    steps: [
      ...connect(),
      send(wire('BEGIN', { transaction: 't' }) + wire('BEGIN', { transaction: 't' })),
      ...errorThenClose(),
    ],
  },
  {
    group: 'transactions',
    name: 'COMMIT after ABORT is an ERROR',
    rule: 'an aborted transaction is gone',
    steps: [
      ...connect(),
      send(
        wire('BEGIN', { transaction: 't' }) +
          wire('ABORT', { transaction: 't' }) +
          wire('COMMIT', { transaction: 't' }),
      ),
      ...errorThenClose(),
    ],
  },
  {
    group: 'transactions',
    name: 'COMMIT of a transaction never begun is an ERROR',
    rule: 'transaction must be open',
    steps: [...connect(), send(wire('COMMIT', { transaction: 'never' })), ...errorThenClose()],
  },
  {
    group: 'transactions',
    name: 'DISCONNECT aborts open transactions',
    rule: 'a transaction open at DISCONNECT is aborted',
    steps: [
      ...subscribedB,
      ...connect(),
      send(
        wire('BEGIN', { transaction: 't' }) +
          wire('SEND', { destination: topic, transaction: 't' }, 'lost') +
          wire('DISCONNECT', { receipt: 'bye' }),
      ),
      expect('RECEIPT', { headers: { 'receipt-id': 'bye' } }),
      ...connect('c'),
      sendAs('c', wire('SEND', { destination: topic }, 'marker')),
      expectAs('b', 'MESSAGE', { body: 'marker' }),
    ],
  },
];

export const messageCases: ConformanceCase[] = [
  {
    group: 'messages',
    name: 'MESSAGE carries destination, subscription, message-id and the SEND user headers',
    rule: 'user headers MUST pass through; MESSAGE has destination, message-id, subscription',
    steps: [
      ...subscribedB,
      ...connect(),
      send(wire('SEND', { destination: topic, 'content-type': 'text/plain', 'x-user': 'u' }, 'hello')),
      expectAs('b', 'MESSAGE', {
        headers: {
          destination: topic,
          subscription: 's1',
          'message-id': /./,
          'content-type': 'text/plain',
          'x-user': 'u',
        },
        body: 'hello',
      }),
    ],
  },
];
