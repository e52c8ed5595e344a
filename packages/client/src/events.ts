/**
 * The `close` event, shaped like the DOM's `CloseEvent` (which Node 20 lacks, hence our own class).
 * `wasClean` is true when the server sent a close frame or the application called `close()`.
 */
export class SockwireCloseEvent extends Event {
  // `declare`: assigned in the constructor, so no field declarations need emitting (they cost the bundle).
  declare readonly code: number;
  declare readonly reason: string;
  declare readonly wasClean: boolean;

  constructor(code: number, reason: string, wasClean: boolean) {
    super('close');
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}
