import type { NodeMessage, SessionBus, SessionLocation } from './session-bus.js';

/**
 * An in-process cluster: several Sockwire servers in one process sharing sessions through a hub. For tests
 * and demos of the routing itself; real deployments use the Redis bus, which has the same semantics.
 */
export class LocalSessionHub {
  readonly owners = new Map<string, string>();
  readonly inboxes = new Map<string, (message: NodeMessage) => void>();
  readonly dead = new Set<string>();
  readonly lostListeners = new Map<string, (node: string) => void>();

  bus(nodeId: string): SessionBus {
    return new LocalSessionBus(this, nodeId);
  }

  /** Simulate a node dying: it stops answering, and its liveness lapses. */
  kill(nodeId: string): void {
    this.dead.add(nodeId);
    this.inboxes.delete(nodeId);
    this.lostListeners.delete(nodeId);
    for (const listener of this.lostListeners.values()) queueMicrotask(() => listener(nodeId));
  }
}

class LocalSessionBus implements SessionBus {
  readonly nodeId: string;
  private readonly hub: LocalSessionHub;

  constructor(hub: LocalSessionHub, nodeId: string) {
    this.hub = hub;
    this.nodeId = nodeId;
  }

  async start(onMessage: (message: NodeMessage) => void, onNodeLost?: (node: string) => void): Promise<void> {
    this.hub.dead.delete(this.nodeId);
    this.hub.inboxes.set(this.nodeId, onMessage);
    if (onNodeLost) this.hub.lostListeners.set(this.nodeId, onNodeLost);
  }

  send(node: string, message: NodeMessage): void {
    // Asynchronous like a real bus, and in order: one microtask queue.
    const inbox = this.hub.inboxes.get(node);
    if (inbox) queueMicrotask(() => this.hub.inboxes.get(node)?.(structuredClone(message)));
  }

  async claim(sessionId: string): Promise<string> {
    const owner = this.hub.owners.get(sessionId);
    if (owner !== undefined && !this.hub.dead.has(owner)) return owner;
    this.hub.owners.set(sessionId, this.nodeId);
    return this.nodeId;
  }

  async locate(sessionId: string): Promise<SessionLocation> {
    const owner = this.hub.owners.get(sessionId);
    if (owner === undefined) return { kind: 'unknown' };
    return this.hub.dead.has(owner) ? { kind: 'lost', node: owner } : { kind: 'node', node: owner };
  }

  release(sessionId: string): void {
    if (this.hub.owners.get(sessionId) === this.nodeId) this.hub.owners.delete(sessionId);
  }

  async close(): Promise<void> {
    this.hub.inboxes.delete(this.nodeId);
    this.hub.lostListeners.delete(this.nodeId);
    for (const [sessionId, owner] of this.hub.owners)
      if (owner === this.nodeId) this.hub.owners.delete(sessionId);
  }
}
