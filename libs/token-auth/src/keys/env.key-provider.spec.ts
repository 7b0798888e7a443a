import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { EnvKeyProvider } from './env.key-provider.js';
import { generateKey } from './generate-key.js';
import { randomBytes } from 'node:crypto';
import { deriveKeyId, KeyRing } from './key-ring.js';
import { formatCompactRing } from './key-ring-text.js';

async function failureOf(provider: EnvKeyProvider): Promise<Error> {
  const error = await provider.load().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TokenAuthConfigError);
  return error as Error;
}

describe('EnvKeyProvider', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
  });

  it('reads TOKEN_AUTH_KEYS in the compact form', async () => {
    const key = generateKey();
    const provider = new EnvKeyProvider({ env: { TOKEN_AUTH_KEYS: formatCompactRing([key]) } });
    expect(provider.description).toBe('env TOKEN_AUTH_KEYS');
    expect(provider.allowRawKeys).toBeUndefined();
    expect(KeyRing.from(await provider.load()).active.id).toBe(key.id);
    expect(warn).not.toHaveBeenCalled();
  });

  it('hands raw keys over as they are, for the ring to accept only when allowRawKeys is set', async () => {
    const bytes = randomBytes(32);
    const env = { TOKEN_AUTH_KEYS: `${deriveKeyId(bytes)}:${bytes.toString('base64url')}` };
    const specs = await new EnvKeyProvider({ env }).load();
    expect(() => KeyRing.from(specs)).toThrow(/the key is raw text, not a key text/);
    const provider = new EnvKeyProvider({ env, allowRawKeys: true });
    expect(provider.allowRawKeys).toBe(true);
    expect(KeyRing.from(await provider.load(), { allowRawKeys: true }).active.raw).toBe(true);
  });

  it('reads another variable, in the JSON form, also in production', async () => {
    const key = generateKey();
    const provider = new EnvKeyProvider({
      variable: 'API_KEYS',
      env: { API_KEYS: JSON.stringify({ count: 1, keys: [key] }), NODE_ENV: 'production' },
    });
    expect(provider.description).toBe('env API_KEYS');
    expect(KeyRing.from(await provider.load()).active.id).toBe(key.id);
  });

  it('refuses to start in production without the variable, saying what to set', async () => {
    for (const value of [undefined, '', '   ']) {
      const error = await failureOf(new EnvKeyProvider({ env: { NODE_ENV: 'production', TOKEN_AUTH_KEYS: value } }));
      expect(error.message).toBe(
        'TOKEN_AUTH_KEYS is not set and NODE_ENV is production; set it to a key ring ' +
          '(generate one with "npx nestjs-token-auth keygen")',
      );
    }
  });

  it('refuses a missing variable outside production when ephemeral keys are off', async () => {
    const error = await failureOf(new EnvKeyProvider({ env: {}, ephemeralOutsideProduction: false }));
    expect(error.message).toMatch(/^TOKEN_AUTH_KEYS is not set; set it to a key ring/);
  });

  it('signs with an ephemeral key outside production, with a warning that contains no key', async () => {
    const provider = new EnvKeyProvider({ env: { NODE_ENV: 'development' } });
    const specs = await provider.load();
    const ring = KeyRing.from(specs);
    expect(ring.active.state).toBe('active');
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toContain('TOKEN_AUTH_KEYS is not set: signing with an ephemeral key');
    expect(message).not.toContain(String(specs[0]!.key));
  });

  it('keeps the same ephemeral key across reloads, so a reload does not log everyone out', async () => {
    const provider = new EnvKeyProvider({ env: {} });
    const first = await provider.load();
    const second = await provider.load();
    expect(second).toEqual(first);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('reads process.env by default, at each load', async () => {
    const key = generateKey();
    const saved = process.env.TOKEN_AUTH_TEST_KEYS;
    process.env.TOKEN_AUTH_TEST_KEYS = formatCompactRing([key]);
    try {
      const provider = new EnvKeyProvider({ variable: 'TOKEN_AUTH_TEST_KEYS' });
      expect((await provider.load())[0]!.id).toBe(key.id);
      const next = generateKey();
      process.env.TOKEN_AUTH_TEST_KEYS = formatCompactRing([next]);
      expect((await provider.load())[0]!.id).toBe(next.id);
    } finally {
      if (saved === undefined) delete process.env.TOKEN_AUTH_TEST_KEYS;
      else process.env.TOKEN_AUTH_TEST_KEYS = saved;
    }
  });
});
