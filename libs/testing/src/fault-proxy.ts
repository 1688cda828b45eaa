import { AddressInfo, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy between an app and PostgreSQL or RabbitMQ. `cut()` drops every open connection and refuses new
 * ones (they are reset at once) until `restore()`: the service looks unreachable without being touched.
 */
export class FaultProxy {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private isCut = false;

  private constructor(targetHost: string, targetPort: number) {
    this.server = createServer((client) => this.accept(client, targetHost, targetPort));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(targetHost: string, targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetHost, targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** Starts a proxy in front of the host and port of `url` and returns it with the same URL pointing at it. */
  static async forUrl(url: string): Promise<{ proxy: FaultProxy; url: string }> {
    const parsed = new URL(url);
    const defaultPort = parsed.protocol.startsWith('amqp') ? 5672 : 5432;
    const proxy = await FaultProxy.start(parsed.hostname, Number(parsed.port || defaultPort));
    parsed.hostname = '127.0.0.1';
    parsed.port = String(proxy.port);
    return { proxy, url: parsed.toString() };
  }

  private accept(client: Socket, targetHost: string, targetPort: number): void {
    if (this.isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    this.sockets.add(client).add(upstream);
    const forget = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    upstream.connect(targetPort, targetHost, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  cut(): void {
    this.isCut = true;
    for (const socket of this.sockets) {
      socket.resetAndDestroy();
    }
    this.sockets.clear();
  }

  restore(): void {
    this.isCut = false;
  }

  get openConnections(): number {
    return this.sockets.size / 2;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
