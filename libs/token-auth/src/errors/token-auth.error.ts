/** Stable codes for every reason a token is refused. Clients and logs may rely on them. */
export type TokenAuthErrorCode =
  | 'token_missing'
  | 'token_malformed'
  | 'token_ambiguous'
  | 'unsupported_version'
  | 'wrong_purpose'
  | 'unknown_key'
  | 'invalid_signature'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'invalid_lifetime'
  | 'revoked_token'
  | 'session_expired'
  | 'session_reset'
  | 'key_ring_stale'
  | 'revocation_unavailable';

/**
 * Thrown by `TokenService.verify` and answered by the guard with 401, or 503 for `key_ring_stale` and
 * `revocation_unavailable`, where the server rather than the token is at fault. The message never contains the token.
 */
export class TokenAuthError extends Error {
  override readonly name = 'TokenAuthError';

  constructor(
    readonly code: TokenAuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}
