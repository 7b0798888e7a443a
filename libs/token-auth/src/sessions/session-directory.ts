import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '../errors/describe-error.js';
import { SecurityEventBus } from '../events/security-event-bus.js';
import type { PairOptions, TokenPair } from '../issuing/issued-token.js';
import { TokenIssuer } from '../issuing/token-issuer.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import {
  REVOCATION_STORE,
  type RevocationResult,
  type RevocationStore,
} from '../revocation/revocation-store.interface.js';
import type { SessionDevice, SessionEntry } from '../revocation/session-entry.js';
import { sanitizeDevice } from './session-device.js';
import { TokenRevoker } from './token-revoker.js';

/** One of a user's live sessions, as `listSessions` shows it. Times are milliseconds since the epoch. */
export interface SessionInfo {
  /** The session id (`sid`): what `revokeSession` takes. */
  id: string;
  /** The login. */
  createdAt: number;
  /** The latest refresh, or the login. */
  lastActiveAt: number;
  /** When the session ends unless it refreshes again (its last refresh token expires, or its maximum lifetime). */
  expiresAt: number;
  /** True for the session the list was asked from (`currentSessionId`). */
  current: boolean;
  /** What the app recorded at login (`issuePair(subject, { device })`), cleaned and capped. */
  device: SessionDevice;
}

export interface ListSessionsOptions {
  /** The caller's session id (`@CurrentUser('sid')`): its entry is marked `current` and listed first. */
  currentSessionId?: string;
}

/** A pair, and whether the store has its session in the user's index on every instance yet. */
export type StartedSession = TokenPair & RevocationResult;

/** What `revokeOtherSessions` did. */
export interface OtherSessionsRevocation extends RevocationResult {
  /** How many sessions were revoked. */
  revoked: number;
}

/**
 * The sessions a user can see and end: each login is recorded in its user's index in the revocation store (the
 * device fields cleaned and capped), refreshes move its last activity there (`SessionRefresher`), and the index is
 * what `listSessions` reads and `revokeOtherSessions` ends.
 */
@Injectable()
export class SessionDirectory {
  private readonly logger = new Logger('TokenAuth');

  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    private readonly issuer: TokenIssuer,
    private readonly revoker: TokenRevoker,
    @Inject(REVOCATION_STORE) private readonly revocations: RevocationStore,
    private readonly events: SecurityEventBus,
  ) {}

  /**
   * A login: the pair, and the store's write of the session's entry, under way. The device is checked first, so a
   * bad one throws before anything is issued.
   */
  start(subject: string, options: PairOptions): { pair: TokenPair; recorded: Promise<RevocationResult> } {
    const device = sanitizeDevice(options.device, this.options.sessionIp);
    const pair = this.issuer.issuePair(subject, { claims: options.claims });
    this.events.emit({
      type: 'session.signed_in',
      time: this.options.clock(),
      subject,
      sessionId: pair.refresh.claims.sid,
      ...(Object.keys(device).length > 0 && { device }),
    });
    if (this.revocations.recordSession === undefined) return { pair, recorded: Promise.resolve({ persisted: true }) };
    const createdAt = pair.refresh.claims.issuedAt;
    const entry: SessionEntry = {
      sid: pair.refresh.claims.sid,
      createdAt,
      lastActiveAt: createdAt,
      expiresAt:
        Math.min(pair.refresh.claims.expiresAt, createdAt + this.options.maxSessionLifetimeMs) +
        this.options.clockToleranceMs,
      device,
    };
    const recorded = this.revocations.recordSession(subject, entry).catch((error: unknown) => {
      this.logger.warn(`sessions: the store could not record session ${entry.sid} (${describeError(error)})`);
      return { persisted: false };
    });
    return { pair, recorded };
  }

  /** The user's live sessions, the caller's first, then the most recently active. */
  async list(subject: string, { currentSessionId }: ListSessionsOptions = {}): Promise<SessionInfo[]> {
    if (typeof subject !== 'string' || subject.length === 0) throw new TypeError('subject must be a non-empty string');
    const entries = await this.listEntries(subject);
    return entries
      .map(({ sid, createdAt, lastActiveAt, expiresAt, device }) => ({
        id: sid,
        createdAt,
        lastActiveAt,
        expiresAt,
        current: sid === currentSessionId,
        device,
      }))
      .sort((a, b) => Number(b.current) - Number(a.current) || b.lastActiveAt - a.lastActiveAt);
  }

  /** Ends every session of the user in the index but `keepSessionId`, on every instance. */
  async revokeOthers(subject: string, keepSessionId: string): Promise<OtherSessionsRevocation> {
    if (typeof keepSessionId !== 'string') throw new TypeError('keepSessionId must be a session id');
    const others = (await this.list(subject)).filter((session) => session.id !== keepSessionId);
    const result = await this.revoker.revokeSessions(
      others.map((session) => session.id),
      subject,
    );
    return { ...result, revoked: others.length };
  }

  /**
   * The store's entries that are live now: not expired, not past the session's maximum lifetime, and not revoked
   * by a revocation this instance already enforces (one whose write to a shared store is still under way).
   */
  private async listEntries(subject: string): Promise<SessionEntry[]> {
    if (this.revocations.listSessions === undefined) {
      throw new TypeError(
        'this revocation store keeps no session index: listSessions needs the MemoryRevocationStore, the ' +
          'RedisRevocationStore, or a store implementing recordSession, listSessions and forgetSession',
      );
    }
    const entries = await this.revocations.listSessions(subject);
    const now = this.issuer.now();
    const endOfLife = this.options.maxSessionLifetimeMs + this.options.clockToleranceMs;
    return entries.filter(
      (entry) =>
        entry.expiresAt > now &&
        entry.createdAt + endOfLife > now &&
        // Every token of the session was issued at its last activity or before: a cut-off past it covers them all.
        !this.revocations.isRevoked({ jti: '', sid: entry.sid, sub: subject, issuedAt: entry.lastActiveAt }),
    );
  }
}
