import { httpTransport } from './http.js';

/**
 * SockJS over EventSource: `GET <session>/eventsource`, one `data:` event per frame. Some proxies that buffer
 * other responses pass `text/event-stream` through, which is why it comes between streaming and polling.
 *
 * The native EventSource reconnects by itself when a response ends; SockJS wants the session's next
 * receiving request instead, so every error ends this request and the receive loop decides what follows.
 */
export const EventSourceTransport = /* @__PURE__ */ httpTransport(
  'eventsource',
  (env) => !!env.EventSource,
  (context, sink) => {
    const Ctor = context.env.EventSource as NonNullable<typeof context.env.EventSource>;
    const source = new Ctor(context.url('eventsource'), {
      withCredentials: context.credentials === 'include',
    });
    const stop = (): void => {
      source.onmessage = source.onerror = null;
      source.close();
    };
    source.onmessage = ({ data }: { data: string }) => sink.frame(data);
    source.onerror = () => {
      stop();
      sink.end();
    };
    return stop;
  },
);
