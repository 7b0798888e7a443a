import type { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { describeError } from '../../errors/describe-error.js';
import type { Revocation } from '../revocation-set.js';
import type { RevocationResult } from '../revocation-store.interface.js';
import type { RedisKeys } from './redis-keys.js';
import type { Client, StoreCommands } from './redis-scripts.js';
import type { ReplicaAcks } from './replica-acks.js';
import { revocationIds, type StoreEvents } from './store-events.js';
import { withTimeout } from './with-timeout.js';

/**
 * A revocation to write: `expiresAt` is when access-token checks stop needing it (what replicas hold, 0 for none),
 * `refreshUntil` when refresh does (a user's cut-off key, a session's record).
 */
export interface RevocationWrite extends Revocation {
  /**
   * For a user's cut-off: a deadline on Redis's clock until which Redis may move the cut-off to just past its own
   * clock (see MERGE in redis-scripts.ts). A queued write drops it: its caller was answered already.
   */
  deadline?: number;
  /** For a session: its user, whose session index it leaves when written. */
  subject?: string;
}

const BATCH = 500;
const RETRY_MS = 1000;

/**
 * The write path to Redis: revocations of one tick go out together (one round of scripts and one message per
 * batch); when Redis does not answer in time they are queued, reported `{ persisted: false }`, and retried.
 */
export class RevocationWriter {
  private readonly pending = new Map<string, RevocationWrite>();
  /** When each queued revocation was first queued (Date.now): its `revocation.written` event says how long it waited. */
  private readonly queuedAt = new Map<string, number>();
  private outgoing: { write: RevocationWrite; done: (result: RevocationResult) => void }[] = [];
  /** Batches being written: the shutdown waits for them. */
  private readonly writing = new Set<Promise<void>>();
  private retryTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly client: Client & StoreCommands,
    private readonly keys: RedisKeys,
    private readonly clock: () => number,
    private readonly logger: LoggerService,
    private readonly writeTimeoutMs: number,
    private readonly acks: ReplicaAcks,
    /** Whether Redis is answering now; when not, a write is queued at once. */
    private readonly available: () => boolean,
    /** Called when a retry is due and both connections are ready: resync or flush, as the store sees fit. */
    private readonly onRetry: () => void,
    private readonly events?: StoreEvents,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The writes queued now; a resync writes them with everything else, then settles them. */
  pendingWrites(): RevocationWrite[] {
    return [...this.pending.values()];
  }

  /** Drops writes from the queue once written, unless a wider one was queued meanwhile. */
  settle(writes: readonly RevocationWrite[]): void {
    for (const write of writes) {
      const key = this.keyOf(write);
      if (this.pending.get(key) !== write) continue;
      this.pending.delete(key);
      const queuedAt = this.queuedAt.get(key);
      this.queuedAt.delete(key);
      if (queuedAt === undefined || this.events === undefined) continue;
      const now = Date.now();
      this.events.emit({
        type: 'revocation.written',
        time: this.events.now,
        ...revocationIds(write),
        queuedForMs: now - queuedAt,
      });
    }
  }

  /** Resolves `persisted`, and for a user the cut-off in force. */
  write(write: RevocationWrite): Promise<RevocationResult> {
    if (!this.available()) return Promise.resolve(this.queue([write], 'Redis not answering'));
    return new Promise((done) => {
      if (this.outgoing.length === 0) {
        setImmediate(() => {
          const writing = this.writeOutgoing().finally(() => this.writing.delete(writing));
          this.writing.add(writing);
        });
      }
      this.outgoing.push({ write, done });
    });
  }

  /**
   * Writes entries (merging with what Redis holds) and announces those replicas need, in batches, with the cut-off
   * Redis settled on. Returns each write's cut-off in force (the same order). With `waitForReplicas`, each batch
   * ends with `WAIT`, and fails (the writes are retried) when too few replicas acknowledged it.
   */
  async persist(writes: readonly RevocationWrite[]): Promise<number[]> {
    const now = this.clock();
    const cutoffs: number[] = [];
    for (let i = 0; i < writes.length; i += BATCH) {
      const batch = writes.slice(i, i + BATCH);
      const settled = await Promise.all(batch.map((w) => this.writeOne(w, now)));
      cutoffs.push(...settled);
      const announced = batch.map((w, j) => ({ ...w, issuedBefore: settled[j]! })).filter((w) => w.expiresAt >= now);
      if (announced.length > 0) {
        await this.client.publish(this.keys.channel, JSON.stringify(announced.map((w) => this.keys.toWire(w))));
      }
      if (this.acks.enabled) {
        const acknowledged = await this.acks.acknowledged(this.client as Redis);
        if (!this.acks.enough(acknowledged)) throw new Error(`${this.acks.describe(acknowledged)} (waitForReplicas)`);
      }
    }
    return cutoffs;
  }

  /** Writes the queued revocations; true when they all landed. */
  async flushPending(timeoutMs = this.writeTimeoutMs): Promise<boolean> {
    const batch = [...this.pending.values()];
    try {
      await withTimeout(this.persist(batch), timeoutMs);
      this.settle(batch);
      return true;
    } catch (error) {
      this.logger.warn(`revocations: ${batch.length} queued writes still failing (${describeError(error)})`);
      this.scheduleRetry();
      return false;
    }
  }

  /** Retries the queued writes (or the resync) while Redis answers but something failed. */
  scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.onRetry();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /**
   * Stops retrying, then gives writes under way and queued ones until `timeoutMs` to land; logs by kind and id
   * (never a token) whatever is still unwritten.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const deadline = this.clock() + timeoutMs;
    await Promise.all(this.writing);
    while (this.pending.size > 0 && this.clock() < deadline) {
      if (this.client.status === 'ready' && (await this.flushPending(deadline - this.clock()))) break;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, Math.min(RETRY_MS / 10, deadline - this.clock()))),
      );
    }
    if (this.pending.size > 0) {
      const lost = [...this.pending.values()].map((w) => `${w.kind} ${w.id}`).join(', ');
      this.logger.error(`revocations: ${this.pending.size} revocations were never written to Redis: ${lost}`);
      for (const write of this.pending.values()) {
        this.events?.emit({
          type: 'revocation.lost',
          time: this.events.now,
          ...revocationIds(write),
          reason: 'shutdown',
        });
      }
    }
  }

  /** One revocation's keys; resolves the cut-off in force (`issuedBefore` when Redis kept none). */
  private async writeOne(write: RevocationWrite, now: number): Promise<number> {
    const refreshUntil = write.refreshUntil ?? 0;
    const ending =
      write.kind === 'session' && refreshUntil > now
        ? this.client.ntaEndSession(this.keys.session(write.id), refreshUntil, now)
        : undefined;
    const keyUntil = write.kind === 'user' ? Math.max(write.expiresAt, refreshUntil) : write.expiresAt;
    const merged =
      keyUntil > now
        ? this.client.ntaMerge(
            this.keyOf(write),
            write.issuedBefore,
            write.expiresAt,
            keyUntil,
            now,
            write.kind === 'user' ? (write.deadline ?? 0) : 0,
          )
        : undefined;
    const forgotten =
      write.kind === 'session' && write.subject !== undefined
        ? this.client.hdel(this.keys.sessionIndex(write.subject), write.id)
        : undefined;
    const [, cutoff] = await Promise.all([ending, merged, forgotten]);
    const inForce = cutoff !== undefined && cutoff > write.issuedBefore ? cutoff : write.issuedBefore;
    // The user's sessions started before the cut-off in force leave their index.
    if (write.kind === 'user') await this.client.ntaIndexCut(this.keys.sessionIndex(write.id), inForce);
    return inForce;
  }

  private async writeOutgoing(): Promise<void> {
    const batch = this.outgoing;
    this.outgoing = [];
    const writes = batch.map((item) => item.write);
    let cutoffs: number[];
    try {
      cutoffs = await withTimeout(this.persist(writes), this.writeTimeoutMs);
    } catch (error) {
      this.logger.warn(`revocations: write to Redis failed (${describeError(error)}); queued for retry`);
      const result = this.queue(writes, describeError(error));
      for (const item of batch) item.done(result);
      return;
    }
    batch.forEach((item, i) =>
      item.done(item.write.kind === 'user' ? { persisted: true, issuedBefore: cutoffs[i]! } : { persisted: true }),
    );
  }

  private queue(writes: readonly RevocationWrite[], reason: string): RevocationResult {
    for (const write of writes) {
      const key = this.keyOf(write);
      const queued = this.pending.get(key);
      if (queued === undefined) {
        this.queuedAt.set(key, Date.now());
        this.events?.emit({ type: 'revocation.queued', time: this.events.now, ...revocationIds(write), reason });
      }
      // A queued cut-off keeps the time it was given: its caller was answered `persisted: false` already.
      const late = { ...write, deadline: undefined };
      this.pending.set(
        key,
        queued === undefined
          ? late
          : {
              ...late,
              issuedBefore: Math.max(write.issuedBefore, queued.issuedBefore),
              expiresAt: Math.max(write.expiresAt, queued.expiresAt),
              refreshUntil: Math.max(write.refreshUntil ?? 0, queued.refreshUntil ?? 0),
              subject: write.subject ?? queued.subject,
            },
      );
    }
    this.scheduleRetry();
    return { persisted: false };
  }

  private keyOf(write: Revocation): string {
    return this.keys.revocation(write.kind, write.id);
  }
}
