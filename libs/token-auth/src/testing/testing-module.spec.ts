import { describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { generateKey } from '../keys/generate-key.js';
import { KEY_PROVIDER, type KeyProvider } from '../keys/key-provider.interface.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import { MemoryRevocationStore } from '../revocation/memory.revocation-store.js';
import { REVOCATION_STORE } from '../revocation/revocation-store.interface.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { TokenService } from '../token.service.js';
import { MANUAL_CLOCK_START, ManualClock } from './manual-clock.js';
import { testingModuleOptions } from './testing-module.js';

// This spec imports the root module, which is allowed for specs: it is what users call, through @nestjs/testing.

@Injectable()
class GreetingService {
  constructor(private readonly tokens: TokenService) {}

  greet(token: string): string {
    return `hello ${this.tokens.verify(token).sub}`;
  }
}

@Module({ providers: [GreetingService] })
class GreetingModule {}

describe('TokenAuthModule.forTesting', () => {
  it('unit-tests a service that injects TokenService, with @nestjs/testing, in one import', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting()],
      providers: [GreetingService],
    }).compile();
    const token = moduleRef.get(TokenService).issue('user-1').token;
    expect(moduleRef.get(GreetingService).greet(token)).toBe('hello user-1');
    await moduleRef.close();
  });

  it('exposes its ManualClock, which issues and expires tokens', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting({ accessTokenTtl: 60, clockTolerance: 0 })],
    }).compile();
    const clock = moduleRef.get(ManualClock);
    const tokens = moduleRef.get(TokenService);
    expect(clock.now()).toBe(MANUAL_CLOCK_START);
    const { token, expiresAt } = tokens.issue('user-1');
    expect(expiresAt.getTime()).toBe(MANUAL_CLOCK_START + 60_000);
    clock.advance(60_000);
    expect(tokens.verify(token).sub).toBe('user-1');
    clock.advance(1);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
    await moduleRef.close();
  });

  it('uses the clock it is given', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const moduleRef = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting({ clock })] }).compile();
    expect(moduleRef.get(ManualClock)).toBe(clock);
    expect(moduleRef.get(TokenService).issue('user-1').expiresAt.getTime()).toBe(1_700_000_000_000 + 900_000);
    await moduleRef.close();
  });

  it('has a fresh key each time, the memory store, and lets options override both', async () => {
    const first = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting()] }).compile();
    const second = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting()] }).compile();
    const token = first.get(TokenService).issue('user-1').token;
    expect(() => second.get(TokenService).verify(token)).toThrow(expect.objectContaining({ code: 'unknown_key' }));
    expect(first.get(REVOCATION_STORE)).toBeInstanceOf(MemoryRevocationStore);

    const keyProvider = new StaticKeyProvider([generateKey()]);
    const revocationStore = new MemoryRevocationStore();
    const custom = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting({ keyProvider, revocationStore })],
    }).compile();
    expect(custom.get<KeyProvider>(KEY_PROVIDER)).toBe(keyProvider);
    expect(custom.get(REVOCATION_STORE)).toBe(revocationStore);
    for (const moduleRef of [first, second, custom]) await moduleRef.close();
  });

  it('is global when asked, like forRoot', async () => {
    @Module({ imports: [GreetingModule] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting({ isGlobal: true }), AppModule],
    }).compile();
    const token = moduleRef.get(TokenService).issue('user-2').token;
    expect(moduleRef.get(GreetingService).greet(token)).toBe('hello user-2');
    await moduleRef.close();
  });

  it('builds forRoot options whose explicit undefined does not drop the generated key', () => {
    const { moduleOptions, clock } = testingModuleOptions({ keyProvider: undefined });
    expect(moduleOptions.keyProvider).toBeInstanceOf(StaticKeyProvider);
    expect(moduleOptions.clock).toBe(clock.now);
  });
});
