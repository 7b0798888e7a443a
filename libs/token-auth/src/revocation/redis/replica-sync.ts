import type { LoggerService } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { describeError } from '../../errors/describe-error.js';
import type { Revocation, RevocationSet } from '../revocation-set.js';
import type { ConnectionState } from './connection-state.js';
import type { RedisKeys, Wire } from './redis-keys.js';
import type { Client } from './redis-scripts.js';
import type { RevocationWriter } from './revocation-writer.js';
import type { StoreEpoch } from './store-epoch.js';
import type { StoreEvents } from './store-events.js';

/** What the replica's sync works with, all owned by the store. */
export interface ReplicaSyncParts {
  /** Commands. */
  client: Client;
  /** The pub/sub connection. */
  subscriber: Client;
  keys: RedisKeys;
  /** The local replica it fills. */
  replica: RevocationSet;
  /** Writes back what Redis lacks after a loss. */
  writer: RevocationWriter;
  epoch: StoreEpoch;
  state: ConnectionState;
  logger: LoggerService;
  /** True once the store is closing: a resync stops. */
  isClosed: () => boolean;
  events?: StoreEvents;
}

/**
 * Keeps the local replica in step with Redis: pub/sub messages as they come, and a full resync (subscribe, check
 * the epoch, scan every revocation key, write back what Redis lacks) at startup and after every reconnect.
 */
export class ReplicaSync {
  private syncing?: Promise<void>;
  private syncAgain = false;

  private readonly client: Client;
  private readonly subscriber: Client;
  private readonly keys: RedisKeys;
  private readonly replica: RevocationSet;
  private readonly writer: RevocationWriter;
  private readonly epoch: StoreEpoch;
  private readonly state: ConnectionState;
  private readonly logger: LoggerService;
  private readonly isClosed: () => boolean;
  private readonly events?: StoreEvents;

  constructor(parts: ReplicaSyncParts) {
    this.client = parts.client;
    this.subscriber = parts.subscriber;
    this.keys = parts.keys;
    this.replica = parts.replica;
    this.writer = parts.writer;
    this.epoch = parts.epoch;
    this.state = parts.state;
    this.logger = parts.logger;
    this.isClosed = parts.isClosed;
    this.events = parts.events;
  }

  receive(message: string): void {
    try {
      for (const wire of JSON.parse(message) as Wire[]) {
        const revocation = this.keys.fromWire(wire);
        if (revocation !== undefined) this.replica.add(revocation);
      }
    } catch (error) {
      this.logger.warn(`revocations: ignored a malformed message on ${this.keys.channel}: ${describeError(error)}`);
    }
  }

  /** Joins the resync under way, or starts one; a request during a run causes one more run. */
  resync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        await this.syncOnce();
      } while (this.syncAgain && !this.isClosed());
    })()
      .catch((error: unknown) => {
        if (this.isClosed()) return;
        this.logger.warn(`revocations: resync with Redis failed (${describeError(error)}); retrying`);
        this.writer.scheduleRetry();
      })
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const queued = this.writer.pendingWrites();
    // Subscribe before reading, so nothing published during the scan is missed.
    await this.subscriber.subscribe(this.keys.channel);
    await this.epoch.check();
    const inRedis = new Map<string, Revocation>();
    const nodes = (this.client as Cluster).isCluster
      ? (this.client as Cluster).nodes('master')
      : [this.client as Redis];
    for (const node of nodes) {
      for await (const keys of node.scanStream({ match: this.keys.revocationPattern, count: 1000 }) as AsyncIterable<
        string[]
      >) {
        if (keys.length === 0) continue;
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.get(key);
        const values = (await pipeline.exec()) ?? [];
        keys.forEach((key, i) => {
          const revocation = this.keys.parse(key, values[i]?.[1]);
          if (revocation === undefined) return;
          inRedis.set(key, revocation);
          this.replica.add(revocation);
        });
      }
    }
    // Write back what Redis lacks or holds narrower (it restarted empty or from an older snapshot, or writes failed
    // while it was down), with the refresh side when known (a session's record, a user's cut-off for its whole
    // lifetime), and what is queued.
    const missing: Revocation[] = [];
    for (const local of this.replica.entries()) {
      const remote = inRedis.get(this.keys.revocation(local.kind, local.id));
      if (
        remote === undefined ||
        remote.expiresAt < local.expiresAt ||
        remote.issuedBefore < local.issuedBefore ||
        (local.kind === 'user' && (remote.refreshUntil ?? 0) < (local.refreshUntil ?? 0))
      ) {
        missing.push(local);
      }
    }
    await this.writer.persist([...queued, ...missing]);
    this.writer.settle(queued);
    const wasStaleFor = this.state.markFresh();
    this.events?.recovered(wasStaleFor, missing.length);
    this.logger.log(
      `revocations synchronised with Redis: ${inRedis.size} loaded, ${missing.length} written back` +
        (wasStaleFor > 0 ? ` after ${wasStaleFor} ms without Redis` : ''),
    );
  }
}
