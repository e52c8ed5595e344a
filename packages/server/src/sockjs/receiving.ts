import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CloseCode,
  EVENTSOURCE_PRELUDE,
  encodeClose,
  eventSourceFrame,
  htmlfileFrame,
  htmlfilePrelude,
  jsonpFrame,
  XHR_STREAMING_PRELUDE,
  xhrFrame,
} from '@sockwire/protocol';
import type { TransportName } from '../connection.js';
import { requestInfo, sendRefusal, sendText, sessionHeaders } from './http.js';
import { HttpFrameSink } from './http-frame-sink.js';
import type { SockjsService } from './service.js';

/** What a client hears when its session's node died with it. */
export const LOST_FRAME = encodeClose(CloseCode.GOING_AWAY, 'Session lost with its server');

/**
 * The HTTP transports that receive frames, described as data: what a receiving request needs in order to be
 * answered, whichever node ends up serving its session. `callback` is the validated `c` parameter of
 * htmlfile and JSONP.
 */
export interface ReceivingRequest {
  readonly transport: HttpReceivingTransport;
  readonly callback?: string;
}

export type HttpReceivingTransport = Extract<
  TransportName,
  'xhr-polling' | 'xhr-streaming' | 'eventsource' | 'htmlfile' | 'jsonp-polling'
>;

interface ReceivingSpec {
  readonly contentType: string;
  /** Streaming responses carry frames until the response limit; polling responses carry one. */
  readonly streaming: boolean;
  prelude(callback: string): string;
  frame(callback: string): (frame: string) => string;
}

const none = () => '';

const SPECS: Readonly<Record<HttpReceivingTransport, ReceivingSpec>> = {
  'xhr-polling': {
    contentType: 'application/javascript; charset=UTF-8',
    streaming: false,
    prelude: none,
    frame: () => xhrFrame,
  },
  'xhr-streaming': {
    contentType: 'application/javascript; charset=UTF-8',
    streaming: true,
    prelude: () => XHR_STREAMING_PRELUDE,
    frame: () => xhrFrame,
  },
  // No charset parameter: the protocol suite compares the bare type, and event streams are always UTF-8.
  eventsource: {
    contentType: 'text/event-stream',
    streaming: true,
    prelude: () => EVENTSOURCE_PRELUDE,
    frame: () => eventSourceFrame,
  },
  htmlfile: {
    contentType: 'text/html; charset=UTF-8',
    streaming: true,
    prelude: htmlfilePrelude,
    frame: () => htmlfileFrame,
  },
  'jsonp-polling': {
    contentType: 'application/javascript; charset=UTF-8',
    streaming: false,
    prelude: none,
    frame: (callback) => (frame) => jsonpFrame(callback, frame),
  },
};

export function receivingSpec(request: ReceivingRequest): {
  contentType: string;
  streaming: boolean;
  prelude: string;
  frame: (frame: string) => string;
} {
  const spec = SPECS[request.transport];
  const callback = request.callback ?? '';
  return {
    contentType: spec.contentType,
    streaming: spec.streaming,
    prelude: spec.prelude(callback),
    frame: spec.frame(callback),
  };
}

/**
 * Answer a receiving request: headers, prelude, then attach it to its session (created by this request if
 * the id is new) as a sink that frames and limits what it carries. In a cluster the session may live on
 * another node: then this node writes the headers and prelude and forwards the rest.
 */
export function serveReceiving(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  receiving: ReceivingRequest,
): void {
  const { forwarder } = service;
  if (forwarder === null) {
    serveLocally(service, request, response, sessionId, receiving);
    return;
  }
  forwarder.route(sessionId, true).then(
    (route) => {
      // The client may have left while the cluster was asked.
      if (response.destroyed || response.writableEnded) return;
      if (route.kind === 'local') {
        serveLocally(service, request, response, sessionId, receiving);
        return;
      }
      const spec = receivingSpec(receiving);
      response.writeHead(200, sessionHeaders(service.options, request, response, spec.contentType));
      if (spec.prelude !== '') response.write(spec.prelude);
      if (route.kind === 'remote') {
        forwarder.forwardReceiving(route.node, sessionId, requestInfo(request), response, receiving);
      } else {
        // Its node died with it: say so, so that the client opens a new session.
        response.end(spec.frame(LOST_FRAME));
      }
    },
    (error: unknown) => {
      service.options.log('error', `cluster lookup for a session failed: ${(error as Error).message}`);
      sendText(response, 503, 'Sockwire: the cluster could not be reached; retry shortly.\n');
    },
  );
}

function serveLocally(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  receiving: ReceivingRequest,
): void {
  const session = service.openSession(sessionId, receiving.transport, requestInfo(request));
  if ('status' in session) {
    sendRefusal(service.options, request, response, session);
    return;
  }
  const spec = receivingSpec(receiving);
  const headers = sessionHeaders(service.options, request, response, spec.contentType);
  const { timers } = service.options;
  if (spec.streaming) {
    response.writeHead(200, headers);
    if (spec.prelude !== '') response.write(spec.prelude);
    session.attach(
      new HttpFrameSink(receiving.transport, response, spec.frame, service.options.responseLimit, timers),
    );
    return;
  }
  // A poll's head waits for its frame, to go out with it and its length in one write.
  const head = (contentLength: number): void => {
    headers['Content-Length'] = contentLength;
    response.writeHead(200, headers);
  };
  session.attach(new HttpFrameSink(receiving.transport, response, spec.frame, 0, timers, head));
}
