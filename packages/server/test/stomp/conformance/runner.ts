import type { StompFrame } from '../../../src/stomp/index.js';
import { CLOSED, type RawClient, type Received } from '../support/raw-client.js';
import type { Target } from '../support/targets.js';
import type { ClientName, ConformanceCase, FrameExpectation } from './table.js';

export interface CaseResult {
  readonly ok: boolean;
  /** The first step that did not go as the table says, in words. */
  readonly failure?: string;
}

let runs = 0;

/** Run one case against a target; never throws, so a report can collect every result. */
export async function runCase(target: Target, testCase: ConformanceCase): Promise<CaseResult> {
  const vars = new Map<string, string>([['ns', `c${process.pid}-${++runs}-${Date.now().toString(36)}`]]);
  const clients = new Map<ClientName, RawClient>();
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (whole, name: string) => vars.get(name) ?? whole);
  const client = async (name: ClientName) => {
    let found = clients.get(name);
    if (found === undefined) {
      found = await target.open();
      clients.set(name, found);
    }
    return found;
  };
  try {
    for (const [index, step] of testCase.steps.entries()) {
      const where = `step ${index + 1} (${step.op} on ${step.client})`;
      const peer = await client(step.client);
      if (step.op === 'send') {
        for (const text of step.texts) peer.send(fill(text));
      } else if (step.op === 'drop') {
        peer.drop();
      } else if (step.op === 'closed') {
        const got = await nextFrame(peer, target.timeout * 2);
        if (got !== CLOSED)
          return { ok: false, failure: `${where}: expected the connection to close, got ${show(got)}` };
      } else {
        const got = await nextFrame(peer, target.timeout);
        const problem = mismatch(step.frame, got, fill);
        if (problem !== undefined) return { ok: false, failure: `${where}: ${problem}` };
        const frame = got as StompFrame;
        for (const [header, variable] of Object.entries(step.frame.capture ?? {})) {
          vars.set(variable, frame.headers.find(([name]) => name === header)?.[1] ?? '');
        }
      }
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, failure: `threw ${String(error)}` };
  } finally {
    for (const peer of clients.values()) peer.drop();
  }
}

/** The next frame, skipping nothing: heart-beats are not frames and never reach here. */
function nextFrame(peer: RawClient, timeout: number): Promise<Received | undefined> {
  return peer.next(timeout);
}

function mismatch(
  expected: FrameExpectation,
  got: Received | undefined,
  fill: (text: string) => string,
): string | undefined {
  if (got === undefined) return `expected ${expected.command}, got nothing`;
  if (got === CLOSED) return `expected ${expected.command}, the connection closed`;
  if (got.command !== expected.command) return `expected ${expected.command}, got ${show(got)}`;
  for (const [name, want] of Object.entries(expected.headers ?? {})) {
    const value = got.headers.find(([header]) => header === name)?.[1];
    if (want === null) {
      if (value !== undefined) return `${got.command} should not have ${name}, has ${JSON.stringify(value)}`;
    } else if (value === undefined) {
      // A pattern that accepts '' also accepts an absent header (`/^(false)?$/`: absent or false).
      if (typeof want === 'string' || !want.test('')) return `${got.command} lacks ${name}: ${show(got)}`;
    } else if (typeof want === 'string' ? value !== fill(want) : !want.test(value)) {
      return `${got.command} ${name} is ${JSON.stringify(value)}, expected ${typeof want === 'string' ? JSON.stringify(fill(want)) : String(want)}`;
    }
  }
  if (expected.body !== undefined) {
    const ok =
      typeof expected.body === 'string' ? got.body === fill(expected.body) : expected.body.test(got.body);
    if (!ok)
      return `${got.command} body is ${JSON.stringify(got.body.slice(0, 200))}, expected ${String(expected.body)}`;
  }
  return undefined;
}

function show(got: Received | undefined): string {
  if (got === undefined) return 'nothing';
  if (got === CLOSED) return 'a close';
  const headers = got.headers.map(([name, value]) => `${name}:${value}`).join(' ');
  return `${got.command} [${headers}]${got.body ? ` ${JSON.stringify(got.body.slice(0, 120))}` : ''}`;
}
