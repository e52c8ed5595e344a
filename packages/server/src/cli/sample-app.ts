import { message } from '../stomp/handlers.js';
import type { StompBroker } from '../stomp/stomp-broker.js';

/*
 * `sockwire serve`'s sample application handler, so that the client README's STOMP example (a SEND to
 * `/app/rooms/lobby/send`, a subscription to `/topic/rooms/lobby`) runs as written. Turned off with
 * `--no-sample-app`; any other `/app` destination gets the usual ERROR "No handler".
 */

/** Under the default application prefix, `/app`: the destination clients SEND to. */
const PATTERN = '/rooms/{room}/send';
const TOPIC = '/topic/rooms/{room}';

/** The line `sockwire serve` prints about it. */
export const SAMPLE_APP_SUMMARY = 'SEND /app/rooms/<room>/send -> /topic/rooms/<room>';

/**
 * A SEND to `/app/rooms/<room>/send` is published to `/topic/rooms/<room>`, its body and `content-type`
 * kept. A session with a principal (an `authenticate` hook: the CLI has none) is named in `user-name`, as
 * CONNECTED names it; nothing else about the sender is passed on (a session's id is not the other
 * subscribers' business). Returns the function that removes the handler.
 */
export function installSampleApp(broker: StompBroker): () => void {
  return broker.onMessage(
    PATTERN,
    (context) => {
      const headers: Array<[string, string]> = [];
      const type = context.header('content-type');
      if (type !== undefined) headers.push(['content-type', type]);
      const user = context.session.principal?.name;
      if (user !== undefined) headers.push(['user-name', user]);
      return message(context.body, headers);
    },
    { sendTo: TOPIC },
  );
}
