import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BrokerMessage, StreamPosition } from '../broker.js';
import { planResume, type StreamGap, type StreamResume } from '../history.js';
import { decodeHistoryReply, integers } from './codec.js';
import { HISTORY_STATS, PUBLISH_KEPT, READ_HISTORY } from './history-scripts.js';
import type { ResolvedRedisBrokerOptions } from './options.js';
import { runScript } from './scripts.js';

/** What a subscription to a destination with history starts with. */
export interface HistoryRead {
  /** Where live delivery starts (always with an epoch): messages of it below `next` are replayed or not wanted. */
  readonly position: StreamPosition;
  /** Told to the consumer before the replay, when the resume cannot be served in full. */
  readonly gap: StreamGap | undefined;
  /** The retained messages the resume replays, oldest first, ending just below `position.next`. */
  readonly messages: readonly BrokerMessage[];
}

/**
 * Topic history in Redis (history-scripts.ts): publishes that number and keep their messages, and the atomic
 * read a subscription starts from. Everything lives in Redis, so any node serves any resume, and a node that
 * goes away takes nothing with it.
 */
export class RedisHistory {
  /** Messages replayed to subscribers of this node. */
  replayed = 0;
  /** Sampled by `sample()`: destinations with history and bytes retained, across the whole Redis. */
  destinations = 0;
  bytes = 0;
  private readonly command: Redis;
  private readonly settings: ResolvedRedisBrokerOptions;
  /** Epoch candidates: unique to this node (time and random) and to each call (serial). */
  private readonly nonce = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  private serial = 0;

  constructor(command: Redis, settings: ResolvedRedisBrokerOptions) {
    this.command = command;
    this.settings = settings;
  }

  /** Whether `destination` (a topic-like one) keeps history. */
  keeps(destination: string): boolean {
    return this.settings.history.limitsFor(destination) !== undefined;
  }

  /** Publish to a destination that keeps history; returns the message id. */
  async publish(destination: string, headers: string, body: string): Promise<string> {
    const { keys, history } = this.settings;
    const limits = this.limits(destination);
    const reply = await runScript(
      this.command,
      PUBLISH_KEPT,
      [...this.shared(), keys.ids, keys.history(destination), keys.historyMeta(destination)],
      [
        ...this.prefixes(),
        keys.channel(destination),
        headers,
        body,
        destination,
        limits.size,
        limits.ttlMs,
        this.clock(),
        this.candidateEpoch(),
        history.maxDestinations,
        history.maxBytes,
      ],
    );
    const id: unknown = Array.isArray(reply) ? reply[0] : undefined;
    if (typeof id !== 'string' && typeof id !== 'number') throw new Error(`unexpected publish reply ${id}`);
    return String(id);
  }

  /**
   * Where a subscription starts, and what it replays: `resume` undefined is live only (the position still
   * says where that is). One atomic script, so the range, the epoch and the entries agree; it creates the
   * destination's epoch if it has none, so that every subscriber learns one.
   */
  async read(destination: string, resume: StreamResume | undefined): Promise<HistoryRead> {
    const { keys } = this.settings;
    const start = resume?.start ?? { kind: 'next' as const };
    const reply = await runScript(
      this.command,
      READ_HISTORY,
      [...this.shared(), keys.history(destination), keys.historyMeta(destination)],
      [
        ...this.prefixes(),
        this.clock(),
        this.limits(destination).ttlMs,
        resume?.epoch ?? '',
        start.kind,
        start.kind === 'offset' ? start.offset : 0,
        this.candidateEpoch(),
        destination,
      ],
    );
    const { epoch, first, next, messages } = decodeHistoryReply(destination, reply);
    const plan =
      resume === undefined ? { from: next, gap: undefined } : planResume(resume, { first, next, epoch });
    // The script chose what to read by the same rule (history-scripts.ts); a disagreement would be a silent gap.
    if (messages.length !== next - plan.from || (messages.length > 0 && messages[0]?.offset !== plan.from)) {
      throw new Error(
        `the history of ${destination} read ${messages.length} message(s), the plan wants [${plan.from}, ${next})`,
      );
    }
    return { position: { next, epoch }, gap: plan.gap, messages };
  }

  /** Refresh `destinations` and `bytes` (the janitor calls it every round; failures are the janitor's). */
  async sample(): Promise<void> {
    const reply = await runScript(this.command, HISTORY_STATS, this.shared(), [
      ...this.prefixes(),
      this.clock(),
    ]);
    [this.destinations = 0, this.bytes = 0] = integers(reply, 2);
  }

  private limits(destination: string): { readonly size: number; readonly ttlMs: number } {
    const limits = this.settings.history.limitsFor(destination);
    if (limits === undefined) throw new Error(`${destination} keeps no history`);
    return limits;
  }

  /** The keys every history script gets first: index, sizes, total (history-scripts.ts). */
  private shared(): string[] {
    const { keys } = this.settings;
    return [keys.historyIndex, keys.historySizes, keys.historyBytes];
  }

  /** The arguments every history script gets first: the two key prefixes, to reach other destinations. */
  private prefixes(): string[] {
    const { keys } = this.settings;
    return [keys.history(''), keys.historyMeta('')];
  }

  /** An epoch for a destination that needs a new one; the script uses it only then, atomically. */
  private candidateEpoch(): string {
    return `${this.nonce}-${(++this.serial).toString(36)}`;
  }

  private clock(): string {
    const { now } = this.settings;
    return now === undefined ? '' : String(Math.floor(now()));
  }
}

/** The gap of a resume from a destination that keeps no history at all (a queue, or history off there). */
export function noHistoryGap(resume: StreamResume | undefined): StreamGap | undefined {
  if (resume === undefined || resume.start.kind === 'next') return undefined;
  const requested = resume.start.kind === 'offset' ? resume.start.offset : undefined;
  return { reason: 'no-history', requested, resumedAt: undefined, epoch: undefined };
}
