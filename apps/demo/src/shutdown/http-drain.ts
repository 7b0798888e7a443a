import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo-config.js';
import { ShutdownState } from './shutdown-state.js';

/** How long a kept-alive connection may stay idle into the drain: a client under load sends its next request by then. */
const IDLE_GRACE_MS = 1000;

/**
 * Stops the HTTP server before anything it depends on goes away. `app.close()` runs `beforeApplicationShutdown`
 * before it disposes the HTTP adapter and before `onApplicationShutdown` (where the revocation store and the
 * database close), so here: readiness turns unhealthy, the listening socket closes (new connections are refused),
 * every response still to come says `Connection: close` and its connection closes after it, connections still idle
 * after a second close, and requests under way get `shutdownDrainTimeout` to finish before their connections are cut.
 * The same on Express and Fastify: both serve through a Node `http.Server`.
 */
@Injectable()
export class HttpDrain implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly open = new Set<ServerResponse>();
  private server?: Server;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly state: ShutdownState,
    @Inject(DEMO_CONFIG) private readonly config: DemoConfig,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server === undefined) return;
    this.server = server;
    // Ahead of the framework's own listener, so the header is set before any handler can send the response.
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      if (this.state.shuttingDown) response.setHeader('Connection', 'close');
      this.open.add(response);
      response.once('close', () => this.open.delete(response));
    });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.state.begin();
    const server = this.server;
    if (server === undefined || !server.listening) return;
    const started = Date.now();
    for (const response of this.open) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
      else {
        // Its head already promised keep-alive: end the connection once this response is out, and only this one.
        const socket = response.socket;
        response.once('finish', () => socket?.end());
      }
    }
    // `http.Server.close()` would also close idle connections at once, but "idle" includes a connection whose next
    // request is still unread in the socket buffer: its client would get a reset. So stop listening only, serve that
    // request with `Connection: close`, and close what is still idle after the grace.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    const idle = setTimeout(
      () => server.closeIdleConnections(),
      Math.min(IDLE_GRACE_MS, this.config.shutdownDrainTimeout * 1000),
    );
    this.logger.log(
      `${signal ?? 'close'}: draining ${this.open.size} requests under way (at most ${this.config.shutdownDrainTimeout} s)`,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>(
      (resolve) => (timer = setTimeout(resolve, this.config.shutdownDrainTimeout * 1000, true)),
    );
    if (await Promise.race([closed, timedOut])) {
      this.logger.warn(
        `drain timed out after ${this.config.shutdownDrainTimeout} s; cutting ${this.open.size} requests still under way`,
      );
      server.closeAllConnections();
    }
    clearTimeout(timer);
    clearTimeout(idle);
    this.logger.log(`HTTP server closed after ${Date.now() - started} ms`);
  }
}
