import type { Revocation, RevocationKind } from '../revocation-set.js';

const KIND_CODE: Record<RevocationKind, string> = { token: 't', session: 's', user: 'u' };
const KIND_OF_CODE: Record<string, RevocationKind> = { t: 'token', s: 'session', u: 'user' };

/** A revocation on the wire of `{prefix}events`: what replicas need. */
export type Wire = [code: string, id: string, issuedBefore: number, accessUntil: number];

/**
 * The key layout under one prefix: `[tsu]:{id}` revocations (scanned into replicas), `f:{sid}` one record per
 * refreshed session, `epoch` the data-loss marker, `events` the pub/sub channel.
 */
export class RedisKeys {
  readonly channel: string;
  readonly epoch: string;
  readonly revocationPattern: string;

  constructor(readonly prefix: string) {
    this.channel = `${prefix}events`;
    this.epoch = `${prefix}epoch`;
    this.revocationPattern = `${prefix}[tsu]:*`;
  }

  revocation(kind: RevocationKind, id: string): string {
    return `${this.prefix}${KIND_CODE[kind]}:${id}`;
  }

  session(sid: string): string {
    return `${this.prefix}f:${sid}`;
  }

  toWire(revocation: Revocation): Wire {
    return [KIND_CODE[revocation.kind], revocation.id, revocation.issuedBefore, revocation.expiresAt];
  }

  fromWire([code, id, issuedBefore, expiresAt]: Wire): Revocation | undefined {
    const kind = KIND_OF_CODE[code];
    return kind === undefined ? undefined : { kind, id, issuedBefore, expiresAt };
  }

  /** A revocation key and its `b:a:e` (or older `b:e`) value, as replicas hold it: until `a`. */
  parse(key: string, value: unknown): Revocation | undefined {
    const kind = KIND_OF_CODE[key.charAt(this.prefix.length)];
    const match = typeof value === 'string' ? /^(\d+):(\d+)(?::\d+)?$/.exec(value) : null;
    if (kind === undefined || match === null) return undefined;
    return { kind, id: key.slice(this.prefix.length + 2), issuedBefore: Number(match[1]), expiresAt: Number(match[2]) };
  }

  /** The user's cut-off for refresh, from a `u:` value (`b:a:e`, or `b:e`). */
  static cutoffOf(value: string | null): number | undefined {
    const match = value === null ? null : /^(\d+):/.exec(value);
    return match === null ? undefined : Number(match[1]);
  }
}
