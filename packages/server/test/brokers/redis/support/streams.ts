import type { StreamGap, StreamResume } from '../../../../src/brokers/history.js';
import type { RedisBroker } from '../../../../src/brokers/redis/index.js';
import { recorder } from './nodes.js';

/** A consumer that records deliveries (as `recorder`) and the gaps it is told about, in one timeline. */
export function resumer() {
  const inner = recorder();
  const gaps: StreamGap[] = [];
  /** Deliveries and gaps in the order they came: a gap must come before what follows it. */
  const timeline: (number | StreamGap)[] = [];
  return {
    ...inner,
    gaps,
    timeline,
    deliver(delivery: Parameters<typeof inner.deliver>[0]) {
      timeline.push(delivery.message.offset ?? -1);
      inner.deliver(delivery);
    },
    gap(gap: StreamGap) {
      gaps.push(gap);
      timeline.push(gap);
    },
    offsets: () => inner.got.map((delivery) => delivery.message.offset),
    epochs: () => new Set(inner.got.map((delivery) => delivery.message.epoch)),
  };
}

/** `x-stream-offset: offset=<n>` with its epoch, as ConsumeOptions.resume. */
export function fromOffset(offset: number, epoch?: string): StreamResume {
  return epoch === undefined
    ? { start: { kind: 'offset', offset } }
    : { start: { kind: 'offset', offset }, epoch };
}

/** [from, from + 1, ..., to - 1] */
export function span(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** Resolves once `node` can subscribe again (its subscriber connection is back too); fails after 10 s. */
export async function untilSubscribable(node: RedisBroker): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const handle = await node
      .subscribe('/topic/probe', resumer(), { manualAck: false })
      .catch((error: unknown) => {
        if (Date.now() > deadline) throw error;
        return undefined;
      });
    if (handle !== undefined) return handle.cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
