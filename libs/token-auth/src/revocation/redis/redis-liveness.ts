import type { Cluster, Redis } from 'ioredis';

export interface RedisLivenessOptions {
  /** The connections to watch: the command connection and the subscription. */
  connections: readonly (Redis | Cluster)[];
  /** Milliseconds between two PINGs on each connection. */
  interval: number;
  /** Milliseconds a PING may go unanswered before the connection counts as hung. */
  timeout: number;
  clock: () => number;
  /** A connection stopped answering; `lastAnswer` is when Redis last proved it was serving both connections. */
  onHung: (lastAnswer: number, unanswered: number) => void;
  /** Every connection answers again after a hang. */
  onAnswering: () => void;
}

interface Watched {
  connection: Redis | Cluster;
  /** When the last answered PING was sent: every message published before it had been delivered. */
  answeredSentAt: number;
  /** The PING awaiting its answer: at most one per connection, so a hung Redis does not pile them up. */
  outstanding?: { sentAt: number; generation: number };
  hung: boolean;
  /** Bumped when the connection closes: an answer to a PING sent before then proves nothing about the new one. */
  generation: number;
}

/**
 * Tells a Redis that stopped answering (paused, partitioned, overloaded) from one that is up. ioredis reports a
 * closed connection, but an open one to a Redis that never answers looks healthy: every PING answered proves that
 * the server processed everything sent before it, a PING unanswered past its deadline means it does not.
 * PING is one of the few commands allowed on a connection in subscriber mode.
 */
export class RedisLiveness {
  private readonly watched: Watched[];
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: RedisLivenessOptions) {
    const now = options.clock();
    this.watched = options.connections.map((connection) => {
      const watched: Watched = { connection, answeredSentAt: now, hung: false, generation: 0 };
      connection.on('close', () => {
        watched.generation++;
        watched.outstanding = undefined;
        watched.hung = false;
      });
      // A connection that is (re)connected has just answered its handshake.
      connection.on('ready', () => (watched.answeredSentAt = options.clock()));
      return watched;
    });
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.beat(), this.options.interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    for (const watched of this.watched) {
      // Closed and reconnecting connections are reported by ioredis itself; only an open one can hang silently.
      if (watched.connection.status !== 'ready' || watched.outstanding !== undefined) continue;
      const ping = { sentAt: this.options.clock(), generation: watched.generation };
      watched.outstanding = ping;
      const deadline = setTimeout(() => {
        // The answer may be waiting behind a busy event loop: let pending I/O run before judging.
        setImmediate(() => {
          if (watched.outstanding === ping && !watched.hung) {
            watched.hung = true;
            this.options.onHung(Math.min(...this.watched.map((w) => w.answeredSentAt)), this.options.timeout);
          }
        });
      }, this.options.timeout);
      deadline.unref();
      watched.connection.ping().then(
        () => this.answered(watched, ping, deadline),
        () => this.answered(watched, ping, deadline, false),
      );
    }
  }

  private answered(
    watched: Watched,
    ping: { sentAt: number; generation: number },
    deadline: NodeJS.Timeout,
    ok = true,
  ): void {
    clearTimeout(deadline);
    if (watched.outstanding !== ping || ping.generation !== watched.generation) return;
    watched.outstanding = undefined;
    if (!ok) return;
    watched.answeredSentAt = ping.sentAt;
    if (!watched.hung) return;
    watched.hung = false;
    if (this.watched.every((w) => !w.hung)) this.options.onAnswering();
  }
}
