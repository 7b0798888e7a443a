import type { Revocation, RevocationKind } from '../revocation-set.js';

const KIND_CODE: Record<RevocationKind, string> = { token: 't', session: 's', user: 'u' };
const KIND_OF_CODE: Record<string, RevocationKind> = { t: 'token', s: 'session', u: 'user' };

/**
 * A revocation on the wire of `{prefix}events`: what replicas need, and until when refresh needs it (so that any
 * instance can write it back whole). Earlier versions send the first four.
 */
export type Wire = [code: string, id: string, issuedBefore: number, accessUntil: number, refreshUntil?: number];

/**
 * The key layout under one prefix: `[tsu]:{id}` revocations (scanned into replicas), `f:{sid}` one record per
 * refreshed session, `d:{sub}` each user's session index (one hash, for `listSessions`), `epoch` the data-loss marker, `rotations` the count of session-record writes (which only
 * grows, so a Redis behind what an instance saw is noticed), `events` the pub/sub channel.
 */
export class RedisKeys {
  readonly channel: string;
  readonly epoch: string;
  readonly rotations: string;
  readonly revocationPattern: string;

  constructor(readonly prefix: string) {
    this.channel = `${prefix}events`;
    this.epoch = `${prefix}epoch`;
    this.rotations = `${prefix}rotations`;
    this.revocationPattern = `${prefix}[tsu]:*`;
  }

  revocation(kind: RevocationKind, id: string): string {
    return `${this.prefix}${KIND_CODE[kind]}:${id}`;
  }

  session(sid: string): string {
    return `${this.prefix}f:${sid}`;
  }

  sessionIndex(sub: string): string {
    return `${this.prefix}d:${sub}`;
  }

  /** A spent one-time id of an attenuated token, until that token expires. */
  spentOnce(id: string): string {
    return `${this.prefix}o:${id}`;
  }

  toWire({ kind, id, issuedBefore, expiresAt, refreshUntil }: Revocation): Wire {
    const wire: Wire = [KIND_CODE[kind], id, issuedBefore, expiresAt];
    if (refreshUntil !== undefined && refreshUntil > 0) wire.push(refreshUntil);
    return wire;
  }

  fromWire([code, id, issuedBefore, expiresAt, refreshUntil]: Wire): Revocation | undefined {
    const kind = KIND_OF_CODE[code];
    if (kind === undefined) return undefined;
    return { kind, id, issuedBefore, expiresAt, ...(typeof refreshUntil === 'number' && { refreshUntil }) };
  }

  /**
   * A revocation key and its `b:a:e` (or older `b:e`) value, as replicas hold it: until `a`. A user's key lives
   * until its refresh side ends (`e`); a session's refresh side is its record's TTL, not in this value.
   */
  parse(key: string, value: unknown): Revocation | undefined {
    const kind = KIND_OF_CODE[key.charAt(this.prefix.length)];
    const match = typeof value === 'string' ? /^(\d+):(\d+)(?::(\d+))?$/.exec(value) : null;
    if (kind === undefined || match === null) return undefined;
    const id = key.slice(this.prefix.length + 2);
    const [issuedBefore, expiresAt] = [Number(match[1]), Number(match[2])];
    const refreshUntil = kind === 'user' ? Number(match[3] ?? match[2]) : 0;
    return { kind, id, issuedBefore, expiresAt, ...(refreshUntil > 0 && { refreshUntil }) };
  }

  /** The user's cut-off for refresh, from a `u:` value (`b:a:e`, or `b:e`). */
  static cutoffOf(value: string | null): number | undefined {
    const match = value === null ? null : /^(\d+):/.exec(value);
    return match === null ? undefined : Number(match[1]);
  }
}
