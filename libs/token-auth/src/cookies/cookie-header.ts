import { MAX_TOKEN_LENGTH } from '../format/token-format.js';
import { TokenAuthError } from '../errors/token-auth.error.js';

/**
 * The value of the cookie `name` in a `Cookie` header, or undefined. Minimal and strict, so no cookie parser is
 * needed: a name sent twice (a second cookie planted for another path or domain) is refused as ambiguous rather
 * than letting one copy win, and values are not URL-decoded (tokens are base64url).
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || !header.includes(name)) return undefined;
  let value: string | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    if (value !== undefined) throw new TokenAuthError('token_ambiguous', `cookie ${name} sent more than once`);
    value = pair.slice(eq + 1).trim();
  }
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_TOKEN_LENGTH) throw new TokenAuthError('token_malformed', 'token too long');
  return value;
}
