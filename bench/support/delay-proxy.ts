import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a free loopback port that delivers every byte from `targetPort` `delayMs` late (the other way at
 * once), in order: a replica placed behind it replicates as from a primary that far away.
 */
export class DelayProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, delayMs: number): Promise<DelayProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const proxy = new DelayProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        proxy.sockets.add(socket);
        socket.setNoDelay(true);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          proxy.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      // Timers of the same delay fire in the order they were set: the bytes stay in order.
      upstream.on('data', (bytes: Buffer) => setTimeout(() => client.destroyed || client.write(bytes), delayMs));
    });
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}
