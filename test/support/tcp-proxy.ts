import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** One proxied connection: the client's socket, the upstream socket, and what each direction holds back. */
interface Link {
  client: Socket;
  upstream: Socket;
  /** Bytes from the client not yet written upstream (held while blackholed). */
  toUpstream: Buffer[];
  /** Bytes from upstream not yet written to the client. */
  toClient: Buffer[];
  /** The client (or upstream) ended its side while bytes were held: end the other side once they are delivered. */
  clientEnded: boolean;
  upstreamEnded: boolean;
}

/**
 * A TCP proxy on a free loopback port in front of `target` (a redis-server), to stand for a network path that
 * stalls. `blackhole()` holds every byte in both directions without closing anything: the connections stay open,
 * writes succeed on the sender's side, nothing arrives (a partition, a congested link). `resume()` delivers what
 * was held, in order, late: a command sent during the partition reaches the server only then.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private holding = false;
  /** Bytes held during the last blackhole, both directions together. */
  heldBytes = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, 0);
    server.on('connection', (client) => proxy.accept(client, targetPort, targetHost));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    (proxy as { port: number }).port = (server.address() as { port: number }).port;
    return proxy;
  }

  /** `redis://` URL of the proxy, for a client that should go through it. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get blackholed(): boolean {
    return this.holding;
  }

  /** Open proxied connections. */
  get connections(): number {
    return this.links.size;
  }

  /** Holds every byte, in both directions, on every connection (open or opened later), without closing any. */
  blackhole(): void {
    this.holding = true;
    this.heldBytes = 0;
  }

  /** Alias of `blackhole`. */
  pause(): void {
    this.blackhole();
  }

  /** Delivers everything held, in order, and forwards again as it comes. */
  resume(): void {
    this.holding = false;
    for (const link of this.links) this.flush(link);
  }

  /** Closes the listener and every proxied connection. */
  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    this.links.clear();
    if (this.server.listening) {
      this.server.close();
      await once(this.server, 'close');
    }
  }

  private accept(client: Socket, targetPort: number, targetHost: string): void {
    const upstream = connect(targetPort, targetHost);
    const link: Link = { client, upstream, toUpstream: [], toClient: [], clientEnded: false, upstreamEnded: false };
    this.links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      link.toUpstream.push(chunk);
      this.flush(link);
    });
    upstream.on('data', (chunk: Buffer) => {
      link.toClient.push(chunk);
      this.flush(link);
    });
    // A side that ends (or closes) while bytes are held is ended on the other side only once they are delivered,
    // as a kernel delivers a closed socket's unacknowledged bytes before its FIN when the path heals.
    const ended = (side: 'clientEnded' | 'upstreamEnded') => () => {
      link[side] = true;
      this.flush(link);
      if (link.client.destroyed && link.upstream.destroyed) this.links.delete(link);
    };
    client.on('end', ended('clientEnded'));
    client.on('close', ended('clientEnded'));
    upstream.on('end', ended('upstreamEnded'));
    upstream.on('close', ended('upstreamEnded'));
    // A reset is not a close: swallow the error, 'close' follows.
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }

  private flush(link: Link): void {
    if (this.holding) {
      this.heldBytes = [...this.links].reduce(
        (sum, l) => sum + [...l.toUpstream, ...l.toClient].reduce((n, b) => n + b.length, 0),
        0,
      );
      return;
    }
    for (const chunk of link.toUpstream.splice(0)) if (!link.upstream.destroyed) link.upstream.write(chunk);
    for (const chunk of link.toClient.splice(0)) if (!link.client.destroyed) link.client.write(chunk);
    if (link.clientEnded && !link.upstream.destroyed) link.upstream.end();
    if (link.upstreamEnded && !link.client.destroyed) link.client.end();
    if (link.client.destroyed && link.upstream.destroyed) this.links.delete(link);
  }
}
