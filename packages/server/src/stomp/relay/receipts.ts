/**
 * Receipts the relay asked the broker for, by id. The relay's ids replace the client's (which are answered by
 * the client's own session), so they never clash with each other or with a client's.
 */
export class ReceiptTracker {
  private readonly pending = new Map<string, { resolve: () => void; reject: (error: unknown) => void }>();
  private last = 0;

  get size(): number {
    return this.pending.size;
  }

  /** A fresh receipt id and the promise its RECEIPT settles. */
  next(): { id: string; settled: Promise<void> } {
    const id = `r${++this.last}`;
    const settled = new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    return { id, settled };
  }

  /** A RECEIPT arrived; false when nothing waited for it. */
  settle(id: string): boolean {
    const entry = this.pending.get(id);
    if (entry === undefined) return false;
    this.pending.delete(id);
    entry.resolve();
    return true;
  }

  /** The connection is gone: nothing pending will ever be answered. */
  failAll(error: unknown): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) entry.reject(error);
  }
}
