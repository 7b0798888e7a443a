import { describeError } from '../../errors/describe-error.js';
import { TokenAuthError } from '../../errors/token-auth.error.js';
import type { RotationOutcome, SessionRotation } from '../revocation-store.interface.js';
import { RedisKeys } from './redis-keys.js';
import type { Client, StoreCommands } from './redis-scripts.js';
import type { StoreEpoch } from './store-epoch.js';
import { withTimeout } from './with-timeout.js';

/**
 * Refresh against Redis, which is authoritative for it: one script on the session's one record (`f:{sid}`), and,
 * in the same round trip, the user's cut-off. Without an answer in time a refresh cannot be decided: 503; the
 * script may still run later, which the caller's retry then meets as a replay of the same successor.
 */
export class SessionRecords {
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
    let answer: [string[], string | null];
    try {
      answer = await withTimeout(
        Promise.all([
          this.client.ntaRotate(
            this.keys.session(rotation.sid),
            rotation.jti,
            rotation.successorJti,
            rotation.now,
            rotation.expiresAt,
            rotation.issuedAt,
            this.epoch.resetBefore,
          ),
          this.client.get(this.keys.revocation('user', rotation.sub)),
        ]),
        this.timeoutMs,
      );
    } catch (error) {
      throw new TokenAuthError('revocation_unavailable', `refresh is unavailable: ${describeError(error)}`);
    }
    const [[kind, usedAt, startedAt], userValue] = answer;
    const cutoff = RedisKeys.cutoffOf(userValue);
    if (cutoff !== undefined && rotation.issuedAt < cutoff) return { kind: 'revoked' };
    switch (kind) {
      case 'rotated':
      case 'replayed':
        return { kind, usedAt: Number(usedAt), startedAt: Number(startedAt) };
      case 'reused':
        return { kind, startedAt: Number(startedAt) };
      case 'revoked':
      case 'reset':
        return { kind };
      default:
        throw new TokenAuthError('revocation_unavailable', `refresh is unavailable: unexpected answer ${String(kind)}`);
    }
  }
}
