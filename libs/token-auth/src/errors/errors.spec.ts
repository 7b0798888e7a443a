import { describe, expect, it } from '@jest/globals';
import { TokenAuthConfigError } from './token-auth-config.error.js';
import { TokenAuthError } from './token-auth.error.js';

describe('errors', () => {
  it('TokenAuthError carries a stable code, its own name and the message', () => {
    const error = new TokenAuthError('token_expired', 'token expired');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TokenAuthError', code: 'token_expired', message: 'token expired' });
    expect(String(error)).toBe('TokenAuthError: token expired');
  });

  it('TokenAuthConfigError is told apart from token errors', () => {
    const error = new TokenAuthConfigError('keyProvider is required');
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TokenAuthError);
    expect(error.name).toBe('TokenAuthConfigError');
  });
});
