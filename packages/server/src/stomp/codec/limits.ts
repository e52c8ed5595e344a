/**
 * Size limits on inbound frames. Sized for chat-like traffic: a message body of up to 64 KiB (Spring's
 * default `messageSizeLimit`), room for a few kilobytes of bearer token in a CONNECT header, and more headers
 * than any client sends. All are checked while a frame is still arriving, so a frame split across many
 * transport messages cannot grow past them either.
 */
export interface StompLimits {
  /** Headers per frame. Default 64. */
  readonly maxHeaders: number;
  /** Characters (UTF-16 code units) in one header line, `name:value`, EOL excluded. Default 8192. */
  readonly maxHeaderLineLength: number;
  /** Octets (UTF-8) in one frame's body. Default 65 536. */
  readonly maxBodyBytes: number;
}

export const DEFAULT_LIMITS: StompLimits = {
  maxHeaders: 64,
  maxHeaderLineLength: 8192,
  maxBodyBytes: 64 * 1024,
};

export function resolveLimits(limits: Partial<StompLimits> | undefined): StompLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new TypeError(`Sockwire STOMP: limits.${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}
