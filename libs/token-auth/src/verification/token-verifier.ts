import { createSecretKey, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { INVALID_SIGNATURE_MESSAGE, TokenAuthError } from '../errors/token-auth.error.js';
import { TokenAuthCounters } from '../events/token-auth-counters.js';
import { parseAttenuatedToken } from '../format/attenuated-codec.js';
import { ATTENUATED_MARK, ATTENUATED_MARK_INDEX } from '../format/caveat-format.js';
import type { EffectiveCaveats } from '../format/effective-caveats.js';
import type { TokenClaims } from '../format/token-claims.js';
import {
  expiresAtOf,
  issuedAtOf,
  parseToken,
  sessionIdOf,
  subjectOf,
  tagMatches,
  tokenIdOf,
  type ParsedToken,
} from '../format/token-codec.js';
import { TokenPurpose, type TokenPurposeName } from '../format/token-format.js';
import type { KeyRing } from '../keys/key-ring.js';
import { KeyRingManager } from '../keys/key-ring-manager.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from '../options/token-auth.options.js';
import { REVOCATION_STORE, type RevocationStore } from '../revocation/revocation-store.interface.js';
import { AttenuatedTokens, caveatsOfToken, type VerificationFacts } from './attenuated-tokens.js';
import { CaveatChecks } from './caveat-checks.js';
import { claimsOf, keyIdOf } from './decoded-fields.js';
import { KeyRefusalLog } from './key-refusal-log.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/**
 * What a token is hashed with when the ring does not accept the key it names: a random key no token is signed with,
 * so that its refusal costs what a bad signature's does (one HMAC), as its answer is the same.
 */
const DECOY_KEY = createSecretKey(randomBytes(32));

/** How `verifyAs` checks a token beyond its bytes. */
export interface VerifyAsOptions {
  /** The longest lifetime (`exp - iat`) accepted for this purpose. */
  maxLifetimeMs: number;
  /** Whether a revoked token is refused; `revoke` verifies without, since revoking twice is harmless. */
  checkRevocation: boolean;
}

/**
 * Verifies tokens: synchronous, one HMAC, one constant-time compare and a revocation lookup in memory, no I/O.
 * A verification reads top to bottom here: the cache (a hit skips decoding and the HMAC, which depend only on the
 * token's text and the key), then a token's bytes, then `checkUse`, which every use passes, cached or not.
 */
@Injectable()
export class TokenVerifier {
  /** Access tokens that passed verification twice; undefined with `verifyCache: false`. */
  private readonly cache?: VerifiedTokenCache;
  /** How `verify` checks an access token, made once: no object is allocated per verification. */
  private readonly accessChecks: VerifyAsOptions;
  /**
   * The clock tokens are checked on: the one they are stamped with (the shared store's, when it has one), so an
   * instance whose own clock is off neither refuses the tokens it just issued nor accepts expired ones.
   */
  private readonly now: () => number;
  /** Why tokens were refused for their key: callers are told `invalid_signature`, the log the reason. */
  private readonly keyRefusals: KeyRefusalLog;
  /** What attenuated tokens need beyond a v1 token's checks: the tag chain, caveats, one-time use. */
  private readonly attenuated: AttenuatedTokens;

  constructor(
    @Inject(TOKEN_AUTH_OPTIONS) private readonly options: ResolvedTokenAuthOptions,
    private readonly keys: KeyRingManager,
    @Inject(REVOCATION_STORE) private readonly revocations: RevocationStore,
    private readonly counters: TokenAuthCounters,
  ) {
    if (options.verifyCache !== false) this.cache = new VerifiedTokenCache(options.verifyCache);
    this.accessChecks = { maxLifetimeMs: options.maxAccessTokenTtlMs, checkRevocation: true };
    this.now = revocations.now?.bind(revocations) ?? options.clock;
    this.keyRefusals = new KeyRefusalLog(new Logger('TokenAuth'), options.clock);
    this.attenuated = new AttenuatedTokens(revocations, options.clockToleranceMs);
  }

  /**
   * An access token's claims (frozen), or `TokenAuthError` with a stable code. An attenuated token's caveats are
   * checked against `facts`; a fact left out meets no caveat about it. Counted by outcome (`ok`, or the refusal
   * code): the only cost of the counters here is one increment, whether or not anything reads them.
   */
  verify(token: string, facts?: VerificationFacts): TokenClaims {
    const outcome = this.outcomeOf(token, facts);
    if (outcome instanceof TokenAuthError) {
      this.counters.refused(outcome);
      throw outcome;
    }
    this.counters.verified++;
    return outcome;
  }

  /**
   * The claims, or the refusal. The verifier's own refusals (a bad signature, a key the ring does not accept, the
   * wrong purpose, the lifetime, a revocation) are returned rather than thrown, so that `verify` throws once: a throw
   * costs V8 a quarter of the HMAC (locating it in the source and unwinding the stack), and catching it to count it
   * and throwing it again cost that twice. Refusals thrown from elsewhere (the format, the ring, the store, a caveat)
   * are caught and returned too.
   */
  private outcomeOf(token: string, facts: VerificationFacts | undefined): TokenClaims | TokenAuthError {
    try {
      return this.verifyCounted(token, facts);
    } catch (error) {
      if (error instanceof TokenAuthError) return error;
      this.counters.refused(error);
      throw error;
    }
  }

  private verifyCounted(token: string, facts: VerificationFacts | undefined): TokenClaims | TokenAuthError {
    const maxLifetimeMs = this.options.maxAccessTokenTtlMs;
    const { cache } = this;
    const at = cache === undefined ? -1 : cache.find(token);
    if (at !== -1) {
      const ring = this.keys.current;
      // Cached under this ring, the tag matching one of its keys; or under the ring before it, whose keys this one
      // holds unchanged (a reload that changed nothing). Otherwise the cache was emptied and the token is verified
      // from its bytes.
      if (ring === cache!.ring || cache!.follow(ring)) {
        this.counters.cacheHits++;
        const cached = cache!.claimsAt(at);
        const refusal = this.useRefusal(ring, cached, maxLifetimeMs, this.now());
        if (refusal !== undefined) return refusal;
        // An attenuated token's caveats, against this request.
        return cache!.checksAt(at)?.refusal(facts) ?? cached;
      }
    }
    // `nta1c.`, not `nta1.`: the fifth character tells them apart.
    if (typeof token === 'string' && token.charCodeAt(ATTENUATED_MARK_INDEX) === ATTENUATED_MARK) {
      return this.verifyAttenuated(token, facts);
    }
    return this.verifyBytes('access', token, this.accessChecks, this.cache);
  }

  /** Spends an attenuated token's one-time ids in the revocation store; what a caller passing `spendsOnce` awaits. */
  spendOnce(claims: TokenClaims): Promise<void> {
    return this.attenuated.spendOnce(claims);
  }

  /** A token of either purpose, verified from its bytes (refresh and `revoke` use it); never cached. */
  verifyAs(purpose: TokenPurposeName, token: string, options: VerifyAsOptions): TokenClaims {
    const outcome = this.verifyBytes(purpose, token, options, undefined);
    if (outcome instanceof TokenAuthError) throw outcome;
    return outcome;
  }

  /** The claims of a token verified from its bytes, or the verifier's refusal of it (the format's is thrown). */
  private verifyBytes(
    purpose: TokenPurposeName,
    token: string,
    { maxLifetimeMs, checkRevocation }: VerifyAsOptions,
    cache: VerifiedTokenCache | undefined,
  ): TokenClaims | TokenAuthError {
    const parsed = parseToken(token);
    if (parsed.purpose !== TokenPurpose[purpose]) {
      return new TokenAuthError('wrong_purpose', purpose === 'access' ? 'not an access token' : 'not a refresh token');
    }
    const kid = keyIdOf(parsed);
    const issuedAt = issuedAtOf(parsed);
    const ring = this.keys.current;
    // One clock reading for every check of this verification.
    const now = this.now();
    const macKey = ring.keyFor(kid, purpose, issuedAt, now, this.options.clockToleranceMs);
    // A key the ring does not accept costs one HMAC too, under the decoy key, and is answered as a bad signature:
    // neither the answer nor its cost tells which key ids the ring holds, or when a retiring key stopped signing.
    const tagMatched = tagMatches(parsed, macKey ?? DECOY_KEY);
    if (macKey === undefined) return this.keyRefusal(ring, kid, issuedAt, now);
    if (!tagMatched) return new TokenAuthError('invalid_signature', INVALID_SIGNATURE_MESSAGE);
    const expiresAt = expiresAtOf(parsed);
    const lifetime = this.lifetimeRefusal(issuedAt, expiresAt, maxLifetimeMs, now);
    if (lifetime !== undefined) return lifetime;
    const claims = toClaims(parsed, purpose, kid, issuedAt, expiresAt);
    if (checkRevocation && this.revocations.isRevoked(claims)) return revoked();
    cache?.add(token, claims, ring);
    return claims;
  }

  /**
   * An attenuated access token (docs/token-format.md, section 9.4): the checks of `verifyBytes` on its body, with the
   * tag chain for the tag, then its caveats; the parent's lifetime and the effective one; revocation of the parent's
   * token, session and user; and the request against the caveats. Cached like any access token once accepted.
   */
  private verifyAttenuated(token: string, facts: VerificationFacts | undefined): TokenClaims | TokenAuthError {
    const parsed = parseAttenuatedToken(token);
    if (parsed.purpose !== TokenPurpose.access) return new TokenAuthError('wrong_purpose', 'not an access token');
    const kid = keyIdOf(parsed);
    const issuedAt = issuedAtOf(parsed);
    const ring = this.keys.current;
    const now = this.now();
    const maxLifetimeMs = this.options.maxAccessTokenTtlMs;
    const macKey = ring.keyFor(kid, 'access', issuedAt, now, this.options.clockToleranceMs);
    // As in verifyBytes: a key the ring does not accept costs a chain too, and is answered as a bad signature.
    const chainMatched = this.attenuated.chainMatches(parsed, ring, macKey ?? DECOY_KEY);
    if (macKey === undefined) return this.keyRefusal(ring, kid, issuedAt, now);
    if (!chainMatched) return new TokenAuthError('invalid_signature', INVALID_SIGNATURE_MESSAGE);
    const parentExpiresAt = expiresAtOf(parsed);
    const parentLifetime = this.lifetimeRefusal(issuedAt, parentExpiresAt, maxLifetimeMs, now);
    if (parentLifetime !== undefined) return parentLifetime;
    const caveats = caveatsOfToken(token, parsed);
    // The earlier of the parent's expiry and the caveats'; an expires caveat at or before the issue time expires it.
    const expiresAt = Math.min(parentExpiresAt, caveats.expiresAt ?? parentExpiresAt);
    if (expiresAt <= issuedAt) return new TokenAuthError('token_expired', 'token expired by its expires caveat');
    const lifetime = this.lifetimeRefusal(issuedAt, expiresAt, maxLifetimeMs, now);
    if (lifetime !== undefined) return lifetime;
    const claims = toClaims(parsed, 'access', kid, issuedAt, expiresAt, caveats);
    if (this.revocations.isRevoked(claims)) return revoked();
    const checks = new CaveatChecks(caveats, this.options.audience);
    const unmet = checks.refusal(facts);
    if (unmet !== undefined) return unmet;
    this.cache?.add(token, claims, ring, checks);
    return claims;
  }

  /**
   * Why a verified token may not be used now, if it may not, since each can change after it was cached: the ring no
   * longer accepts its key, it is outside its lifetime, or it is revoked (the store is asked last, so only authentic,
   * unexpired tokens reach it; it may throw revocation_unavailable). The same checks, in the same order, refuse a
   * token verified from its bytes.
   */
  private useRefusal(
    ring: KeyRing,
    claims: TokenClaims,
    maxLifetimeMs: number,
    now: number,
  ): TokenAuthError | undefined {
    if (ring.keyFor(claims.kid, claims.purpose, claims.issuedAt, now, this.options.clockToleranceMs) === undefined) {
      return this.keyRefusal(ring, claims.kid, claims.issuedAt, now);
    }
    return (
      this.lifetimeRefusal(claims.issuedAt, claims.expiresAt, maxLifetimeMs, now) ??
      (this.revocations.isRevoked(claims) ? revoked() : undefined)
    );
  }

  /**
   * The refusal of a token whose key `ring` does not accept now (`KeyRing.keyFor`: the id is not in the ring, the key
   * is retired, or the token claims an issue time after the key stopped signing): `unknown_key`, which callers are
   * told as `invalid_signature` (`TokenAuthError.publicCode`) with its message, the reason going to the debug log.
   * A key id the ring lacks may be a key published since it was loaded: a reload is requested for it, and only for
   * it (a reload cannot help a key the ring holds, and asking for one would let a caller time which case it hit).
   */
  private keyRefusal(ring: KeyRing, kid: string, issuedAt: number, now: number): TokenAuthError {
    if (ring.get(kid) === undefined) this.keys.requestRefresh();
    this.keyRefusals.refused(ring, kid, issuedAt, now, this.options.clockToleranceMs);
    return new TokenAuthError('unknown_key', INVALID_SIGNATURE_MESSAGE);
  }

  /** Expiry and issue time against the clock, with the tolerance, and the lifetime against its maximum. */
  private lifetimeRefusal(
    issuedAt: number,
    expiresAt: number,
    maxLifetimeMs: number,
    now: number,
  ): TokenAuthError | undefined {
    const tolerance = this.options.clockToleranceMs;
    if (now > expiresAt + tolerance) return new TokenAuthError('token_expired', 'token expired');
    if (now < issuedAt - tolerance) return new TokenAuthError('token_not_yet_valid', 'token issued in the future');
    if (expiresAt <= issuedAt || expiresAt - issuedAt > maxLifetimeMs) {
      return new TokenAuthError('invalid_lifetime', 'token lifetime exceeds the allowed maximum');
    }
    return undefined;
  }
}

function revoked(): TokenAuthError {
  return new TokenAuthError('revoked_token', 'token revoked');
}

/** Frozen: the cache hands the same object to every request carrying the token. `caveats`: an attenuated token's. */
function toClaims(
  parsed: ParsedToken,
  purpose: TokenPurposeName,
  kid: string,
  issuedAt: number,
  expiresAt: number,
  caveats?: EffectiveCaveats,
): TokenClaims {
  const sub = subjectOf(parsed);
  const jti = tokenIdOf(parsed);
  const sid = sessionIdOf(parsed);
  const claims = claimsOf(parsed);
  return Object.freeze(
    caveats === undefined
      ? { sub, jti, sid, purpose, kid, issuedAt, expiresAt, claims }
      : { sub, jti, sid, purpose, kid, issuedAt, expiresAt, claims, caveats },
  );
}
