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
  | 'revocation_unavailable'
  | 'insufficient_user_authentication'
  /** A good token whose user the app's `resolveUser` did not find (deleted, disabled). */
  | 'unknown_user';

/** The message of `invalid_signature`, and of every refusal answered as one. */
export const INVALID_SIGNATURE_MESSAGE = 'invalid token signature';

/**
 * What a caller is told for a code, where that differs from the code: a token refused for its key (`unknown_key`:
 * a key id not in the ring, a key past its `retireAfter`, an issue time after the key's `signedUntil`) is answered
 * as a bad signature. Telling the two apart let anyone find a retiring key's `signedUntil` to the millisecond with
 * forged tokens (issue 23).
 */
const PUBLIC_ANSWERS: Partial<Record<TokenAuthErrorCode, { code: TokenAuthErrorCode; message: string }>> = {
  unknown_key: { code: 'invalid_signature', message: INVALID_SIGNATURE_MESSAGE },
};

/**
 * Thrown by `TokenService.verify` and answered by the guard with 401, or 503 for `key_ring_stale` and
 * `revocation_unavailable`, where the server rather than the token is at fault. The message never contains the token.
 *
 * `code` is the detailed reason, for the app and its logs. Callers are told `publicCode` and `publicMessage` (the
 * guard, the exception filter, `toHttpException` and `WsTokenAuth` answer with them), which differ only for
 * `unknown_key`; answer with them too when writing a response of your own.
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

  /** The code callers are told: `code`, but `invalid_signature` for `unknown_key`. */
  get publicCode(): TokenAuthErrorCode {
    return PUBLIC_ANSWERS[this.code]?.code ?? this.code;
  }

  /** The message callers are told: `message`, but invalid_signature's for `unknown_key`. */
  get publicMessage(): string {
    return PUBLIC_ANSWERS[this.code]?.message ?? this.message;
  }
}
