import { TokenAuthError } from '../errors/token-auth.error.js';

/** The schemes of `Authorization` a token is read from, as the `authorizationSchemes` option gives them. */
export const DEFAULT_AUTHORIZATION_SCHEMES: readonly string[] = ['Bearer'];

/**
 * The accepted schemes, matched as RFC 9110 says (section 11.1: case-insensitive); made once, at bootstrap. The
 * first is the one a challenge names.
 */
export class AuthorizationSchemes {
  /** The scheme a `WWW-Authenticate` challenge names. */
  readonly challenge: string;
  private readonly lowerCase: readonly string[];
  private readonly onlyBearer: boolean;

  constructor(readonly names: readonly string[] = DEFAULT_AUTHORIZATION_SCHEMES) {
    this.challenge = names[0] ?? 'Bearer';
    this.lowerCase = names.map((name) => name.toLowerCase());
    this.onlyBearer = this.lowerCase.length === 1 && this.lowerCase[0] === 'bearer';
  }

  /** The length of the accepted scheme `value` starts with, or -1. */
  schemeLength(value: string): number {
    // The default, in its usual spellings, needs no lower-cased copy.
    if (this.onlyBearer) return isBearerScheme(value) ? 6 : -1;
    const space = value.indexOf(' ');
    if (space <= 0) return -1;
    return this.lowerCase.includes(value.slice(0, space).toLowerCase()) ? space : -1;
  }

  malformed(): TokenAuthError {
    const expected = this.names.map((name) => `${name} <token>`).join(' or ');
    return new TokenAuthError('token_malformed', `expected Authorization: ${expected}`);
  }
}

const BEARER_ONLY = new AuthorizationSchemes();

/**
 * The token of `Authorization` under one of `schemes` (default `Bearer`), or undefined when no such header was sent.
 * Raw headers are read because Node keeps only the first of repeated Authorization headers, and a request carrying
 * two must not pass on either.
 */
export function authorizationTokenOf(
  rawHeaders: readonly string[],
  schemes: AuthorizationSchemes = BEARER_ONLY,
): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // The two usual spellings first: they need no lower-cased copy.
    if (
      name.length === 13 &&
      (name === 'authorization' || name === 'Authorization' || name.toLowerCase() === 'authorization')
    ) {
      if (value !== undefined) throw new TokenAuthError('token_malformed', 'more than one Authorization header');
      value = rawHeaders[i + 1]!;
    }
  }
  if (value === undefined) return undefined;
  // The scheme in any case, then one or more spaces. What follows is the token as sent: a token holding a space or
  // anything else outside its alphabet is refused by verification as malformed, so it is not scanned twice here
  // (a regular expression over the whole value cost more than the rest of a warm verification).
  let start = schemes.schemeLength(value);
  if (start < 0 || value.charCodeAt(start) !== 0x20) throw schemes.malformed();
  while (value.charCodeAt(start) === 0x20) start++;
  if (start === value.length) throw schemes.malformed();
  return value.slice(start);
}

/** The bearer token of `Authorization`, or undefined when none was sent. */
export function bearerTokenOf(rawHeaders: readonly string[]): string | undefined {
  return authorizationTokenOf(rawHeaders, BEARER_ONLY);
}

function isBearerScheme(value: string): boolean {
  return value.startsWith('Bearer') || value.startsWith('bearer') || value.slice(0, 6).toLowerCase() === 'bearer';
}
