import net from 'node:net';

/**
 * A loopback TCP proxy in front of the broker that a test can break: `cut()` drops every open connection,
 * `refuse` makes it hang up on new ones (a broker that is down), `silence()` stops forwarding the broker's
 * bytes while keeping the sockets open (a broker that went quiet, while ours still reach it). It records when connections arrive and counts the bare
 * heart-beat EOLs flowing each way.
 */
export class TcpProxy {
  readonly port: number;
  /** `Date.now()` of every accepted connection, refused ones included. */
  readonly arrivals: number[] = [];
  refuse = false;
  heartbeatsToBroker = 0;
  heartbeatsFromBroker = 0;
  private silenced = false;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** The client side of every connection that got through, in arrival order. */
  private readonly passed: net.Socket[] = [];

  private constructor(server: net.Server, port: number) {
    this.server = server;
    this.port = port;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy?.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.sockets.size / 2;
  }

  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Drop one connection: the `index`-th that got through (0 is a relay's system connection). */
  cutOne(index: number): void {
    this.passed[index]?.destroy();
  }

  silence(): void {
    this.silenced = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    this.arrivals.push(Date.now());
    client.on('error', () => {});
    if (this.refuse) {
      client.destroy();
      return;
    }
    this.passed.push(client);
    const broker = net.connect(target.port, target.host);
    broker.on('error', () => {});
    for (const socket of [client, broker]) {
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        broker.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (chunk.toString() === '\n') this.heartbeatsToBroker++;
      broker.write(chunk);
    });
    broker.on('data', (chunk: Buffer) => {
      if (this.silenced) return;
      if (chunk.toString() === '\n') this.heartbeatsFromBroker++;
      client.write(chunk);
    });
  }
}
