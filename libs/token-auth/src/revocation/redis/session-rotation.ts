import type { Cluster, ChainableCommander } from 'ioredis';
import { describeError } from '../../errors/describe-error.js';
import { TokenAuthError } from '../../errors/token-auth.error.js';
import type { RotationOutcome, SessionRotation } from '../revocation-store.interface.js';
import { RedisKeys } from './redis-keys.js';
import type { Client, StoreCommands } from './redis-scripts.js';
import type { StoreEpoch } from './store-epoch.js';
import { withTimeout } from './with-timeout.js';

type Pipeline = ChainableCommander & {
  ntaRotateBuffer(key: string, ...args: (Buffer | string | number)[]): Pipeline;
};

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
 * in the same round trip, the user's cut-off. Without an answer in time a refresh cannot be decided: 503; the
 * script may still run later, which the caller's retry then meets as a replay of the same successor.
 */
export class RedisSessionRotation {
  constructor(
    private readonly client: Client & StoreCommands,
    private readonly keys: RedisKeys,
    private readonly epoch: StoreEpoch,
    private readonly timeoutMs: number,
  ) {}

  async rotate(rotation: SessionRotation): Promise<RotationOutcome> {
    if (this.client.status !== 'ready' || !this.epoch.verified) {
      throw new TokenAuthError('revocation_unavailable', 'refresh is unavailable while the revocation store is down');
    }
    const sessionKey = this.keys.session(rotation.sid);
    const userKey = this.keys.revocation('user', rotation.sub);
    const args = [
      Buffer.from(rotation.jti, 'base64url'),
      Buffer.from(rotation.successorJti, 'base64url'),
      time6(rotation.now),
      time6(rotation.issuedAt),
      rotation.expiresAt,
      rotation.now,
      rotation.issuedAt < this.epoch.resetBefore ? '0' : '1',
    ];
    let answer: [Buffer[], string | null];
    try {
      answer = await withTimeout(this.ask(sessionKey, args, userKey), this.timeoutMs);
    } catch (error) {
      throw new TokenAuthError('revocation_unavailable', `refresh is unavailable: ${describeError(error)}`);
    }
    const [[reply, usedAt, startedAt], userValue] = answer;
    const cutoff = RedisKeys.cutoffOf(userValue);
    if (cutoff !== undefined && rotation.issuedAt < cutoff) return { kind: 'revoked' };
    const kind = reply?.toString();
    switch (kind) {
      case 'rotated':
      case 'replayed':
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

  /** The script and the user's cut-off in one round trip: a pipeline, or on a Cluster (other slots) two commands at once. */
  private async ask(
    sessionKey: string,
    args: (Buffer | string | number)[],
    userKey: string,
  ): Promise<[Buffer[], string | null]> {
    if ((this.client as Cluster).isCluster) {
      return Promise.all([this.client.ntaRotateBuffer(sessionKey, ...args), this.client.get(userKey)]);
    }
    const replies = (await (this.client.pipeline() as Pipeline)
      .ntaRotateBuffer(sessionKey, ...args)
      .get(userKey)
      .exec())!;
    for (const [error] of replies) if (error) throw error;
    return [replies[0]![1] as Buffer[], replies[1]![1] as string | null];
  }
}
