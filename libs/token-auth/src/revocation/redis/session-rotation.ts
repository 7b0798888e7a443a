import type { Cluster, ChainableCommander, Redis } from 'ioredis';
import { describeError } from '../../errors/describe-error.js';
import { TokenAuthError } from '../../errors/token-auth.error.js';
import type { RotationOutcome, SessionRotation } from '../revocation-store.interface.js';
import { RedisKeys } from './redis-keys.js';
import type { Client, StoreCommands } from './redis-scripts.js';
import type { ReplicaAcks } from './replica-acks.js';
import type { SharedClock } from './shared-clock.js';
import type { StoreEpoch } from './store-epoch.js';
import { withTimeout } from './with-timeout.js';

type Pipeline = ChainableCommander & {
  ntaRotateBuffer(numberOfKeys: 1 | 3, ...keysAndArgs: (Buffer | string | number)[]): Pipeline;
  ntaIndexTouch(numberOfKeys: 1 | 3, ...keysAndArgs: (Buffer | string | number)[]): Pipeline;
};

/** The session-index update of a refresh (INDEX_TOUCH in redis-scripts.ts): its key and its ARGV. */
interface Touch {
  key: string;
  args: (Buffer | string | number)[];
}

/** The script's reply, the user's cut-off, and (when waiting for replicas) how many acknowledged. */
type Answer = [rotated: Buffer[], userValue: string | null, acknowledged?: unknown];

/** A time (ms since the epoch) in the 6 big-endian bytes of the session record, as tokens carry it. */
function time6(ms: number): Buffer {
  const bytes = Buffer.alloc(6);
  bytes.writeUIntBE(ms, 0, 6);
  return bytes;
}

/** The time in a 6-byte reply; 0 for anything else (a reused record that was not one). */
function timeOf(bytes: Buffer | undefined): number {
  return bytes?.length === 6 ? bytes.readUIntBE(0, 6) : 0;
}

/**
 * Refresh against Redis, which is authoritative for it: one script on the session's one record (`f:{sid}`), and,
 * in the same round trip, the user's cut-off. Without an answer in time a refresh cannot be decided: 503. The script
 * carries a deadline on Redis's clock, so one that reaches Redis after the caller was answered changes nothing.
 * Outside a Cluster it also checks the epoch marker and the rotation count, so a Redis that lost its data (or went
 * back to an older state) is noticed by the first refresh after the loss that this instance can tell, with no
 * window: nothing is decided on it until the loss is handled. With `waitForReplicas`, a pair is handed out only once
 * the replicas hold the rotation that issued it (the same round trip ends with `WAIT`). Given the session's lifetime,
 * the refresh also moves the session's entry in its user's index (last activity, expiry): in the same pipeline,
 * after the rotation and guarded by what it wrote; on a Cluster, once the rotation answered, without waiting.
 */
export class RedisSessionRotation {
  constructor(
    private readonly client: Client & StoreCommands,
    private readonly keys: RedisKeys,
    private readonly epoch: StoreEpoch,
    private readonly sharedClock: SharedClock,
    private readonly timeoutMs: number,
    private readonly acks: ReplicaAcks,
    /** Redis lost its data: check the epoch again and write back what it lacks. */
    private readonly onLost: () => Promise<void>,
  ) {}

  async rotate(rotation: SessionRotation): Promise<RotationOutcome> {
    const first = await this.rotateOnce(rotation);
    if (first !== 'lost') return first;
    // The loss is handled (the epoch known again), then the same refresh is decided once on what Redis holds now.
    await this.onLost();
    const second = await this.rotateOnce(rotation);
    if (second !== 'lost') return second;
    throw new TokenAuthError(
      'revocation_unavailable',
      'refresh is unavailable: the revocation store keeps losing its data',
    );
  }

  private async rotateOnce(rotation: SessionRotation): Promise<RotationOutcome | 'lost'> {
    if (this.client.status !== 'ready' || !this.epoch.verified) {
      throw new TokenAuthError('revocation_unavailable', 'refresh is unavailable while the revocation store is down');
    }
    const sessionKey = this.keys.session(rotation.sid);
    const userKey = this.keys.revocation('user', rotation.sub);
    const keys = this.epoch.counted ? [sessionKey, this.keys.epoch, this.keys.rotations] : [sessionKey];
    const args = [
      Buffer.from(rotation.jti, 'base64url'),
      Buffer.from(rotation.successorJti, 'base64url'),
      time6(rotation.issuedAt),
      rotation.recordTtlMs,
      rotation.replayWindowMs,
      // Past it the caller may have given up: the script then changes nothing.
      this.sharedClock.deadline(this.timeoutMs),
      rotation.issuedAt < this.epoch.resetBefore ? '0' : '1',
      this.epoch.known ?? '',
      this.epoch.knownCount,
      // Waiting for replicas, a replay writes its record again: acknowledged, the rotation it repeats is held too.
      this.acks.enabled ? '1' : '0',
    ];
    const touch: Touch | undefined =
      rotation.sessionLifetimeMs === undefined
        ? undefined
        : {
            key: this.keys.sessionIndex(rotation.sub),
            // usedAt and startedAt: read from the record outside a Cluster, given after the rotation on one.
            args: [rotation.sid, args[0]!, 0, 0, rotation.recordTtlMs, rotation.sessionLifetimeMs, rotation.issuedAt],
          };
    let answer: Answer;
    const sentAt = this.sharedClock.local();
    try {
      answer = await withTimeout(
        this.ask(keys, args, userKey, touch && { ...touch, record: sessionKey }),
        this.timeoutMs,
      );
    } catch (error) {
      throw new TokenAuthError('revocation_unavailable', `refresh is unavailable: ${describeError(error)}`);
    }
    const [[reply, usedAt, startedAt, redisTime, count], userValue, acknowledged] = answer;
    // Every answer carries Redis's time: the deadlines stay true to it though this clock is stepped (NTP).
    if (redisTime?.length === 6) this.sharedClock.observe(timeOf(redisTime), sentAt, this.sharedClock.local());
    const kind = reply?.toString();
    if (kind === 'lost') return 'lost';
    if (kind === 'late') {
      throw new TokenAuthError('revocation_unavailable', 'refresh is unavailable: the revocation store answered late');
    }
    // A reuse is reported though unacknowledged: the caller then revokes the session, a write that is retried.
    if (this.acks.enabled && !this.acks.enough(acknowledged) && (kind === 'rotated' || kind === 'replayed')) {
      throw new TokenAuthError(
        'revocation_unavailable',
        `refresh is unavailable: ${this.acks.describe(acknowledged)} (waitForReplicas)`,
      );
    }
    if (count !== undefined && count.length > 0) this.epoch.saw(Number(count.toString()));
    const cutoff = RedisKeys.cutoffOf(userValue);
    if (cutoff !== undefined && rotation.issuedAt < cutoff) return { kind: 'revoked' };
    switch (kind) {
      case 'rotated':
      case 'replayed':
        if (touch !== undefined && (this.client as Cluster).isCluster) {
          touch.args[2] = timeOf(usedAt);
          touch.args[3] = timeOf(startedAt);
          // The index only shows the session's last activity: the refresh does not wait for it.
          this.client.ntaIndexTouch(1, touch.key, ...touch.args).catch(() => undefined);
        }
        return { kind, usedAt: timeOf(usedAt), startedAt: timeOf(startedAt) };
      case 'reused':
        return { kind, startedAt: timeOf(startedAt) };
      case 'revoked':
      case 'reset':
        return { kind };
      default:
        throw new TokenAuthError('revocation_unavailable', `refresh is unavailable: unexpected answer ${String(kind)}`);
    }
  }

  /**
   * The script, then the user's cut-off: one pipelined round trip (then, when waiting for replicas, a `WAIT` shared
   * with the other writes of the moment); on a Cluster (other slots, other masters) the read waits for the script's
   * answer, so a cut-off written after the script is seen by the read.
   */
  private async ask(
    keys: string[],
    args: (Buffer | string | number)[],
    userKey: string,
    touch: (Touch & { record: string }) | undefined,
  ): Promise<Answer> {
    const numberOfKeys = keys.length as 1 | 3;
    if ((this.client as Cluster).isCluster) {
      const rotated = await this.client.ntaRotateBuffer(numberOfKeys, ...keys, ...args);
      return [rotated, await this.client.get(userKey)];
    }
    const pipeline = this.client.pipeline() as Pipeline;
    pipeline.ntaRotateBuffer(numberOfKeys, ...keys, ...args).get(userKey);
    if (touch !== undefined) pipeline.ntaIndexTouch(3, touch.key, touch.record, userKey, ...touch.args);
    const replies = (await pipeline.exec())!;
    // The index update's own failure does not fail the refresh: it only shows the session's last activity.
    const touchAt = touch === undefined ? -1 : 2;
    for (const [i, [error]] of replies.entries()) if (error && i !== touchAt) throw error;
    const acknowledged = this.acks.enabled ? await this.acks.acknowledged(this.client as Redis) : undefined;
    return [replies[0]![1] as Buffer[], replies[1]![1] as string | null, acknowledged];
  }
}
