/** Something holding output to send once the current tick's writes are done. */
export interface Flushable {
  flush(): void;
}

/**
 * The sessions of one server written to in this tick. One microtask flushes them all: a broadcast to N
 * sessions costs one microtask, not N. Each server owns its batch (servers in one process share nothing).
 */
export class FlushBatch {
  private pending: Flushable[] = [];

  /** Flush `item` at the end of this tick; the caller adds each item at most once per tick. */
  add(item: Flushable): void {
    if (this.pending.push(item) === 1) queueMicrotask(this.flushAll);
  }

  private readonly flushAll = (): void => {
    const items = this.pending;
    this.pending = [];
    for (const item of items) {
      try {
        item.flush();
      } catch (error) {
        // An application listener threw (a 'drain' or 'close' handler): the other sessions still get
        // their frames, and the error is thrown as it would have been from a microtask of its own.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };
}
