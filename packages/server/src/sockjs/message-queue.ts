import { messagesFrame, quoteOnce } from './shared-frames.js';

/**
 * A session's outbound messages between flushes. They are quoted as they are written, so a flush only joins
 * them into one `a[...]` frame; a broadcast is quoted once for all sessions (shared-frames.ts).
 */
export class MessageQueue {
  private messages: string[] = [];
  private queuedBytes = 0;

  /** UTF-8 bytes of the messages queued (the quotes and escapes are framing, not counted). */
  get bytes(): number {
    return this.queuedBytes;
  }

  get isEmpty(): boolean {
    return this.messages.length === 0;
  }

  /** Queue `message`; returns the bytes now queued. */
  push(message: string): number {
    const quoted = quoteOnce(message);
    this.messages.push(quoted.json);
    this.queuedBytes += quoted.bytes;
    return this.queuedBytes;
  }

  /** The frame carrying every message queued, which leaves the queue empty. */
  takeFrame(): string {
    const frame = messagesFrame(this.messages);
    this.clear();
    return frame;
  }

  /** Drop what is queued. A new array, never cleared in place: `messagesFrame` keeps the last one to compare. */
  clear(): void {
    this.messages = [];
    this.queuedBytes = 0;
  }
}
