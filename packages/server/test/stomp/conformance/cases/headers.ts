import { type ConformanceCase, connect, errorThenClose, expect, send, wire } from '../table.js';

function missing(name: string, frame: string): ConformanceCase {
  return {
    group: 'required headers',
    name,
    rule: 'a frame without a required header is an ERROR',
    steps: [...connect(), send(frame), ...errorThenClose()],
  };
}

export const requiredHeaderCases: ConformanceCase[] = [
  missing('SEND without destination', wire('SEND', {}, 'x')),
  missing('SUBSCRIBE without destination', wire('SUBSCRIBE', { id: 's1' })),
  missing('SUBSCRIBE without id', wire('SUBSCRIBE', { destination: '/topic/{ns}' })),
  missing('UNSUBSCRIBE without id', wire('UNSUBSCRIBE', {})),
  missing('ACK without id', wire('ACK', {})),
  missing('NACK without id', wire('NACK', {})),
  missing('BEGIN without transaction', wire('BEGIN', {})),
  missing('COMMIT without transaction', wire('COMMIT', {})),
  {
    group: 'required headers',
    name: 'a subscription id already in use is an ERROR',
    rule: 'id is unique per connection',
    steps: [
      ...connect(),
      send(wire('SUBSCRIBE', { id: 's1', destination: '/topic/{ns}', receipt: 'r' })),
      expect('RECEIPT'),
      send(wire('SUBSCRIBE', { id: 's1', destination: '/topic/{ns}-2' })),
      ...errorThenClose(),
    ],
  },
  {
    group: 'required headers',
    name: 'UNSUBSCRIBE of an unknown id is an ERROR',
    rule: 'the id must match a subscription',
    steps: [...connect(), send(wire('UNSUBSCRIBE', { id: 'nope' })), ...errorThenClose()],
  },
  {
    group: 'required headers',
    name: 'ACK of an unknown id is an ERROR',
    rule: 'the id must name an unacknowledged message',
    steps: [...connect(), send(wire('ACK', { id: 'nope' })), ...errorThenClose()],
  },
  {
    group: 'required headers',
    name: 'an invalid ack mode is an ERROR',
    rule: 'ack is auto, client or client-individual',
    steps: [
      ...connect(),
      send(wire('SUBSCRIBE', { id: 's1', destination: '/topic/{ns}', ack: 'sometimes' })),
      ...errorThenClose(),
    ],
  },
];
