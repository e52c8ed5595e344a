import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isNodeId } from './message-shape.js';

/**
 * Signing of bus messages with a secret every node of a cluster shares, so that being able to PUBLISH on
 * the Redis server is no longer enough to speak as a node.
 *
 * Wire format: `s1.<signature>.<envelope>`, where the envelope is the JSON of
 * `{ f: sender node id, b: sender boot id, n: sequence number, t: sender's clock in ms, m: payload }` and the
 * signature is base64url HMAC-SHA256(secret, `sockwire-cluster-1` LF channel LF envelope).
 *
 * - The channel (key prefix and target node included) is under the signature: a message captured on one
 *   node's inbox, or in another cluster sharing the secret under another prefix, is refused elsewhere.
 * - Each sender numbers its messages (one counter per process, the boot id telling processes apart), and
 *   they arrive in that order, since a bus publishes on one connection and Redis keeps one connection's
 *   order. A receiver refuses a number it has already passed: a replay, or a duplicate sent by a client
 *   library resending after a reconnect.
 * - A receiver forgets a sender after it has been silent a while, so a message is also refused once its
 *   timestamp is older than the window (or as far in the future): a replay is never judged by a forgotten
 *   counter. Node clocks must therefore agree to within the window.
 *
 * The secret authenticates membership in the cluster, not one node: any holder can sign as any node id.
 * Nothing is encrypted; Redis still sees every message.
 */

const VERSION = 's1.';
const CONTEXT = 'sockwire-cluster-1';
/** How far a message's timestamp may be from the receiver's clock. */
export const SEAL_WINDOW_MS = 60_000;
/** Base64url of a 32-byte HMAC-SHA256. */
const SIGNATURE_CHARS = 43;

export interface Opened {
  readonly from: string;
  readonly payload: unknown;
}

interface Sender {
  last: number;
  seenAt: number;
}

export class MessageSeal {
  private readonly key: Buffer;
  private readonly nodeId: string;
  private readonly boot = randomBytes(9).toString('base64url');
  private sequence = 0;
  /** Last number seen from each sender process (`<node>\n<boot>`), while it keeps talking. */
  private readonly senders = new Map<string, Sender>();
  private lastPrune = 0;
  private readonly now: () => number;

  constructor(secret: string | Buffer, nodeId: string, now: () => number = Date.now) {
    this.key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (this.key.length === 0) throw new TypeError('Sockwire: the cluster secret must not be empty');
    this.nodeId = nodeId;
    this.now = now;
  }

  private sign(channel: string, envelope: string): Buffer {
    return createHmac('sha256', this.key).update(`${CONTEXT}\n${channel}\n${envelope}`).digest();
  }

  /** The text to publish on `channel`. */
  seal(channel: string, payload: unknown): string {
    const envelope = JSON.stringify({
      f: this.nodeId,
      b: this.boot,
      n: ++this.sequence,
      t: this.now(),
      m: payload,
    });
    return `${VERSION}${this.sign(channel, envelope).toString('base64url')}.${envelope}`;
  }

  /** The sender and payload of a text received on `channel`, or why it is refused. */
  open(channel: string, text: string): Opened | string {
    if (!text.startsWith(VERSION)) return 'unsigned';
    const dot = VERSION.length + SIGNATURE_CHARS;
    if (text.charAt(dot) !== '.') return 'bad signature';
    const given = Buffer.from(text.slice(VERSION.length, dot), 'base64url');
    const envelope = text.slice(dot + 1);
    const expected = this.sign(channel, envelope);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad signature';
    // Signed with the secret, so written by a node: a malformed envelope now means a bug, still refused.
    let parsed: unknown;
    try {
      parsed = JSON.parse(envelope);
    } catch {
      return 'bad envelope';
    }
    if (!isEnvelope(parsed)) return 'bad envelope';
    const now = this.now();
    if (Math.abs(now - parsed.t) > SEAL_WINDOW_MS) return 'stale';
    this.prune(now);
    const id = `${parsed.f}\n${parsed.b}`;
    const sender = this.senders.get(id);
    if (sender !== undefined && parsed.n <= sender.last) return 'replayed';
    this.senders.set(id, { last: parsed.n, seenAt: now });
    return { from: parsed.f, payload: parsed.m };
  }

  /**
   * Forget senders silent for twice the window: any replay of theirs carries a timestamp older than one
   * window by then (clocks agreeing within it), so the timestamp check alone refuses it.
   */
  private prune(now: number): void {
    if (now - this.lastPrune < SEAL_WINDOW_MS) return;
    this.lastPrune = now;
    for (const [id, sender] of this.senders) {
      if (now - sender.seenAt > 2 * SEAL_WINDOW_MS) this.senders.delete(id);
    }
  }
}

interface Envelope {
  readonly f: string;
  readonly b: string;
  readonly n: number;
  readonly t: number;
  readonly m: unknown;
}

const ENVELOPE_KEYS = new Set(['f', 'b', 'n', 't', 'm']);

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields);
  if (keys.length !== ENVELOPE_KEYS.size || !keys.every((key) => ENVELOPE_KEYS.has(key))) return false;
  return (
    isNodeId(fields['f']) &&
    typeof fields['b'] === 'string' &&
    fields['b'].length <= 64 &&
    Number.isSafeInteger(fields['n']) &&
    (fields['n'] as number) > 0 &&
    Number.isFinite(fields['t'])
  );
}
