/**
 * Who holds which nickname. There are no accounts: the page makes a random key once, keeps it in
 * localStorage, and sends it as the CONNECT `passcode`. The first key to use a nickname holds it while any
 * session of that user is open, so
 *   - a second person picking a nickname in use is refused (instead of reading the first one's messages),
 *   - the holder's other tabs and its reconnects (which may overlap the old session for a few seconds on the
 *     HTTP transports) are let in, since they bring the same key.
 * Names compare case-insensitively, so "Bob" cannot pass for "bob" in the member list.
 */
export class Nicknames {
  private readonly holders = new Map<string, { readonly name: string; readonly key: string }>();
  private readonly isOnline: (name: string) => boolean;

  /** `isOnline(name)`: whether the user has an open session (the broker's `userSessions(name).length > 0`). */
  constructor(isOnline: (name: string) => boolean) {
    this.isOnline = isOnline;
  }

  /** Takes `name` for `key`; returns false when someone else holds it now. */
  claim(name: string, key: string): boolean {
    const id = name.toLowerCase();
    const holder = this.holders.get(id);
    // A hold whose user has no session left is stale (e.g. its connection dropped during CONNECT).
    if (holder !== undefined && holder.key !== key && this.isOnline(holder.name)) return false;
    this.holders.set(id, { name, key });
    return true;
  }

  /** The user's last session ended: the name is free again. */
  release(name: string): void {
    if (!this.isOnline(name)) this.holders.delete(name.toLowerCase());
  }
}
