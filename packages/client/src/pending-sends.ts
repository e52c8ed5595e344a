/*
 * Confirmed sends: every SEND of `client.send()` stays here until its RECEIPT arrives, and is sent again after
 * every reconnect until then. Each carries an `x-idempotency-key` that stays the same on every attempt, so the
 * server publishes it (or runs its `/app` handler) once however many times it arrives. Attempts go out in the
 * order the sends were made, so one client's messages keep their order across reconnects.
 */
import type { IFrame, StompHeaders } from '@stomp/stompjs';

export const IDEMPOTENCY_KEY = 'x-idempotency-key';
export const DEFAULT_MAX_PENDING_SENDS = 1000;

/** The server refused a send: an ERROR frame named its receipt (e.g. `Access denied`). Retrying would not help. */
export class StompSendError extends Error {
  /** The ERROR frame's headers (`message`, `receipt-id`, ...) and body (the server's explanation). */
  readonly headers: StompHeaders;
  readonly body: string;

  constructor(frame: IFrame) {
    super(frame.headers.message ?? 'The server refused the send');
    this.name = 'StompSendError';
    this.headers = frame.headers;
    this.body = frame.body;
  }
}

/** One SEND as the application made it, and the receipt of its latest attempt. */
export interface PendingSend {
  readonly destination: string;
  readonly body: string;
  /** The application's headers with the idempotency key. */
  readonly headers: StompHeaders;
  receipt: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Puts one attempt on the wire: SEND with `receipt` (added to the send's headers) and a watch for its RECEIPT.
 * Throws when the connection refuses the frame.
 */
export type TransmitSend = (send: PendingSend, onReceipt: () => void) => void;

export class PendingSends {
  /** Insertion order is send order. */
  private readonly sends = new Set<PendingSend>();
  /** Random per client, so keys do not collide with other clients' (anonymous ones share a key space). */
  private readonly clientId = randomId();
  private sent = 0;
  private attempts = 0;

  constructor(
    private readonly limit: number,
    private readonly transmit: TransmitSend,
  ) {}

  /** Sends awaiting their RECEIPT, whether already on the wire or waiting for a connection. */
  get size(): number {
    return this.sends.size;
  }

  /** Queue a send; put it on the wire at once if `connected` (otherwise the next `resendAll` will). */
  add(destination: string, body: string, headers: StompHeaders, connected: boolean): Promise<void> {
    if (this.sends.size >= this.limit) {
      return Promise.reject(
        new Error(
          `Sockwire STOMP: ${this.sends.size} sends are awaiting confirmation (maxPendingSends: ${this.limit}); this one was not sent`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const send: PendingSend = {
        destination,
        body,
        // The application may bring its own key (to deduplicate across page loads); otherwise one per message.
        headers: {
          ...headers,
          [IDEMPOTENCY_KEY]: headers[IDEMPOTENCY_KEY] ?? `${this.clientId}-${++this.sent}`,
        },
        receipt: '',
        resolve,
        reject,
      };
      this.sends.add(send);
      if (connected) this.attempt(send);
    });
  }

  /** After a (re)connect: every unconfirmed send again, oldest first, with its key and a new receipt. */
  resendAll(): void {
    for (const send of [...this.sends]) this.attempt(send);
  }

  /**
   * An ERROR frame: if its `receipt-id` is a send's latest attempt, that send is rejected for good. Returns
   * whether one was.
   */
  refuse(frame: IFrame): boolean {
    const receipt = frame.headers['receipt-id'];
    if (receipt === undefined) return false;
    for (const send of this.sends) {
      if (send.receipt !== receipt) continue;
      this.sends.delete(send);
      send.reject(new StompSendError(frame));
      return true;
    }
    return false;
  }

  /** Give up on everything still unconfirmed (the client is being deactivated, or stopped for good). */
  rejectAll(error: Error): void {
    const sends = [...this.sends];
    this.sends.clear();
    for (const send of sends) send.reject(error);
  }

  private attempt(send: PendingSend): void {
    send.receipt = `sockwire-send-${++this.attempts}`;
    try {
      this.transmit(send, () => {
        if (this.sends.delete(send)) send.resolve();
      });
    } catch (error) {
      // The socket refused the frame (over maxBufferedAmount): it would refuse it again, so say so now.
      this.sends.delete(send);
      send.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** 96 random bits in hex, from the platform's CSPRNG where there is one. */
function randomId(): string {
  const bytes = new Uint8Array(12);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
