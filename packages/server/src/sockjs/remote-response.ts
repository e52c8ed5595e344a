import { EventEmitter } from 'node:events';
import type { SessionBus } from '../cluster/session-bus.js';

/**
 * Owner side of a forwarded receiving request: looks like the HTTP response an HttpFrameSink writes to, and
 * turns each write into a message to the node that holds the real response.
 */
export class RemoteResponse extends EventEmitter {
  private finished = false;
  private readonly bus: SessionBus;
  private readonly node: string;
  private readonly req: string;

  constructor(bus: SessionBus, node: string, req: string) {
    super();
    this.bus = bus;
    this.node = node;
    this.req = req;
  }

  /** Nothing waits here: bytes go straight to the bus. */
  readonly writableLength = 0;

  write(data: string | Buffer): boolean {
    if (!this.finished) this.bus.send(this.node, { t: 'write', req: this.req, data: data.toString() });
    return true;
  }

  end(data?: string | Buffer): this {
    if (this.finished) return this;
    this.finished = true;
    this.bus.send(
      this.node,
      data === undefined ? { t: 'end', req: this.req } : { t: 'end', req: this.req, data: data.toString() },
    );
    this.emit('finish');
    this.emit('close');
    return this;
  }

  destroy(): this {
    if (this.finished) return this;
    this.finished = true;
    this.bus.send(this.node, { t: 'destroy', req: this.req });
    this.emit('close');
    return this;
  }

  /** The client went away from the forwarding node. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('close');
  }
}
