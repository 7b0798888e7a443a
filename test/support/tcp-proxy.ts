import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Bytes on their way, and the time (`Date.now()`) they may be delivered at: the lag in force when they came. */
interface Chunk {
  bytes: Buffer;
  due: number;
}

/** One proxied connection: the client's socket, the upstream socket, and what each direction holds back. */
interface Link {
  client: Socket;
  upstream: Socket;
  /** Bytes from the client not yet written upstream (held while blackholed, or lagging). */
  toUpstream: Chunk[];
  /** Bytes from upstream not yet written to the client. */
  toClient: Chunk[];
  /** The client (or upstream) ended its side while bytes were held: end the other side once they are delivered. */
  clientEnded: boolean;
  upstreamEnded: boolean;
  /** The next delivery of lagging bytes. */
  timer?: NodeJS.Timeout;
}

/** Which direction `lag` delays: `toClient` (from the target) is a replica's replication stream. */
export type LagDirection = 'both' | 'toClient' | 'toUpstream';

/**
 * A TCP proxy on a free loopback port in front of `target` (a redis-server), to stand for a network path that
 * stalls. `blackhole()` holds every byte in both directions without closing anything: the connections stay open,
 * writes succeed on the sender's side, nothing arrives (a partition, a congested link). `resume()` delivers what
 * was held, in order, late: a command sent during the partition reaches the server only then. `lag(ms)` delays
 * every byte by `ms` instead (a slow link: a replica that lags behind its primary). `close()` drops whatever is
 * still held: with the target killed at the same moment, the bytes it had sent but that had not arrived are lost,
 * as when its host fails.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private holding = false;
  private lagToClientMs = 0;
  private lagToUpstreamMs = 0;
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

  /** Delivers everything held, in order, and forwards again as it comes (after the lag, if one is set). */
  resume(): void {
    this.holding = false;
    for (const link of this.links) this.flush(link);
  }

  /**
   * Delays every byte that comes from now on by `ms` (0: none), in `direction`, in order. Bytes already on their
   * way keep the delay they came with.
   */
  lag(ms: number, direction: LagDirection = 'both'): void {
    this.lagToClientMs = direction === 'toUpstream' ? 0 : ms;
    this.lagToUpstreamMs = direction === 'toClient' ? 0 : ms;
  }

  /** Bytes on their way now (held or lagging), both directions together. */
  get pendingBytes(): number {
    let sum = 0;
    for (const link of this.links)
      for (const chunk of [...link.toUpstream, ...link.toClient]) sum += chunk.bytes.length;
    return sum;
  }

  /** Closes the listener and every proxied connection; bytes still held or lagging are dropped. */
  async close(): Promise<void> {
    for (const link of this.links) {
      clearTimeout(link.timer);
      link.toUpstream.length = 0;
      link.toClient.length = 0;
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
    client.on('data', (bytes: Buffer) => {
      link.toUpstream.push({ bytes, due: Date.now() + this.lagToUpstreamMs });
      this.flush(link);
    });
    upstream.on('data', (bytes: Buffer) => {
      link.toClient.push({ bytes, due: Date.now() + this.lagToClientMs });
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
      this.heldBytes = this.pendingBytes;
      return;
    }
    const now = Date.now();
    const deliver = (queue: Chunk[], to: Socket) => {
      while (queue.length > 0 && queue[0]!.due <= now) {
        const { bytes } = queue.shift()!;
        if (!to.destroyed) to.write(bytes);
      }
    };
    deliver(link.toUpstream, link.upstream);
    deliver(link.toClient, link.client);
    if (link.clientEnded && link.toUpstream.length === 0 && !link.upstream.destroyed) link.upstream.end();
    if (link.upstreamEnded && link.toClient.length === 0 && !link.client.destroyed) link.client.end();
    const next = Math.min(link.toUpstream[0]?.due ?? Infinity, link.toClient[0]?.due ?? Infinity);
    if (next < Infinity && link.timer === undefined) {
      link.timer = setTimeout(
        () => {
          link.timer = undefined;
          this.flush(link);
        },
        Math.max(0, next - now),
      );
    }
    if (link.client.destroyed && link.upstream.destroyed && next === Infinity) this.links.delete(link);
  }
}
