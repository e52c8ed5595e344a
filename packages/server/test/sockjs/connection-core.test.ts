import { describe, expect, it } from 'vitest';
import { OutboundBuffer } from '../../src/connection/buffer.js';
import { webSocketCloseCode } from '../../src/connection/close-codes.js';
import { CONNECTING, Lifecycle, OPEN } from '../../src/connection/states.js';
import type { CloseInfo } from '../../src/connection.js';
import { ReadyState } from '../../src/connection.js';

/*
 * The parts every connection (SockJS session, raw WebSocket, STOMP over TCP) is built from: the checked state
 * table, the outbound buffer policy and the close-code mapping. The transports' own suites cover them in use.
 */

const CLOSE: CloseInfo = { code: 1000, reason: 'Normal closure', wasClean: true };

describe('the connection state table', () => {
  it('moves forward only: connecting → open → closing → closed, with the close info only once closing', () => {
    const lifecycle = new Lifecycle<CloseInfo>('c1', CONNECTING);
    expect([lifecycle.state, lifecycle.readyState]).toEqual(['connecting', ReadyState.CONNECTING]);
    lifecycle.enter(OPEN);
    expect([lifecycle.state, lifecycle.readyState]).toEqual(['open', ReadyState.OPEN]);
    lifecycle.enter({ state: 'closing', close: CLOSE });
    expect(lifecycle.readyState).toBe(ReadyState.CLOSING);
    lifecycle.enter({ state: 'closed', close: CLOSE });
    const phase = lifecycle.phase;
    expect(phase.state === 'closed' ? phase.close : null).toBe(CLOSE);
    expect(lifecycle.readyState).toBe(ReadyState.CLOSED);
  });

  it('throws on a move the table does not allow, and stays where it was', () => {
    const lifecycle = new Lifecycle<CloseInfo>('c2', OPEN);
    expect(() => lifecycle.enter(CONNECTING)).toThrow(
      'Sockwire: connection c2 cannot go from open to connecting',
    );
    expect(() => lifecycle.enter(OPEN)).toThrow(/from open to open/);
    expect(lifecycle.state).toBe('open');
    lifecycle.enter({ state: 'closed', close: CLOSE });
    expect(() => lifecycle.enter({ state: 'closing', close: CLOSE })).toThrow(/from closed to closing/);
    expect(() => lifecycle.enter({ state: 'closed', close: CLOSE })).toThrow(/from closed to closed/);
  });

  it('a connection may close before it opened', () => {
    const lifecycle = new Lifecycle<CloseInfo>('c3', CONNECTING);
    lifecycle.enter({ state: 'closing', close: CLOSE });
    expect(() => lifecycle.enter(OPEN)).toThrow(/from closing to open/);
    lifecycle.enter({ state: 'closed', close: CLOSE });
    expect(lifecycle.state).toBe('closed');
  });
});

describe('the outbound buffer policy', () => {
  it('accepts under the high-water mark, asks to wait from it, overflows past maxBufferedBytes', () => {
    const buffer = new OutboundBuffer({ highWaterMark: 100, maxBufferedBytes: 1000 });
    expect(buffer.admit(99)).toBe('accepted');
    expect(buffer.drainOwed).toBe(false);
    expect(buffer.admit(100)).toBe('wait');
    expect(buffer.drainOwed).toBe(true);
    expect(buffer.admit(1000)).toBe('wait');
    expect(buffer.admit(1001)).toBe('overflow');
  });

  it('owes one drain per wait, due once the bytes fall under the high-water mark', () => {
    const buffer = new OutboundBuffer({ highWaterMark: 100, maxBufferedBytes: 1000 });
    expect(buffer.drainDue(0)).toBe(false);
    buffer.admit(150);
    expect(buffer.drainDue(100)).toBe(false);
    expect(buffer.drainDue(99)).toBe(true);
    expect(buffer.drainDue(0)).toBe(false);
    expect(buffer.drainOwed).toBe(false);
  });
});

describe('close codes on a WebSocket', () => {
  it('keeps the codes a close frame may carry and maps SockJS codes (2012 to 1008, others to 1000)', () => {
    expect([1000, 1001, 1003, 1009, 3000, 4999].map(webSocketCloseCode)).toEqual([
      1000, 1001, 1003, 1009, 3000, 4999,
    ]);
    expect([2012, 2010, 1005, 1006, 1004, 5000].map(webSocketCloseCode)).toEqual([
      1008, 1000, 1000, 1000, 1000, 1000,
    ]);
  });
});
