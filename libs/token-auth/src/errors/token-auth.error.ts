import { STACK_LIMIT_SETTABLE } from './without-stack-trace.js';

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
  /** An attenuated token's caveat is not met by this request (docs/token-format.md, section 9). */
  | 'caveat_unmet'
  /** An attenuated token carries a caveat type this version does not know: refused, never ignored. */
  | 'caveat_unknown'
  | 'key_ring_stale'
  | 'revocation_unavailable';

/**
 * Thrown by `TokenService.verify` and answered by the guard with 401, or 503 for `key_ring_stale` and
 * `revocation_unavailable`, where the server rather than the token is at fault. The message never contains the token.
 *
 * It carries no stack frames: a refused token is an answer, not a fault to trace, and capturing the stack cost more
 * than verifying the token (BENCHMARKS.md), which made a forged token cost the server more than a valid one.
 */
export class TokenAuthError extends Error {
  override readonly name: 'TokenAuthError';
  readonly code: TokenAuthErrorCode;

  constructor(code: TokenAuthErrorCode, message: string) {
    if (STACK_LIMIT_SETTABLE) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        super(message);
      } finally {
        Error.stackTraceLimit = limit;
      }
    } else {
      super(message);
    }
    this.name = 'TokenAuthError';
    this.code = code;
  }
}
