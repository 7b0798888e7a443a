import type { LoggerService } from '@nestjs/common';
import { describeError } from '../../errors/describe-error.js';
import { TokenAuthError } from '../../errors/token-auth.error.js';
import type { RevocationResult } from '../revocation-store.interface.js';
import type { SessionEntry } from '../session-entry.js';
import type { RedisKeys } from './redis-keys.js';
import type { Client, StoreCommands } from './redis-scripts.js';
import { withTimeout } from './with-timeout.js';

const RETRY_MS = 1000;

/**
 * An entry as the hash holds it: `[expiresAt,createdAt,lastActiveAt,userAgent,label,ip]`, compact JSON with the
 * empty device fields at the end left out. The expiry comes first, so the scripts prune without decoding JSON.
 */
export function encodeEntry({ expiresAt, createdAt, lastActiveAt, device }: SessionEntry): string {
  const { userAgent = '', label = '', ip = '' } = device;
  const fields: (number | string)[] = [expiresAt, createdAt, lastActiveAt, userAgent, label, ip];
  while (fields.length > 3 && fields[fields.length - 1] === '') fields.pop();
  return JSON.stringify(fields);
}

/** An entry read back; undefined for a value that is not one. */
export function decodeEntry(sid: string, value: string): SessionEntry | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length < 3) return undefined;
  const [expiresAt, createdAt, lastActiveAt, userAgent, label, ip] = fields as unknown[];
  if (typeof expiresAt !== 'number' || typeof createdAt !== 'number' || typeof lastActiveAt !== 'number') {
    return undefined;
  }
  const device: SessionEntry['device'] = {};
  if (typeof userAgent === 'string' && userAgent !== '') device.userAgent = userAgent;
  if (typeof label === 'string' && label !== '') device.label = label;
  if (typeof ip === 'string' && ip !== '') device.ip = ip;
  return { sid, createdAt, lastActiveAt, expiresAt, device };
}

/**
 * The users' session indexes in Redis, one hash per user (`{prefix}d:{sub}`), so that listing a user's sessions is
 * one `HGETALL`, on a Cluster too. Logins write their entry here; refreshes update it in the rotation's round trip
 * (`RedisSessionRotation`); revocations drop it (`RevocationWriter`). A login Redis does not answer in time is kept
 * here and written again every second while it is unexpired: a login never fails or waits because of the index.
 */
export class RedisSessionIndex {
  private readonly pending = new Map<string, { sub: string; entry: SessionEntry }>();
  private retryTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly client: Client & StoreCommands,
    private readonly keys: RedisKeys,
    private readonly timeoutMs: number,
    private readonly clock: () => number,
    private readonly logger: LoggerService,
    /** Whether Redis is answering now; when not, a login's entry is kept for later at once. */
    private readonly available: () => boolean,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  async record(sub: string, entry: SessionEntry): Promise<RevocationResult> {
    if (this.available()) {
      try {
        await withTimeout(this.write(sub, entry), this.timeoutMs);
        return { persisted: true };
      } catch (error) {
        this.logger.warn(`sessions: could not record a login in Redis (${describeError(error)}); retrying`);
      }
    }
    this.pending.set(`${sub}\n${entry.sid}`, { sub, entry });
    this.scheduleRetry();
    return { persisted: false };
  }

  /** One `HGETALL`: every entry of the user's hash, live or not yet pruned. */
  async list(sub: string): Promise<SessionEntry[]> {
    const values = await this.ask(() => this.client.hgetall(this.keys.sessionIndex(sub)), 'listing sessions');
    const entries: SessionEntry[] = [];
    for (const [sid, value] of Object.entries(values)) {
      const entry = decodeEntry(sid, value);
      if (entry !== undefined) entries.push(entry);
    }
    // A login still waiting to be written is this user's session all the same.
    for (const { sub: owner, entry } of this.pending.values()) {
      if (owner === sub && !entries.some((e) => e.sid === entry.sid)) entries.push(entry);
    }
    return entries;
  }

  /** One `HDEL`: true when the session was in the user's index. */
  async forget(sub: string, sid: string): Promise<boolean> {
    const queued = this.pending.delete(`${sub}\n${sid}`);
    const removed = await this.ask(() => this.client.hdel(this.keys.sessionIndex(sub), sid), 'revoking a session');
    return removed === 1 || queued;
  }

  /** Writes what is still queued once more, then stops retrying. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.pending.size > 0 && this.available()) await this.flush();
  }

  /** Writes the queued logins that are still unexpired; keeps retrying while some fail. */
  async flush(): Promise<void> {
    const now = this.clock();
    for (const [key, { sub, entry }] of [...this.pending]) {
      if (entry.expiresAt <= now) {
        this.pending.delete(key);
        continue;
      }
      try {
        await withTimeout(this.write(sub, entry), this.timeoutMs);
        if (this.pending.get(key)?.entry === entry) this.pending.delete(key);
      } catch {
        break;
      }
    }
    if (this.pending.size > 0) this.scheduleRetry();
  }

  private write(sub: string, entry: SessionEntry): Promise<number> {
    return this.client.ntaIndexRecord(this.keys.sessionIndex(sub), entry.sid, encodeEntry(entry), entry.expiresAt);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.available()) void this.flush();
      else this.scheduleRetry();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /** A read or a removal, within the write timeout; otherwise `revocation_unavailable` (503). */
  private async ask<T>(command: () => Promise<T>, what: string): Promise<T> {
    if (!this.available()) {
      throw new TokenAuthError('revocation_unavailable', `${what} is unavailable while the revocation store is down`);
    }
    try {
      return await withTimeout(command(), this.timeoutMs);
    } catch (error) {
      throw new TokenAuthError('revocation_unavailable', `${what} is unavailable: ${describeError(error)}`);
    }
  }
}
