import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TokenAuthConfigError } from './errors/token-auth-config.error.js';
import { EnvKeyProvider } from './keys/env.key-provider.js';
import { generateKey } from './keys/generate-key.js';
import { deriveKeyId, type KeySpec } from './keys/key-ring.js';
import { formatCompactRing } from './keys/key-ring-text.js';
import { formatKeyText } from './keys/key-text.js';
import { StaticKeyProvider } from './keys/static.key-provider.js';
import { type TokenAuthModuleOptions } from './options/token-auth.options.js';
import { TokenAuthGuard } from './token-auth.guard.js';
import { TokenAuthModule } from './token-auth.module.js';
import { TokenService } from './token.service.js';

@Controller()
class PingController {
  @Get('ping')
  ping() {
    return 'pong';
  }
}

function appModule(tokenAuth: DynamicModule): DynamicModule {
  @Module({})
  class AppModule {}
  return {
    module: AppModule,
    imports: [tokenAuth],
    controllers: [PingController],
    providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }],
  };
}

/** Boots a whole app as `main.ts` would; resolves to the error that stopped it. */
async function startupError(options: TokenAuthModuleOptions): Promise<unknown> {
  try {
    const app = await NestFactory.create(appModule(TokenAuthModule.forRoot(options)), {
      logger: false,
      abortOnError: false,
    });
    await app.close();
  } catch (error) {
    return error;
  }
  throw new Error('the app started');
}

/** A raw key (base64url, as written before key texts): loads only with allowRawKeys. */
function keyOf(bytes: Buffer, state: KeySpec['state'] = 'active'): KeySpec {
  return { id: deriveKeyId(bytes), key: bytes.toString('base64url'), state };
}

function ring(...keys: KeySpec[]): TokenAuthModuleOptions {
  return { keyProvider: new StaticKeyProvider(keys) };
}

/** Raw keys accepted: what stands between them and the ring is the length and randomness checks. */
function rawRing(...keys: KeySpec[]): TokenAuthModuleOptions {
  return { keyProvider: new StaticKeyProvider(keys, { allowRawKeys: true }) };
}

const threeKeys = [generateKey(), generateKey('verify-only'), generateKey('verify-only')];
const compactThree = formatCompactRing(threeKeys);

const KEYGEN = /npx nestjs-token-auth keygen/;

describe('configuration errors stop the app at startup', () => {
  it.each([
    [
      'a raw key without allowRawKeys',
      ring(keyOf(randomBytes(32))),
      [/the key is raw text, not a key text/, /npx nestjs-token-auth wrap/, /allowRawKeys/],
    ],
    [
      'a key text cut short',
      ring({ ...generateKey(), key: generateKey().key.slice(0, -2) }),
      [/the key text's checksum does not match its key: it was mistyped, cut short or changed/],
    ],
    [
      'a compact ring K2,K3,K1 cut at its last comma',
      {
        keyProvider: new EnvKeyProvider({
          env: { TOKEN_AUTH_KEYS: compactThree.slice(0, compactThree.lastIndexOf(',')) },
        }),
      },
      [/env TOKEN_AUTH_KEYS: the key ring does not say how many keys it holds \(end it with ",n=3"\)/],
    ],
    [
      'a compact ring cut at a comma, its count left as it was',
      {
        keyProvider: new EnvKeyProvider({
          env: { TOKEN_AUTH_KEYS: `${formatCompactRing(threeKeys.slice(0, 2)).replace(/n=2$/, 'n=3')}` },
        }),
      },
      [/the key ring holds 2 keys but says it holds 3/],
    ],
    [
      'the Latin-1 passphrase of issue 23, as a raw key with allowRawKeys',
      rawRing(keyOf(Buffer.from('Grüße aus München, Passwort 2024!', 'latin1'))),
      [/text in a one-byte encoding/, /must be random bytes/, KEYGEN],
    ],
    [
      'the Latin-1 passphrase of issue 23, written as a key text',
      ring({
        ...keyOf(Buffer.from('Grüße aus München, Passwort 2024!', 'latin1')),
        key: formatKeyText(Buffer.from('Grüße aus München, Passwort 2024!', 'latin1')),
      }),
      [/text in a one-byte encoding/, /must be random bytes/, KEYGEN],
    ],
    [
      'a key shorter than 32 bytes',
      rawRing(keyOf(randomBytes(31))),
      [/31 bytes is too short/, /at least 32 random bytes/, KEYGEN],
    ],
    [
      'a key that is printable text, like a password',
      rawRing(keyOf(Buffer.from('correct horse battery staple 1234567890'))),
      [/text, like a password/, /must be random bytes/, KEYGEN],
    ],
    ['32 zero bytes', rawRing(keyOf(Buffer.alloc(32))), [/repeat every 1 byte/, /must be random bytes/, KEYGEN]],
    [
      'the base64 of a passphrase and its newline (echo ... | base64)',
      rawRing({
        ...keyOf(Buffer.from('correct horse battery staple 2026!\n')),
        key: Buffer.from('correct horse battery staple 2026!\n').toString('base64'),
      }),
      [/text, like a password/, /must be random bytes/, KEYGEN],
    ],
    [
      'a password-like raw key shorter than 43 characters',
      rawRing({ id: 'main', key: 'MySuperSecretPassword202', state: 'active' }),
      [/18 bytes is too short/, KEYGEN],
    ],
    [
      'a raw key that is not base64url',
      rawRing({ id: 'main', key: 'hunter2 hunter2 hunter2 hunter2 hunter2 hunter2', state: 'active' }),
      [/not base64url/, KEYGEN],
    ],
    [
      'a key id that does not match its key',
      ring({ ...generateKey(), id: 'typo' }),
      [/"typo"/, /id does not match the key/],
    ],
    ['no key at all', ring(), [/no keys/, KEYGEN]],
    [
      'duplicate key ids',
      (() => {
        const key = generateKey();
        return ring(key, { ...key, state: 'verify-only' });
      })(),
      [/duplicate key id/, /each key may appear once/],
    ],
    [
      'no active key',
      ring(generateKey('verify-only'), generateKey('verify-only')),
      [/0 active keys/, /exactly one key must have state "active"/],
    ],
    [
      'two active keys',
      ring(generateKey(), generateKey()),
      [/2 active keys/, /exactly one key must have state "active"/],
    ],
    [
      'a clock tolerance over 300 s',
      { ...ring(generateKey()), clockTolerance: 301 },
      [/clockTolerance \(301 s\) is over 300 s/],
    ],
    ['a TTL of 0', { ...ring(generateKey()), accessTokenTtl: 0 }, [/accessTokenTtl must be at least 1 second/]],
    [
      'a TTL over the default maximum lifetime',
      { ...ring(generateKey()), accessTokenTtl: 86_401 },
      [/accessTokenTtl \(86401 s\) exceeds maxAccessTokenTtl \(86400 s\)/, /lower the TTL or raise the maximum/],
    ],
    [
      'a TTL over a configured maximum lifetime',
      { ...ring(generateKey()), accessTokenTtl: 900, maxAccessTokenTtl: 600 },
      [/accessTokenTtl \(900 s\) exceeds maxAccessTokenTtl \(600 s\)/],
    ],
    [
      'a TTL that is not a whole number of seconds',
      { ...ring(generateKey()), accessTokenTtl: 1.5 },
      [/accessTokenTtl must be a whole number of seconds, got 1.5/],
    ],
    ['a missing key provider', {} as TokenAuthModuleOptions, [/keyProvider is required/, /EnvKeyProvider/]],
    [
      'a missing env variable with NODE_ENV=production',
      { keyProvider: new EnvKeyProvider({ env: { NODE_ENV: 'production' } }) },
      [/TOKEN_AUTH_KEYS is not set and NODE_ENV is production/, KEYGEN],
    ],
    [
      'a missing custom env variable with NODE_ENV=production',
      {
        keyProvider: new EnvKeyProvider({ variable: 'API_KEYS', env: { NODE_ENV: 'production', TOKEN_AUTH_KEYS: '' } }),
      },
      [/API_KEYS is not set and NODE_ENV is production/],
    ],
    [
      'an env variable holding a malformed ring',
      { keyProvider: new EnvKeyProvider({ env: { NODE_ENV: 'production', TOKEN_AUTH_KEYS: 'no-colon-here' } }) },
      [/env TOKEN_AUTH_KEYS: entry 1 is not "id:key"/],
    ],
  ])('refuses %s with a message that says what to fix', async (_case, options, messages) => {
    const error = await startupError(options);
    expect(error).toBeInstanceOf(TokenAuthConfigError);
    for (const message of messages) expect((error as Error).message).toMatch(message);
  });

  it('refuses any printable text as a key, whatever its length: only key texts are keys (property)', async () => {
    const printableChar = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: printableChar, minLength: 1, maxLength: 200 }), async (text) => {
        const error = await startupError(ring({ id: 'main', key: text, state: 'active' }));
        expect(error).toBeInstanceOf(TokenAuthConfigError);
        expect((error as Error).message).toMatch(/not a key text|the key text is not in the form/);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses any printable text shorter than 43 characters as a raw key, with allowRawKeys (property)', async () => {
    const printableChar = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: printableChar, minLength: 1, maxLength: 42 }), async (text) => {
        const error = await startupError(rawRing({ id: 'main', key: text, state: 'active' }));
        expect(error).toBeInstanceOf(TokenAuthConfigError);
        expect((error as Error).message).toMatch(/too short|not base64url|text, like a password/);
        expect((error as Error).message).toMatch(KEYGEN);
      }),
      { numRuns: 100 },
    );
  });

  it('stops a testing module built with forRootAsync the same way', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        appModule(
          TokenAuthModule.forRootAsync({
            useFactory: async () => ({ keyProvider: new StaticKeyProvider([generateKey()]), clockTolerance: 3600 }),
          }),
        ),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(TokenAuthConfigError);
    await expect(compiling).rejects.toThrow(/clockTolerance \(3600 s\) is over 300 s/);
  });

  it('starts with the limits themselves: a 32-byte key, tolerance 300 s, TTL equal to the maximum', async () => {
    const key = generateKey();
    const app = await NestFactory.create(
      appModule(
        TokenAuthModule.forRoot({ ...ring(key), clockTolerance: 300, accessTokenTtl: 600, maxAccessTokenTtl: 600 }),
      ),
      { logger: false, abortOnError: false },
    );
    await app.init();
    expect(app.get(TokenService).issue('user-1').expiresIn).toBe(600);
    await app.close();
  });

  it('never puts the rejected key in the message', async () => {
    const short = randomBytes(31);
    const printable = Buffer.from('correct horse battery staple 1234567890');
    for (const bytes of [short, printable]) {
      const message = ((await startupError(rawRing(keyOf(bytes)))) as Error).message;
      for (const encoding of ['base64url', 'base64', 'hex', 'latin1'] as const) {
        expect(message).not.toContain(bytes.toString(encoding));
      }
    }
  });
});
