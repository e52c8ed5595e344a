import { describe, expect, it } from 'vitest';
import { CloseCode, CloseReason, isApplicationCloseCode, isRetryableClose } from '../src/index.js';

describe('close codes', () => {
  it('keeps the SockJS codes and reasons exactly', () => {
    expect(CloseCode.NORMAL).toBe(1000);
    expect(CloseCode.PROTOCOL_ERROR).toBe(1002);
    expect(CloseCode.ALL_TRANSPORTS_FAILED).toBe(2000);
    expect(CloseCode.TRANSPORT_TIMEOUT).toBe(2007);
    expect(CloseCode.ANOTHER_CONNECTION).toBe(2010);
    expect(CloseCode.GO_AWAY).toBe(3000);
    expect(CloseReason[2010]).toBe('Another connection still open');
    expect(CloseReason[1002]).toBe('Connection interrupted');
    expect(CloseReason[3000]).toBe('Go away!');
    for (const code of Object.values(CloseCode)) expect(CloseReason[code]).toBeTypeOf('string');
  });

  it('says which closes are worth retrying', () => {
    expect(isRetryableClose(1000)).toBe(false);
    expect(isRetryableClose(1008)).toBe(false);
    expect(isRetryableClose(3000)).toBe(false);
    expect(isRetryableClose(1006)).toBe(true);
    expect(isRetryableClose(1002)).toBe(true);
    expect(isRetryableClose(2000)).toBe(true);
    expect(isRetryableClose(2011)).toBe(true);
  });

  it('applies the W3C rule for application close codes', () => {
    expect(isApplicationCloseCode(1000)).toBe(true);
    expect(isApplicationCloseCode(3000)).toBe(true);
    expect(isApplicationCloseCode(4999)).toBe(true);
    expect(isApplicationCloseCode(1001)).toBe(false);
    expect(isApplicationCloseCode(5000)).toBe(false);
  });
});
