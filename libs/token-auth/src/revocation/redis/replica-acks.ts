/**
 * The durability setting `waitForReplicas`: after a write, Redis `WAIT` until that many replicas hold it, for at
 * most half the write timeout (the other half is the script's own deadline). A write they did not acknowledge in
 * time stays on the primary but may be lost in a failover, so it is not reported as done.
 */
export class ReplicaAcks {
  readonly timeoutMs: number;

  constructor(
    readonly replicas: number,
    writeTimeoutMs: number,
  ) {
    this.timeoutMs = Math.floor(writeTimeoutMs / 2);
  }

  get enabled(): boolean {
    return this.replicas > 0;
  }

  /** Whether `WAIT`'s answer (the replicas that acknowledged) is enough. */
  enough(acknowledged: unknown): boolean {
    return typeof acknowledged === 'number' && acknowledged >= this.replicas;
  }

  describe(acknowledged: unknown): string {
    return `${String(acknowledged)} of ${this.replicas} replicas acknowledged within ${this.timeoutMs} ms`;
  }
}
