import { TokenAuthError } from '../errors/token-auth.error.js';

/**
 * The bearer token of `Authorization`, or undefined when none was sent. Raw headers are read because Node keeps
 * only the first of repeated Authorization headers, and a request carrying two must not pass on either.
 */
export function bearerTokenOf(rawHeaders: readonly string[]): string | undefined {
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
  let start = 6;
  if (!isBearerScheme(value) || value.charCodeAt(start) !== 0x20) throw malformedHeader();
  while (value.charCodeAt(start) === 0x20) start++;
  if (start === value.length) throw malformedHeader();
  return value.slice(start);
}

function isBearerScheme(value: string): boolean {
  return value.startsWith('Bearer') || value.startsWith('bearer') || value.slice(0, 6).toLowerCase() === 'bearer';
}

function malformedHeader(): TokenAuthError {
  return new TokenAuthError('token_malformed', 'expected Authorization: Bearer <token>');
}
