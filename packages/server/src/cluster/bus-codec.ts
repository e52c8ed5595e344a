import { DropLog, type DropStats } from './drop-log.js';
import { MessageSeal } from './message-seal.js';
import { checkNodeMessage, isNodeId, MAX_DATA } from './message-shape.js';
import type { NodeMessage } from './session-bus.js';

/**
 * The bytes a bus publishes and what it makes of the bytes it receives. Everything received is treated as
 * untrusted until proven otherwise: bounded in size before parsing, checked against the secret when there is
 * one, then checked for its exact shape. What fails is dropped and counted, never thrown, so that nothing
 * published on the Redis server can take a node down.
 */
export class BusCodec {
  private readonly seal: MessageSeal | null;
  private readonly drops: DropLog;

  constructor(nodeId: string, secret: string | Buffer | undefined, log: (message: string) => void) {
    this.seal = secret === undefined ? null : new MessageSeal(secret, nodeId);
    this.drops = new DropLog(log);
  }

  /** Without a secret the wire format is what it always was: a NodeMessage's JSON, a lost node's id. */
  encodeMessage(channel: string, message: NodeMessage): string {
    return this.seal === null ? JSON.stringify(message) : this.seal.seal(channel, message);
  }

  encodeLost(channel: string, node: string): string {
    return this.seal === null ? node : this.seal.seal(channel, node);
  }

  /** A message for this node, or null when it was dropped. */
  decodeMessage(channel: string, text: string): NodeMessage | null {
    const opened = this.open(channel, text);
    if (opened === null) return null;
    let payload = opened.payload;
    if (this.seal === null) {
      try {
        payload = JSON.parse(text);
      } catch {
        return this.drop(channel, 'not JSON');
      }
    }
    const message = checkNodeMessage(payload);
    if (typeof message === 'string') return this.drop(channel, message);
    // The secret does not tell nodes apart, but a node claiming one id in the envelope and another in the
    // message is not one of ours.
    if (opened.from !== null && 'from' in message && message.from !== opened.from) {
      return this.drop(channel, 'sender mismatch');
    }
    return message;
  }

  /** The id of a node announced dead, or null when the announcement was dropped. */
  decodeLost(channel: string, text: string): string | null {
    const opened = this.open(channel, text);
    if (opened === null) return null;
    const node = this.seal === null ? text : opened.payload;
    return isNodeId(node) ? (node as string) : this.drop(channel, 'lost: not a node id');
  }

  /** Something delivered a valid message and then failed on it: counted with the refusals. */
  failed(channel: string): void {
    this.drops.drop(channel, 'handler failed');
  }

  stats(): DropStats {
    return this.drops.stats();
  }

  /** Size and signature checks, common to every channel; `from` is null without a secret. */
  private open(channel: string, text: string): { from: string | null; payload: unknown } | null {
    if (text.length > MAX_DATA) return this.drop(channel, 'too large');
    if (this.seal === null) return { from: null, payload: undefined };
    const opened = this.seal.open(channel, text);
    return typeof opened === 'string' ? this.drop(channel, opened) : opened;
  }

  private drop(channel: string, reason: string): null {
    this.drops.drop(channel, reason);
    return null;
  }
}
