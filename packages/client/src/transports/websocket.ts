import { ABNORMAL, PROTOCOL_ERROR } from '../close-codes.js';
import type { TransportFactory } from './transport.js';

/** SockJS over a native WebSocket: `<base>/<server>/<session>/websocket`, one SockJS frame per message. */
export const WebSocketTransport: TransportFactory = {
  transportName: 'websocket',
  heartbeatsOptional: true,
  enabled: (env, info) => !!env.WebSocket && info.websocket,
  open({ env, url }, listener) {
    const Ctor = env.WebSocket as NonNullable<typeof env.WebSocket>;
    const ws = new Ctor(url('websocket').replace(/^http/, 'ws'));
    const detach = (): void => {
      ws.onmessage = ws.onclose = null;
      // `ws` (Node) raises an error event when a connecting socket is closed, and throws it if nobody listens.
      ws.onerror = () => {};
    };
    ws.onerror = () => {}; // a close event always follows; it carries what we need
    ws.onmessage = ({ data }: { data: unknown }) => {
      if (typeof data === 'string') {
        listener.frame(data);
      } else {
        detach();
        ws.close();
        listener.close(PROTOCOL_ERROR, 'Binary message: SockJS sends text only');
      }
    };
    ws.onclose = ({ code, reason }: { code: number; reason: string }) => {
      detach();
      // 1005 means the close frame had no status: to us that is the same as no close frame at all.
      listener.close(code === 1005 ? ABNORMAL : code, reason || 'WebSocket connection broken');
    };
    return {
      // SockJS wants a JSON array per message; batching buys nothing on a socket that is already framed.
      send: (quoted) => ws.send('[' + quoted + ']'),
      buffered: () => ws.bufferedAmount,
      close() {
        detach();
        ws.close();
      },
    };
  },
};
