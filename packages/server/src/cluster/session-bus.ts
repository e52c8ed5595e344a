import type { IncomingHttpHeaders } from 'node:http';

/**
 * How SockJS nodes behind a plain (non-sticky) load balancer serve each other's HTTP sessions.
 *
 * A session lives on the node that received its first receiving request (its owner). Any other node that
 * gets a request for it forwards: a receiving request (poll or stream) is answered by the owner through
 * `write`/`end` messages that the forwarding node copies into its HTTP response, and a send is forwarded as
 * messages and answered with a status. So session state is never copied, only routed, and ordering holds:
 * the client has one send and one receiving request in flight at a time, and the bus keeps each node pair's
 * messages in order.
 */
export interface ForwardedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly url: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export type NodeMessage =
  /** Forwarding node → owner: attach this receiving request to the session. */
  | {
      readonly t: 'attach';
      readonly req: string;
      readonly from: string;
      readonly sid: string;
      readonly transport: 'xhr-polling' | 'xhr-streaming' | 'eventsource' | 'htmlfile' | 'jsonp-polling';
      readonly callback?: string;
      readonly request: ForwardedRequest;
    }
  /** Forwarding node → owner: messages the client sent. Answered with `reply`. */
  | {
      readonly t: 'send';
      readonly req: string;
      readonly from: string;
      readonly sid: string;
      readonly messages: string[];
      /** The session key the send carried, if any (session-binding.ts). */
      readonly key?: string;
      /** The send's owner per the application's `sessionOwner`, if it has one. */
      readonly owner?: string;
    }
  /** Forwarding node → owner: the client went away from a forwarded receiving request. */
  | { readonly t: 'abort'; readonly req: string }
  /** Owner → forwarding node: bytes for the forwarded response. */
  | { readonly t: 'write'; readonly req: string; readonly data: string }
  /** Owner → forwarding node: finish the forwarded response (with a last chunk). */
  | { readonly t: 'end'; readonly req: string; readonly data?: string }
  /** Owner → forwarding node: drop the forwarded response's connection. */
  | { readonly t: 'destroy'; readonly req: string }
  /** Owner → forwarding node: the answer to a `send` (204 taken, 403 not this client's, 404 no such session). */
  | { readonly t: 'reply'; readonly req: string; readonly status: number };

/** Where a session lives, as far as the cluster knows. */
export type SessionLocation =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'node'; readonly node: string }
  /** The owner stopped answering (its liveness record expired): the session died with it. */
  | { readonly kind: 'lost'; readonly node: string };

export interface SessionBus {
  readonly nodeId: string;
  /**
   * Start receiving this node's messages and announcing that it is alive. `onNodeLost` is told when another
   * node is found dead, so that requests forwarded to it can be answered at once. A bus over a shared medium
   * delivers only messages that passed `checkNodeMessage` (message-shape.ts): the forwarder trusts their shape.
   */
  start(onMessage: (message: NodeMessage) => void, onNodeLost?: (node: string) => void): Promise<void>;
  /** Deliver to one node, in order with this node's earlier messages to it. Never throws. */
  send(node: string, message: NodeMessage): void;
  /** Record this node as the owner of a new session; returns the owner (another node if it won a race). */
  claim(sessionId: string): Promise<string>;
  locate(sessionId: string): Promise<SessionLocation>;
  /** The session ended on this node. */
  release(sessionId: string): void;
  /** Stop announcing, drop this node's sessions from the registry, stop receiving. */
  close(): Promise<void>;
}
