import type { MaybePromise } from '../../brokers/broker.js';

/**
 * Processes frames strictly one after another. A step that returns a promise (an async hook, a broker
 * round trip) holds back every later frame until it settles: STOMP's RECEIPT promises that all earlier frames
 * were processed, and a SEND must never overtake the SUBSCRIBE before it. Synchronous steps run without
 * touching a promise.
 */
export class SerialInbox<T> {
  private readonly queue: T[] = [];
  private busy = false;
  private stopped = false;
  private readonly step: (item: T) => MaybePromise<void>;
  private readonly onError: (error: unknown) => void;
  private readonly maxPending: number;

  constructor(step: (item: T) => MaybePromise<void>, onError: (error: unknown) => void, maxPending: number) {
    this.step = step;
    this.onError = onError;
    this.maxPending = maxPending;
  }

  /** False when the backlog is full (the caller ends the session). */
  push(item: T): boolean {
    if (this.stopped) return true;
    if (this.queue.length >= this.maxPending) return false;
    this.queue.push(item);
    if (!this.busy) this.run();
    return true;
  }

  /** Drop the backlog and ignore whatever comes later (after an ERROR or DISCONNECT). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private run(): void {
    this.busy = true;
    while (this.queue.length > 0 && !this.stopped) {
      const item = this.queue.shift() as T;
      let result: MaybePromise<void>;
      try {
        result = this.step(item);
      } catch (error) {
        this.onError(error);
        continue;
      }
      if (result instanceof Promise) {
        result.then(
          () => this.run(),
          (error: unknown) => {
            this.onError(error);
            this.run();
          },
        );
        return;
      }
    }
    this.busy = false;
  }
}
