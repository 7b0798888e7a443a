import { describe, expect, it } from '@jest/globals';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import { resolveOptions } from './token-auth.options.js';

const keyProvider = new StaticKeyProvider([]);

describe('the audience option', () => {
  it('is this service’s name for audience caveats, or undefined', () => {
    expect(resolveOptions({ keyProvider, audience: 'notes-api' }).audience).toBe('notes-api');
    expect(resolveOptions({ keyProvider }).audience).toBeUndefined();
  });

  it.each([[''], ['a\nb'], ['x'.repeat(128)], [42]])('refuses %j at startup, saying what to fix', (audience) => {
    expect(() => resolveOptions({ keyProvider, audience: audience as string })).toThrow(TokenAuthConfigError);
    expect(() => resolveOptions({ keyProvider, audience: audience as string })).toThrow(/audience must be/);
  });
});
