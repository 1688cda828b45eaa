import { AddressInfo, createServer, Server, Socket } from 'node:net';

type Side = 'client' | 'upstream';

/** One proxied connection; while stalled, what either side sends (and its end) is held here instead of passed on. */
interface Link {
  client: Socket;
  upstream: Socket | null;
  held: Record<Side, Buffer[]>;
  ended: Record<Side, boolean>;
  closed: Record<Side, boolean>;
}

/**
 * A TCP proxy between an app and PostgreSQL or RabbitMQ. `cut()` drops every open connection and refuses new
 * ones (they are reset at once) until `restore()`: the service looks unreachable without being touched.
 * `stall()` keeps every connection open and accepts new ones, but forwards nothing in either direction: the service
 * looks alive and never answers. `restore()` then delivers what was held, late, as a congested network would.
 */
export class FaultProxy {
  private readonly links = new Set<Link>();
  private readonly server: Server;
  private isCut = false;
  private isStalled = false;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
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

  private accept(client: Socket): void {
    if (this.isCut) {
      client.resetAndDestroy();
      return;
    }
    const link: Link = {
      client,
      upstream: null,
      held: { client: [], upstream: [] },
      ended: { client: false, upstream: false },
      closed: { client: false, upstream: false },
    };
    this.links.add(link);
    this.listen(link, 'client', client);
    if (!this.isStalled) {
      this.connectUpstream(link);
    }
  }

  private connectUpstream(link: Link): void {
    const upstream = new Socket();
    link.upstream = upstream;
    this.listen(link, 'upstream', upstream);
    upstream.connect(this.targetPort, this.targetHost, () => this.release(link));
  }

  private listen(link: Link, side: Side, socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.forward(link, side, chunk));
    socket.on('end', () => {
      link.ended[side] = true;
      this.passEnd(link, side);
    });
    socket.on('error', () => this.drop(link));
    socket.on('close', () => {
      link.closed[side] = true;
      this.passEnd(link, side);
      if (link.closed.client && (link.upstream === null ? !this.isStalled : link.closed.upstream)) {
        this.links.delete(link);
      }
    });
  }

  private peer(link: Link, side: Side): Socket | null {
    const peer = side === 'client' ? link.upstream : link.client;
    return this.isStalled || peer === null || peer.connecting || peer.destroyed ? null : peer;
  }

  private forward(link: Link, side: Side, chunk: Buffer): void {
    const peer = this.peer(link, side);
    if (peer === null) {
      link.held[side].push(chunk);
      return;
    }
    const source = side === 'client' ? link.client : link.upstream!;
    if (!peer.write(chunk)) {
      source.pause();
      peer.once('drain', () => source.resume());
    }
  }

  /** A side that ended or closed ends its peer once what it sent has been passed on. */
  private passEnd(link: Link, side: Side): void {
    if ((link.ended[side] || link.closed[side]) && link.held[side].length === 0) {
      this.peer(link, side)?.end();
    }
  }

  /** Passes on what was held on a link while it was stalled or connecting, then any end that arrived meanwhile. */
  private release(link: Link): void {
    for (const side of ['client', 'upstream'] as const) {
      const peer = this.peer(link, side);
      if (peer !== null) {
        for (const chunk of link.held[side].splice(0)) {
          peer.write(chunk);
        }
        this.passEnd(link, side);
      }
    }
  }

  private drop(link: Link): void {
    link.client.destroy();
    link.upstream?.destroy();
    this.links.delete(link);
  }

  cut(): void {
    this.isCut = true;
    for (const link of this.links) {
      link.client.resetAndDestroy();
      link.upstream?.resetAndDestroy();
    }
    this.links.clear();
  }

  /** Stops forwarding in both directions and holds new connections without reaching the target; nothing is closed. */
  stall(): void {
    this.isStalled = true;
  }

  /** Ends a cut or a stall; after a stall, what was held is delivered and held connections reach the target. */
  restore(): void {
    this.isCut = false;
    if (!this.isStalled) {
      return;
    }
    this.isStalled = false;
    for (const link of this.links) {
      if (link.upstream === null) {
        this.connectUpstream(link);
      } else {
        this.release(link);
      }
    }
  }

  get openConnections(): number {
    return this.links.size;
  }

  /**
   * Connections one side has ended whose other side has not closed yet. After a stall, 0 means the target has
   * received everything held and ended its side of every connection the app gave up on.
   */
  get lingeringConnections(): number {
    return [...this.links].filter(
      (link) => (link.ended.client || link.closed.client) && (link.upstream === null || !link.closed.upstream),
    ).length;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
