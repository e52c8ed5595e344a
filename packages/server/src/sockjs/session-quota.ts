import type { Refusal } from './session-binding.js';

/**
 * How many sessions a server holds, in all and per client address, against `maxSessions` and
 * `maxSessionsPerAddress`. A session is held from its creation (an HTTP session id, a WebSocket) until the
 * server forgets it; releasing twice is harmless, because a session can be forgotten by more than one path.
 */
export class SessionQuota<Holder extends object> {
  private readonly holders = new Map<Holder, string>();
  private readonly perAddress = new Map<string, number>();
  private readonly limits: { readonly maxSessions: number; readonly maxSessionsPerAddress: number };

  constructor(limits: { readonly maxSessions: number; readonly maxSessionsPerAddress: number }) {
    this.limits = limits;
  }

  /** Sessions held now. */
  get size(): number {
    return this.holders.size;
  }

  /** Null when a new session from `address` fits; the refusal (naming the limit) otherwise. */
  refusal(address: string): Refusal | null {
    const { maxSessions, maxSessionsPerAddress } = this.limits;
    if (this.holders.size >= maxSessions) {
      return {
        status: 503,
        message: `Sockwire: this server holds its maximum of ${maxSessions} sessions (maxSessions); retry later.\n`,
      };
    }
    if ((this.perAddress.get(address) ?? 0) >= maxSessionsPerAddress) {
      return {
        status: 429,
        message:
          `Sockwire: this client address holds its maximum of ${maxSessionsPerAddress} sessions ` +
          `(maxSessionsPerAddress); close some first. Behind a proxy, see the clientAddress option.\n`,
      };
    }
    return null;
  }

  hold(holder: Holder, address: string): void {
    if (this.holders.has(holder)) return;
    this.holders.set(holder, address);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
  }

  release(holder: Holder): void {
    const address = this.holders.get(holder);
    if (address === undefined) return;
    this.holders.delete(holder);
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left === 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
  }
}
