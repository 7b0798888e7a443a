import { describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TokenAuthConfigError } from './errors/token-auth-config.error.js';
import { generateKey } from './keys/generate-key.js';
import type { KeyProvider } from './keys/key-provider.interface.js';
import { KeyRingManager } from './keys/key-ring-manager.js';
import type { KeySpec } from './keys/key-ring.js';
import { StaticKeyProvider } from './keys/static.key-provider.js';
import { TokenAuthGuard } from './token-auth.guard.js';
import { TokenAuthModule } from './token-auth.module.js';
import { TOKEN_AUTH_OPTIONS, type ResolvedTokenAuthOptions } from './options/token-auth.options.js';
import { TokenService } from './token.service.js';

const key = generateKey();

/** Stands in for @nestjs/config: a module exporting a settings provider that the factory injects. */
@Injectable()
class Settings {
  readonly ttl = 120;
  readonly keys: KeySpec[] = [key];
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Controller('feature')
@UseGuards(TokenAuthGuard)
class FeatureController {
  constructor(readonly tokens: TokenService) {}

  @Get()
  get() {
    return 'ok';
  }
}

/** Uses the guard and the service without importing TokenAuthModule. */
@Module({ controllers: [FeatureController] })
class FeatureModule {}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TokenAuthConfigError);
  return error as Error;
}

describe('TokenAuthModule', () => {
  it('forRoot registers the service, the guard and the validated options', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([key]), accessTokenTtl: 60 })],
    }).compile();
    const tokens = moduleRef.get(TokenService);
    expect(tokens.issue('u').expiresIn).toBe(60);
    expect(moduleRef.get(TokenAuthGuard)).toBeInstanceOf(TokenAuthGuard);
    expect(moduleRef.get<ResolvedTokenAuthOptions>(TOKEN_AUTH_OPTIONS).accessTokenTtlMs).toBe(60_000);
    expect(moduleRef.get(KeyRingManager).current.active.id).toBe(key.id);
    await moduleRef.close();
  });

  it('forRootAsync takes imports and inject', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({
            keyProvider: new StaticKeyProvider(settings.keys),
            accessTokenTtl: settings.ttl,
          }),
        }),
      ],
    }).compile();
    const issued = moduleRef.get(TokenService).issue('u');
    expect(issued.expiresIn).toBe(120);
    expect(issued.claims.kid).toBe(key.id);
    await moduleRef.close();
  });

  it('forRootAsync accepts an async factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forRootAsync({ useFactory: async () => ({ keyProvider: new StaticKeyProvider([key]) }) }),
      ],
    }).compile();
    expect(moduleRef.get(TokenService).issue('u').expiresIn).toBe(900);
    await moduleRef.close();
  });

  it('isGlobal lets a feature module use the guard and service without importing the module', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forRootAsync({
          isGlobal: true,
          useFactory: () => ({ keyProvider: new StaticKeyProvider([key]) }),
        }),
        FeatureModule,
      ],
    }).compile();
    expect(moduleRef.get(FeatureController).tokens).toBe(moduleRef.get(TokenService));
    await moduleRef.close();
  });

  it('without isGlobal, a feature module that does not import it cannot resolve the service', async () => {
    const compile = Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([key]) }), FeatureModule],
    }).compile();
    await expect(compile).rejects.toThrow(/TokenService/);
  });

  it('stops bootstrap on bad options with the message that says what to fix', async () => {
    const error = await failureOf(
      Test.createTestingModule({
        imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([key]), clockTolerance: 600 })],
      }).compile(),
    );
    expect(error.message).toContain('clockTolerance (600 s) is over 300 s');
  });

  it('stops bootstrap on a misspelt option, from forRoot and from a forRootAsync factory; isGlobal is no option', async () => {
    const keyProvider = new StaticKeyProvider([key]);
    const options = { keyProvider, accessTokenTTL: 60 } as Parameters<typeof TokenAuthModule.forRoot>[0];
    const message = 'unknown option "accessTokenTTL": did you mean "accessTokenTtl"?';
    const sync = await failureOf(
      Test.createTestingModule({ imports: [TokenAuthModule.forRoot({ ...options, isGlobal: true })] }).compile(),
    );
    expect(sync.message).toBe(message);
    const async = await failureOf(
      Test.createTestingModule({
        imports: [TokenAuthModule.forRootAsync({ isGlobal: true, useFactory: () => options })],
      }).compile(),
    );
    expect(async.message).toBe(message);
    const app = await Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider, isGlobal: true })],
    }).compile();
    await app.close();
  });

  it('stops bootstrap when the key ring is invalid, naming the source', async () => {
    const error = await failureOf(
      Test.createTestingModule({
        imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([{ ...key, state: 'verify-only' }]) })],
      }).compile(),
    );
    expect(error.message).toBe(
      'cannot load the key ring from static keys: key ring: 0 active keys; exactly one key must have state "active"',
    );
  });

  it('stops watching and refreshing when the app closes', async () => {
    let stopped = 0;
    let loads = 0;
    const provider: KeyProvider = {
      description: 'watched',
      refreshInterval: 3600,
      load: async () => {
        loads++;
        return [key];
      },
      watch: () => () => stopped++,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider: provider })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(loads).toBe(1);
    await app.close();
    expect(stopped).toBe(1);
    // A closed manager ignores requests to reload.
    moduleRef.get(KeyRingManager).requestRefresh();
    expect(loads).toBe(1);
  });
});
