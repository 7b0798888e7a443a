import { TokenAuthError } from '../errors/token-auth.error.js';

const BEARER = /^bearer +[^\s]+$/i;

/**
 * The bearer token of `Authorization`, or undefined when none was sent. Raw headers are read because Node keeps
 * only the first of repeated Authorization headers, and a request carrying two must not pass on either.
 */
export function bearerTokenOf(rawHeaders: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // The two usual spellings first: they need no lower-cased copy.
    if (name.length === 13 && (name === 'authorization' || name === 'Authorization' || name.toLowerCase() === 'authorization')) {
      if (value !== undefined) throw new TokenAuthError('token_malformed', 'more than one Authorization header');
      value = rawHeaders[i + 1]!;
    }
  }
  if (value === undefined) return undefined;
  // test() builds no match array; the token starts after the scheme and its spaces.
  if (!BEARER.test(value)) throw new TokenAuthError('token_malformed', 'expected Authorization: Bearer <token>');
  let start = 6;
  while (value.charCodeAt(start) === 0x20) start++;
  return value.slice(start);
}
