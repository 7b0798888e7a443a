import { TokenAuthError } from '../errors/token-auth.error.js';
import { ALL_METHOD_BITS, methodBit, methodBitsOf } from '../format/caveats.js';
import type { EffectiveCaveats } from '../format/effective-caveats.js';
import { isRequestPathUnder } from '../format/request-path.js';
import type { VerificationFacts } from './attenuated-tokens.js';

/**
 * An authentic attenuated token's caveats, made into the checks each request passes (docs/token-format.md,
 * section 9.4, step 15): made once, when the token is first verified, and kept with it in the verified-token
 * cache, so that a cached token's request is checked without allocating or normalising anything. The audience is
 * this service's, fixed when the checks are made; expiry is the claims' `expiresAt`, checked with the lifetime.
 */
export class CaveatChecks {
  /** The methods allowed, by bit. */
  private readonly methods: number;
  /** The path prefix the request's normalised path must be under; undefined: any path. */
  private readonly pathPrefix: string | undefined;
  /** Why the caveats refuse every request to this service (an audience caveat naming another), if they do. */
  private readonly audienceRefusal: string | undefined;
  private readonly spendsOnce: boolean;
  /**
   * The method and target of the last request the caveats allowed, when nothing else can refuse one (no audience
   * refusal, no one-time id): the same method and the same text are allowed again, since a string's text never
   * changes. Null until then, which no fact equals. A token's repeated requests compare them and scan nothing.
   */
  private lastMethod: string | undefined | null = null;
  private lastPath: string | undefined | null = null;

  constructor(
    private readonly caveats: EffectiveCaveats,
    audience: string | undefined,
  ) {
    this.methods = caveats.methods === undefined ? ALL_METHOD_BITS : methodBitsOf(caveats.methods);
    this.pathPrefix = caveats.pathPrefix;
    this.audienceRefusal =
      caveats.audience !== undefined && caveats.audience !== audience
        ? "the token's audience caveat names another service"
        : undefined;
    this.spendsOnce = caveats.once.length > 0;
  }

  /**
   * The request against the caveats: its method, its path and this service's audience (`caveat_unmet` when one is
   * not met, or when a fact is missing), and that someone spends the token's one-time ids. Undefined when met.
   * Small on purpose: it is inlined into every cached verification, and the full check is a call of its own.
   */
  refusal(facts: VerificationFacts | undefined): TokenAuthError | undefined {
    if (facts !== undefined && facts.method === this.lastMethod && facts.path === this.lastPath) return undefined;
    return this.check(facts);
  }

  private check(facts: VerificationFacts | undefined): TokenAuthError | undefined {
    const method = facts?.method;
    if (this.methods !== ALL_METHOD_BITS && (methodBit(method) & this.methods) === 0) {
      return unmet(`the token's caveats allow only ${this.caveats.methods!.join(', ')}`);
    }
    const path = facts?.path;
    const { pathPrefix } = this;
    if (pathPrefix !== undefined) {
      if (path === undefined) return unmet("the token's path caveat needs the request path");
      if (!isRequestPathUnder(path, pathPrefix)) {
        return unmet("the request path is outside the token's path caveat, or not in normal form");
      }
    }
    if (this.audienceRefusal !== undefined) return unmet(this.audienceRefusal);
    if (this.spendsOnce) {
      return facts?.spendsOnce === true
        ? undefined
        : unmet('a one-time token is accepted only where its use is recorded');
    }
    this.lastMethod = method;
    this.lastPath = path;
    return undefined;
  }
}

function unmet(message: string): TokenAuthError {
  return new TokenAuthError('caveat_unmet', message);
}
