import { Parser } from '@stomp/stompjs';
import { bench, describe } from 'vitest';
import { StompParser, utf8ByteLength } from '../../../src/stomp/index.js';

/**
 * Our parser against @stomp/stompjs's exported Parser on the traffic a chat server reads:
 *   npx vitest bench packages/server/test/stomp/bench
 * stompjs's Parser has no size limits and trims header values, so it is not a drop-in; this measures
 * whether it would have been worth adapting.
 */
const counted = (head: string, body: string) => `${head}content-length:${utf8ByteLength(body)}\n\n${body}\0`;
const chat = counted(
  'SEND\ndestination:/app/rooms/42/send\ncontent-type:application/json\n',
  '{"text":"hello everyone, how is it going today? 👋","at":1700000000000}',
);
const chatAscii = `SEND\ndestination:/topic/chat\nx-user:alice\n\n${'a'.repeat(120)}\0`;
const eightK = counted('SEND\ndestination:/topic/big\n', 'x'.repeat(8192));
const batch = chat.repeat(10);
const big = counted('SEND\ndestination:/topic/big\n', 'é'.repeat(30_720));
const pieces: string[] = [];
for (let i = 0; i < big.length; i += 1024) pieces.push(big.slice(i, i + 1024));

let sink = 0;
const ours = new StompParser({
  onFrame: (frame) => {
    sink += frame.body.length;
  },
  limits: { maxHeaders: 64, maxHeaderLineLength: 8192, maxBodyBytes: 1 << 20 },
});
const theirs = new Parser(
  (frame) => {
    sink += frame.binaryBody?.length ?? 0;
  },
  () => {},
);

for (const [name, chunks] of [
  ['chat SEND, JSON with emoji and content-length', [chat]],
  ['chat SEND, ASCII without content-length', [chatAscii]],
  ['8 KiB body', [eightK]],
  ['10 frames in one message', [batch]],
  ['60 KiB frame split into 1 KiB messages', pieces],
] as const) {
  describe(name, () => {
    bench('sockwire StompParser', () => {
      for (const chunk of chunks) ours.push(chunk);
    });
    bench('@stomp/stompjs Parser', () => {
      for (const chunk of chunks) theirs.parseChunk(chunk);
    });
  });
}

export { sink };
