import type { KeyObject } from 'node:crypto';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { bodyTagOf, caveatsOf, chainMatches, type ParsedAttenuatedToken } from '../format/attenuated-codec.js';
import { CaveatFormatError, effectiveCaveats, type EffectiveCaveats } from '../format/caveats.js';
import type { RequestFacts } from '../format/request-path.js';
import type { TokenClaims } from '../format/token-claims.js';
import { TAG_BYTES } from '../format/token-format.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { RevocationStore } from '../revocation/revocation-store.interface.js';
import { BytesTable } from './bytes-table.js';
import { CaveatChecks } from './caveat-checks.js';
import { ParentTagCache } from './parent-tag-cache.js';

/** What a request shows the caveats of an attenuated token: its method and path, and who spends one-time ids. */
export interface VerificationFacts extends RequestFacts {
  /**
   * The caller spends the token's one-time ids (`TokenService.spendOnce`) and waits for that before serving the
   * request, as the guard does over HTTP and GraphQL. Without it a token with a one-time caveat is refused.
   */
  readonly spendsOnce?: boolean;
}

/** An authentic token's caveats, taken together, and the checks a request passes, made from them for this service. */
export interface CaveatSet {
  readonly caveats: EffectiveCaveats;
  readonly checks: CaveatChecks;
}

/**
 * The parts of verifying an attenuated token (docs/token-format.md, section 9.4) that a v1 token does not have: the
 * tag chain, reading the caveats, and checking them against a request. `TokenVerifier` runs them between the
 * checks every token passes.
 */
export class AttenuatedTokens {
  private readonly parentTags = new ParentTagCache();
  /**
   * Caveat sets by the exact bytes of a token's caveats: children of many parents carry the same few (a share
   * link's methods and path), and a hit skips decoding, freezing and making the checks. Only sets read without an
   * error are kept, so a refused list is refused again from its bytes.
   */
  private readonly caveatSets = new BytesTable<CaveatSet>();

  constructor(
    private readonly revocations: RevocationStore,
    private readonly clockToleranceMs: number,
    private readonly audience: string | undefined,
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

  /**
   * Step 14: the caveats of an authentic token, taken together, and their checks. An unknown type is `caveat_unknown`
   * (fail closed), a payload its type does not allow `token_malformed`, caveats no request can meet `caveat_unmet`.
   */
  caveatsOf(parsed: ParsedAttenuatedToken): CaveatSet {
    const { view, bodyLength, length } = parsed;
    const caveatsLength = length - TAG_BYTES - bodyLength;
    const held = this.caveatSets.get(view, bodyLength, caveatsLength);
    if (held !== undefined) return held;
    const caveats = effectiveCaveatsOf(parsed);
    const set = { caveats, checks: new CaveatChecks(caveats, this.audience) };
    this.caveatSets.set(view, bodyLength, caveatsLength, set);
    return set;
  }
}

function effectiveCaveatsOf(parsed: ParsedAttenuatedToken): EffectiveCaveats {
  try {
    return effectiveCaveats(caveatsOf(parsed));
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
