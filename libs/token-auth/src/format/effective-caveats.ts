import { decodeBase64url } from './base64url.js';
import { ATTENUATED_PREFIX, type HttpMethod } from './caveat-format.js';
import { CaveatFormatError, decodeCaveat, methodBitsOf, methodsOfBits, type Caveat } from './caveats.js';
import { isUnder } from './request-path.js';

/**
 * What a token's caveats allow, all taken together: the earliest expiry, the methods every methods caveat allows,
 * the innermost path prefix, the one audience, and every one-time id. Exposed by `@CurrentUser()` as `caveats`.
 */
export interface EffectiveCaveats {
  /**
   * Every caveat of the token, in order. On a verified token's claims, an accessor that decodes them when first read
   * (no request check needs them): `JSON.stringify` and `util.inspect` show it, a spread or `structuredClone` copies
   * only the fields below.
   */
  readonly list: readonly Caveat[];
  /** The earliest expiry caveat; the claims' `expiresAt` is already the earlier of it and the token's own. */
  readonly expiresAt?: number;
  /** Methods allowed; absent: any. */
  readonly methods?: readonly HttpMethod[];
  /** The path prefix the request must be under; absent: any path. */
  readonly pathPrefix?: string;
  /** The audience the verifying service must have; absent: any service of the key ring. */
  readonly audience?: string;
  /** One-time ids, each spent by the first request that passes; empty: no one-time caveat. */
  readonly once: readonly string[];
}

const NO_ONCE: readonly string[] = Object.freeze([]);

/**
 * A token's caveats taken together, frozen (its prototype too). Only the fields that apply are set. `list`, which a
 * request's checks never need, is decoded from the token's text when first asked for (the verifier's bytes are reused
 * by the next token), so a verification makes no object per caveat that it keeps, and freezes one object, not one
 * per caveat. The text is the token the claims belong to, which the verified-token cache holds anyway; an
 * application that keeps the claims keeps it alive with them.
 */
class TokenCaveats implements EffectiveCaveats {
  declare readonly expiresAt?: number;
  declare readonly methods?: readonly HttpMethod[];
  declare readonly pathPrefix?: string;
  declare readonly audience?: string;
  declare readonly once: readonly string[];
  /** The token's text, and where its caveats section lies in its decoded bytes. */
  readonly #text: string;
  readonly #start: number;
  readonly #end: number;
  #list: readonly Caveat[] | undefined;

  constructor(text: string, start: number, end: number) {
    this.#text = text;
    this.#start = start;
    this.#end = end;
  }

  get list(): readonly Caveat[] {
    if (this.#list === undefined) {
      const bytes = decodeBase64url(this.#text.slice(ATTENUATED_PREFIX.length))!;
      const list: Caveat[] = [];
      for (let at = this.#start; at < this.#end; at += 1 + bytes[at]!) {
        list.push(Object.freeze(decodeCaveat(bytes, at + 1, bytes[at]!)));
      }
      this.#list = Object.freeze(list);
    }
    return this.#list;
  }

  /** The fields as a plain object, `list` first, as `JSON.stringify` shows them. */
  toJSON(): EffectiveCaveats {
    const { expiresAt, methods, pathPrefix, audience, once } = this;
    return {
      list: this.list,
      ...(expiresAt !== undefined && { expiresAt }),
      ...(methods !== undefined && { methods }),
      ...(pathPrefix !== undefined && { pathPrefix }),
      ...(audience !== undefined && { audience }),
      once,
    };
  }
}

// What `util.inspect` and `console.log` in Node show (a symbol of the runtime's registry: no import, browser-safe).
Object.defineProperty(TokenCaveats.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: TokenCaveats) {
    return this.toJSON();
  },
});
Object.freeze(TokenCaveats.prototype);

/**
 * The caveats section of an attenuated token, `bytes` from `start` to `end` (each caveat a length byte and its
 * bytes), read and taken together; `text` is the token. Every caveat is read in full: an unknown type is refused
 * (`unknown`, fail closed), a payload its type does not allow is `malformed`, caveats no request can meet
 * (two audiences, methods with nothing in common, path prefixes of which neither is under the other) are
 * `unsatisfiable`.
 */
export function readCaveats(bytes: Uint8Array, start: number, end: number, text: string): EffectiveCaveats {
  let expiresAt: number | undefined;
  let methods: number | undefined;
  let pathPrefix: string | undefined;
  let audience: string | undefined;
  let once: string[] | undefined;
  for (let at = start; at < end; at += 1 + bytes[at]!) {
    const caveat = decodeCaveat(bytes, at + 1, bytes[at]!);
    switch (caveat.type) {
      case 'expires':
        expiresAt = expiresAt === undefined ? caveat.at : Math.min(expiresAt, caveat.at);
        break;
      case 'methods':
        methods = (methods ?? -1) & methodBitsOf(caveat.methods);
        if (methods === 0) throw unsatisfiable('its methods caveats allow no method together');
        break;
      case 'path':
        if (pathPrefix === undefined || isUnder(caveat.prefix, pathPrefix)) pathPrefix = caveat.prefix;
        else if (!isUnder(pathPrefix, caveat.prefix)) throw unsatisfiable('its path caveats allow no path together');
        break;
      case 'audience':
        if (audience !== undefined && audience !== caveat.audience) {
          throw unsatisfiable('its audience caveats name different services');
        }
        audience = caveat.audience;
        break;
      case 'once':
        if (once === undefined) once = [caveat.id];
        else if (!once.includes(caveat.id)) once.push(caveat.id);
        break;
    }
  }
  // Built up rather than spread, which costs more than the rest.
  const caveats = new TokenCaveats(text, start, end) as { -readonly [K in keyof TokenCaveats]: TokenCaveats[K] };
  if (expiresAt !== undefined) caveats.expiresAt = expiresAt;
  if (methods !== undefined) caveats.methods = methodsOfBits(methods);
  if (pathPrefix !== undefined) caveats.pathPrefix = pathPrefix;
  if (audience !== undefined) caveats.audience = audience;
  caveats.once = once === undefined ? NO_ONCE : Object.freeze(once);
  return Object.freeze(caveats);
}

function unsatisfiable(why: string): CaveatFormatError {
  return new CaveatFormatError('unsatisfiable', `the token can meet no request: ${why}`);
}
