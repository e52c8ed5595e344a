import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { CloseCode, encodeClose } from '@sockwire/protocol';
import type { ForwardedRequest, NodeMessage, SessionBus } from '../cluster/session-bus.js';
import type { Timers } from '../timers.js';
import { HttpFrameSink } from './http-frame-sink.js';
import { LOST_FRAME, type ReceivingRequest, receivingSpec } from './receiving.js';
import { RemoteResponse } from './remote-response.js';
import type { Session } from './session.js';
import { checkBinding, type Presented, type Refusal } from './session-binding.js';

/** Where a request for a session must be served. */
export type Route =
  | { readonly kind: 'local' }
  | { readonly kind: 'remote'; readonly node: string }
  | { readonly kind: 'lost' };

/** What the forwarder needs from the server it belongs to. */
export interface ForwardingHost {
  readonly timers: Timers;
  readonly heartbeatDelay: number;
  readonly responseLimit: number;
  findSession(sessionId: string): Session | undefined;
  openSession(
    sessionId: string,
    transport: ReceivingRequest['transport'],
    request: ForwardedRequest,
  ): Session | Refusal;
  log(severity: 'debug' | 'info' | 'error', message: string): void;
}

/** How long a forwarded send waits for the owner's answer before the client is told 503. */
const SEND_TIMEOUT_MS = 10_000;

interface ForwardedReceiving {
  readonly response: ServerResponse;
  readonly owner: string;
  /** The transport's framing, to tell the client itself if the owner dies. */
  readonly frame: (frame: string) => string;
  timer: unknown;
}

/**
 * Both halves of cross-node serving. On the node that received the HTTP request (the edge) it forwards and
 * copies bytes into the real response; on the session's owner it attaches a RemoteResponse-backed sink
 * and takes forwarded sends. One instance per server, fed every message the bus delivers to this node.
 */
export class SessionForwarder {
  private readonly bus: SessionBus;
  private readonly host: ForwardingHost;
  private nextRequest = 0;
  /** Request ids must not repeat when a node restarts under the same id while old messages are in flight. */
  private readonly instance = randomBytes(6).toString('base64url');
  /** Edge: forwarded receiving requests by request id. */
  private readonly receiving = new Map<string, ForwardedReceiving>();
  /** Edge: sends waiting for the owner's status. */
  private readonly sends = new Map<string, { resolve: (status: number) => void; timer: unknown }>();
  /** Owner: stand-in responses by request id. */
  private readonly remote = new Map<string, RemoteResponse>();

  constructor(bus: SessionBus, host: ForwardingHost) {
    this.bus = bus;
    this.host = host;
  }

  /** Find where a session lives; a new id is claimed by this node. */
  async route(sessionId: string, creating: boolean): Promise<Route> {
    if (this.host.findSession(sessionId) !== undefined) return { kind: 'local' };
    const location = await this.bus.locate(sessionId);
    if (location.kind === 'lost') return { kind: 'lost' };
    if (location.kind === 'node') {
      return location.node === this.bus.nodeId ? { kind: 'local' } : { kind: 'remote', node: location.node };
    }
    if (!creating) return { kind: 'local' };
    const owner = await this.bus.claim(sessionId);
    return owner === this.bus.nodeId ? { kind: 'local' } : { kind: 'remote', node: owner };
  }

  // ---- edge side -------------------------------------------------------------------------------

  /** Forward a receiving request whose headers and prelude this node has already written. */
  forwardReceiving(
    owner: string,
    sessionId: string,
    request: ForwardedRequest,
    response: ServerResponse,
    receiving: ReceivingRequest,
  ): void {
    const req = `${this.bus.nodeId}:${this.instance}:${++this.nextRequest}`;
    const entry: ForwardedReceiving = { response, owner, frame: receivingSpec(receiving).frame, timer: null };
    this.receiving.set(req, entry);
    this.watchOwner(req, entry);
    response.on('close', () => {
      if (!this.receiving.delete(req)) return;
      this.host.timers.clearTimeout(entry.timer);
      if (!response.writableFinished) this.bus.send(owner, { t: 'abort', req });
    });
    this.bus.send(owner, {
      t: 'attach',
      req,
      from: this.bus.nodeId,
      sid: sessionId,
      transport: receiving.transport,
      ...(receiving.callback === undefined ? {} : { callback: receiving.callback }),
      request: {
        headers: request.headers,
        url: request.url,
        remoteAddress: request.remoteAddress,
        remotePort: request.remotePort,
      },
    });
  }

  /**
   * The owner sends at least a heartbeat every heartbeatDelay to an attached sink; twice that in silence
   * means it is gone, and the client had better come back (and learn the session is lost) than wait forever.
   */
  private watchOwner(req: string, entry: ForwardedReceiving): void {
    this.host.timers.clearTimeout(entry.timer);
    entry.timer = this.host.timers.setTimeout(
      () => {
        if (!this.receiving.delete(req)) return;
        this.host.log('info', `forwarded request ${req}: no word from node ${entry.owner}, ending it`);
        entry.response.end();
      },
      this.host.heartbeatDelay * 2 + 1000,
    );
  }

  /**
   * Forward a send with what its request presented (session-binding.ts); resolves with the status to answer
   * (204, 403, 404, or 503 when the owner does not answer).
   */
  forwardSend(owner: string, sessionId: string, messages: string[], presented: Presented): Promise<number> {
    const req = `${this.bus.nodeId}:${this.instance}:${++this.nextRequest}`;
    return new Promise((resolve) => {
      const timer = this.host.timers.setTimeout(() => {
        this.sends.delete(req);
        resolve(503);
      }, SEND_TIMEOUT_MS);
      this.sends.set(req, { resolve, timer });
      this.bus.send(owner, {
        t: 'send',
        req,
        from: this.bus.nodeId,
        sid: sessionId,
        messages,
        ...(presented.key === null ? {} : { key: presented.key }),
        ...(presented.owner === null ? {} : { owner: presented.owner }),
      });
    });
  }

  /** Another node died: its forwarded receiving requests hear at once that their session is lost. */
  nodeLost(node: string): void {
    for (const [req, entry] of this.receiving) {
      if (entry.owner !== node) continue;
      this.receiving.delete(req);
      this.host.timers.clearTimeout(entry.timer);
      entry.response.end(entry.frame(LOST_FRAME));
    }
  }

  // ---- both sides: what the bus delivers -------------------------------------------------------

  handle(message: NodeMessage): void {
    switch (message.t) {
      case 'attach':
        this.attachRemote(message);
        return;
      case 'send': {
        const session = this.host.findSession(message.sid);
        const found = session !== undefined && !session.isClosed;
        const presented = { key: message.key ?? null, owner: message.owner ?? null };
        const refused = found && checkBinding(session.binding, presented) !== null;
        const taken = found && !refused;
        try {
          if (taken) session.receive(message.messages);
        } catch (error) {
          // An application 'data' listener threw. The messages were taken (as on a local send, whose client
          // is answered first); the error must not reach the bus, which would count it as a bad message.
          this.host.log('error', `forwarded send: ${(error as Error).message}`);
        }
        const status = taken ? 204 : refused ? 403 : 404;
        this.bus.send(message.from, { t: 'reply', req: message.req, status });
        return;
      }
      case 'abort':
        this.remote.get(message.req)?.abort();
        return;
      case 'reply': {
        const pending = this.sends.get(message.req);
        if (pending === undefined) return;
        this.sends.delete(message.req);
        this.host.timers.clearTimeout(pending.timer);
        pending.resolve(message.status);
        return;
      }
      case 'write':
      case 'end':
      case 'destroy': {
        const entry = this.receiving.get(message.req);
        if (entry === undefined) return;
        if (message.t === 'write') {
          entry.response.write(message.data);
          this.watchOwner(message.req, entry);
          return;
        }
        this.receiving.delete(message.req);
        this.host.timers.clearTimeout(entry.timer);
        if (message.t === 'end') entry.response.end(message.data);
        else entry.response.destroy();
        return;
      }
    }
  }

  // ---- owner side ------------------------------------------------------------------------------

  private attachRemote(message: Extract<NodeMessage, { t: 'attach' }>): void {
    const sink = new RemoteResponse(this.bus, message.from, message.req);
    this.remote.set(message.req, sink);
    sink.once('close', () => this.remote.delete(message.req));
    if (this.host.findSession(message.sid) !== undefined) {
      this.serveAttach(message, sink);
      return;
    }
    // A message alone never opens a session: anyone able to publish on the bus could otherwise open one
    // carrying any request headers (any identity). The edge forwards to this node only once the registry
    // names it the owner, so the session is here, or about to be (this node claimed the id and is still
    // routing the request that will open it); the registry says which.
    this.bus.locate(message.sid).then(
      (location) => {
        if (this.remote.get(message.req) !== sink) return; // the client left meanwhile
        const owned = location.kind === 'node' && location.node === this.bus.nodeId;
        if (owned || this.host.findSession(message.sid) !== undefined) {
          this.serveAttach(message, sink);
          return;
        }
        // Ended and released since the edge looked it up (or never ours): the client starts over.
        this.host.log('info', `forwarded request ${message.req}: session not on this node, answered as lost`);
        sink.end(receivingSpec(message).frame(LOST_FRAME));
      },
      (error: unknown) => {
        this.host.log(
          'error',
          `forwarded request ${message.req}: lookup failed: ${(error as Error).message}`,
        );
        sink.destroy();
      },
    );
  }

  private serveAttach(message: Extract<NodeMessage, { t: 'attach' }>, sink: RemoteResponse): void {
    const spec = receivingSpec(message);
    const session = this.host.openSession(message.sid, message.transport, message.request);
    if ('status' in session) {
      // The edge has answered 200 already: the refusal goes as a close frame, which ends the client's attempt.
      sink.end(spec.frame(encodeClose(CloseCode.POLICY_VIOLATION, session.message.trim())));
      return;
    }
    const limit = spec.streaming ? this.host.responseLimit : 0;
    session.attach(new HttpFrameSink(message.transport, sink, spec.frame, limit, this.host.timers));
  }

  /** Forwarded requests in flight (for stats and tests). */
  get pending(): number {
    return this.receiving.size + this.sends.size + this.remote.size;
  }

  /** End everything forwarded (server shutdown). */
  close(): void {
    for (const [req, entry] of this.receiving) {
      this.host.timers.clearTimeout(entry.timer);
      entry.response.end();
      this.receiving.delete(req);
    }
    for (const [req, pending] of this.sends) {
      this.host.timers.clearTimeout(pending.timer);
      pending.resolve(503);
      this.sends.delete(req);
    }
    for (const sink of this.remote.values()) sink.abort();
  }
}
