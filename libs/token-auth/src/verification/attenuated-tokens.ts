import type { KeyObject } from 'node:crypto';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { bodyTagOf, chainMatches, type ParsedAttenuatedToken } from '../format/attenuated-codec.js';
import { CaveatFormatError } from '../format/caveats.js';
import { readCaveats, type EffectiveCaveats } from '../format/effective-caveats.js';
import { TAG_BYTES } from '../format/token-format.js';
import type { RequestFacts } from '../format/request-path.js';
import type { TokenClaims } from '../format/token-claims.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { RevocationStore } from '../revocation/revocation-store.interface.js';
import { ParentTagCache } from './parent-tag-cache.js';

/** What a request shows the caveats of an attenuated token: its method and path, and who spends one-time ids. */
export interface VerificationFacts extends RequestFacts {
  /**
   * The caller spends the token's one-time ids (`TokenService.spendOnce`) and waits for that before serving the
   * request, as the guard does over HTTP and GraphQL. Without it a token with a one-time caveat is refused.
   */
  readonly spendsOnce?: boolean;
}

/**
 * The parts of verifying an attenuated token (docs/token-format.md, section 9.4) that a v1 token does not have: the
 * tag chain, reading the caveats, and checking them against a request. `TokenVerifier` runs them between the
 * checks every token passes.
 */
export class AttenuatedTokens {
  private readonly parentTags = new ParentTagCache();

  constructor(
    private readonly revocations: RevocationStore,
    private readonly clockToleranceMs: number,
  ) {}

  /**
   * Spends each one-time id of a verified token in the revocation store, atomically across instances, until the
   * token expires: `revoked_token` when one was spent before, `revocation_unavailable` when the store cannot answer
   * (never a second use), `caveat_unmet` when the store cannot record one-time use at all.
   */
  async spendOnce(claims: TokenClaims): Promise<void> {
    const once = claims.caveats?.once;
    if (once === undefined || once.length === 0) return;
    if (this.revocations.spendOnce === undefined) {
      throw new TokenAuthError('caveat_unmet', 'this revocation store cannot record one-time use');
    }
    const until = claims.expiresAt + this.clockToleranceMs;
    for (const id of once) {
      let spent: boolean;
      try {
        spent = await this.revocations.spendOnce(id, until);
      } catch {
        throw new TokenAuthError('revocation_unavailable', 'the revocation store could not record a one-time use');
      }
      if (!spent) throw new TokenAuthError('revoked_token', 'one-time token already used');
    }
  }

  /**
   * Step 8: whether the chain from t0 ends in the token's tag. t0 comes from the parent tag cache when this body was
   * verified under `ring` before (one HMAC per caveat), else from the body (one more); it is kept once the whole
   * chain matched.
   */
  chainMatches(parsed: ParsedAttenuatedToken, ring: KeyRing, macKey: KeyObject): boolean {
    const cached = this.parentTags.get(ring, parsed.view, parsed.bodyLength);
    const bodyTag = cached ?? bodyTagOf(parsed, macKey);
    if (!chainMatches(parsed, bodyTag)) return false;
    if (cached === undefined) this.parentTags.set(ring, parsed.view, parsed.bodyLength, bodyTag);
    return true;
  }
}

/**
 * Step 14: the caveats of an authentic token (`token`, parsed), taken together. An unknown type is `caveat_unknown`
 * (fail closed), a payload its type does not allow `token_malformed`, caveats no request can meet `caveat_unmet`.
 */
export function caveatsOfToken(token: string, parsed: ParsedAttenuatedToken): EffectiveCaveats {
  try {
    return readCaveats(parsed.bytes, parsed.bodyLength, parsed.length - TAG_BYTES, token);
  } catch (error) {
    if (!(error instanceof CaveatFormatError)) throw error;
    const code =
      error.problem === 'unknown'
        ? 'caveat_unknown'
        : error.problem === 'malformed'
          ? 'token_malformed'
          : 'caveat_unmet';
    throw new TokenAuthError(code, error.message);
  }
}
