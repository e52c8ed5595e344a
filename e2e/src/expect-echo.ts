import { expect } from '@playwright/test';
import type { CloseInfo, EchoResult } from './scenario-types.js';

/** Where two message lists first differ, in words: a 35 KB string diff would drown the report. */
export function firstDifference(expected: readonly string[], received: readonly string[]): string | null {
  for (let i = 0; i < Math.max(expected.length, received.length); i++) {
    const want = expected[i];
    const got = received[i];
    if (want === got) continue;
    if (want === undefined || got === undefined) {
      return `message ${i}: expected ${want === undefined ? 'nothing' : 'a message'}, got ${got === undefined ? 'nothing' : 'one'}`;
    }
    let at = 0;
    while (at < want.length && want.charCodeAt(at) === got.charCodeAt(at)) at++;
    const unit = (text: string) =>
      at < text.length ? `U+${text.charCodeAt(at).toString(16).padStart(4, '0')}` : 'end';
    return `message ${i} (length ${want.length}, got ${got.length}): first difference at code unit ${at}: expected ${unit(want)}, got ${unit(got)}`;
  }
  return null;
}

/**
 * Every message came back, in order and unchanged, over the expected transport, and the connection ended with
 * the expected close event: by default the W3C one for the scenario's own close() (1000, clean, any reason).
 * The page log is the message of every check.
 */
export function expectEcho(
  result: EchoResult,
  messages: readonly string[],
  transport: string | null,
  close: CloseInfo | 'client' = 'client',
): void {
  const log = `page log:\n${result.log.join('\n')}`;
  expect(result.error, log).toBeNull();
  if (transport !== null) expect(result.transport, log).toBe(transport);
  expect(firstDifference(messages, result.received), log).toBeNull();
  if (close === 'client') expect(result.close, log).toMatchObject({ code: 1000, wasClean: true });
  else expect(result.close, log).toEqual(close);
}
