import type { Redis } from 'ioredis';

/**
 * The durability setting `waitForReplicas`: after a write, Redis `WAIT` until that many replicas hold it, for at
 * most half the write timeout (the other half is the script's own deadline). A write they did not acknowledge in
 * time stays on the primary but may be lost in a failover, so it is not reported as done.
 *
 * `WAIT` blocks the connection it is sent on, and covers every write that connection sent before it. So the writes
 * share their `WAIT`s (group commit): a write whose reply has come asks for the next one to be sent; while one is
 * under way, every write that asks joins the one after it. One connection then completes every write of a round
 * trip to the replica, not one.
 */
export class ReplicaAcks {
  readonly timeoutMs: number;
  /** The `WAIT` under way: it may have been sent before a write that asks now was processed. */
  private underWay?: Promise<unknown>;
  /** The `WAIT` to send once the one under way answers: it covers every write that asked meanwhile. */
  private following?: Promise<unknown>;

  constructor(
    readonly replicas: number,
    writeTimeoutMs: number,
  ) {
    this.timeoutMs = Math.floor(writeTimeoutMs / 2);
  }

  get enabled(): boolean {
    return this.replicas > 0;
  }

  /**
   * How many replicas hold every write `client` sent so far (call it once the write's reply has come); rejects
   * when Redis does not answer.
   */
  acknowledged(client: Redis): Promise<unknown> {
    if (this.underWay === undefined) return this.send(client);
    this.following ??= this.underWay
      .catch(() => undefined)
      .then(() => {
        this.following = undefined;
        return this.send(client);
      });
    return this.following;
  }

  /** Whether `WAIT`'s answer (the replicas that acknowledged) is enough. */
  enough(acknowledged: unknown): boolean {
    return typeof acknowledged === 'number' && acknowledged >= this.replicas;
  }

  describe(acknowledged: unknown): string {
    return `${String(acknowledged)} of ${this.replicas} replicas acknowledged within ${this.timeoutMs} ms`;
  }

  private send(client: Redis): Promise<unknown> {
    const waiting = client.wait(this.replicas, this.timeoutMs).finally(() => {
      if (this.underWay === waiting) this.underWay = undefined;
    });
    this.underWay = waiting;
    return waiting;
  }
}
