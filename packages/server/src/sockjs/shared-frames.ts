import { quote } from '@sockwire/protocol';

/*
 * Work a broadcast shares between sessions. An application (or the broker's fan-out) writes one message to many
 * sessions in a row, and they flush the same messages in the same tick: each piece below remembers its last
 * result, so the quoting and the frame are made once, and every other session gets them by an identity check.
 * Frame sinks do the same with the frame's encoded bytes (transports/websocket.ts, http-frame-sink.ts).
 */

/** The last message quoted. One object, updated in place: nothing is allocated per message. */
const lastQuoted = {
  text: '',
  /** The message as JSON, with the protocol's escapes. */
  json: '""',
  /** What the client will receive of it, in UTF-8 bytes: the quotes and escapes are framing, not counted. */
  bytes: 0,
};

/** `text` quoted for a server frame, and its size; a message quoted just before is not quoted again. */
export function quoteOnce(text: string): Readonly<typeof lastQuoted> {
  if (text !== lastQuoted.text) {
    lastQuoted.text = text;
    lastQuoted.json = quote(text);
    lastQuoted.bytes = Buffer.byteLength(text);
  }
  return lastQuoted;
}

let lastFrameMessages: readonly string[] = [];
let lastMessagesFrame = '';

/**
 * The `a[...]` frame of quoted messages; the same messages as the last call's give the same string. Callers
 * must not change an array after passing it (sessions start a new queue after each flush).
 */
export function messagesFrame(quoted: readonly string[]): string {
  let same = quoted.length === lastFrameMessages.length;
  for (let i = 0; same && i < quoted.length; i++) same = quoted[i] === lastFrameMessages[i];
  if (!same) {
    lastFrameMessages = quoted;
    lastMessagesFrame = quoted.length === 1 ? `a[${quoted[0]}]` : `a[${quoted.join(',')}]`;
  }
  return lastMessagesFrame;
}
