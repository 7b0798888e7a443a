import { describe, expect, it } from '@jest/globals';
import { TokenAuthConfigError } from './token-auth-config.error.js';
import { TokenAuthError } from './token-auth.error.js';
import { toHttpException } from './token-auth-http.exception.js';

describe('errors', () => {
  it('TokenAuthError carries a stable code, its own name and the message', () => {
    const error = new TokenAuthError('token_expired', 'token expired');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TokenAuthError', code: 'token_expired', message: 'token expired' });
    expect(String(error)).toBe('TokenAuthError: token expired');
  });

  it('TokenAuthError carries no stack frames, and leaves Error.stackTraceLimit as it was', () => {
    const limit = Error.stackTraceLimit;
    const error = new TokenAuthError('invalid_signature', 'invalid token signature');
    // A refusal is an answer, not a fault: capturing the frames cost more than verifying a token (issue 23).
    expect(error.stack).toBe('TokenAuthError: invalid token signature');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('a fault').stack).toMatch(/\n\s+at /);
  });

  it('TokenAuthConfigError is told apart from token errors', () => {
    const error = new TokenAuthConfigError('keyProvider is required');
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TokenAuthError);
    expect(error.name).toBe('TokenAuthConfigError');
  });
});

describe('toHttpException', () => {
  it('answers a refused token with 401 and its code', () => {
    const exception = toHttpException(new TokenAuthError('token_expired', 'token expired'));
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      code: 'token_expired',
      message: 'token expired',
    });
  });

  it('answers unknown_key as invalid_signature, whatever its message, and every other code as itself', () => {
    const unknownKey = new TokenAuthError('unknown_key', 'a message naming the key');
    expect([unknownKey.code, unknownKey.publicCode, unknownKey.publicMessage]).toEqual([
      'unknown_key',
      'invalid_signature',
      'invalid token signature',
    ]);
    expect(toHttpException(unknownKey).getResponse()).toEqual(
      toHttpException(new TokenAuthError('invalid_signature', 'invalid token signature')).getResponse(),
    );
    const expired = new TokenAuthError('token_expired', 'token expired');
    expect([expired.publicCode, expired.publicMessage]).toEqual(['token_expired', 'token expired']);
  });

  it('makes an exception without stack frames, leaving Error.stackTraceLimit as it was', () => {
    const limit = Error.stackTraceLimit;
    const exception = toHttpException(new TokenAuthError('invalid_signature', 'invalid token signature'));
    expect(exception.stack).toBe('UnauthorizedException: invalid token signature');
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it.each(['key_ring_stale', 'revocation_unavailable'] as const)('answers %s, a server fault, with 503', (code) => {
    const exception = toHttpException(new TokenAuthError(code, 'unavailable'));
    expect(exception.getStatus()).toBe(503);
    expect(exception.getResponse()).toMatchObject({ statusCode: 503, code });
  });
});
