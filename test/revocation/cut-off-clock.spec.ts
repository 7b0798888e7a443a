import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  StaticKeyProvider,
  TokenAuthModule,
  TokenService,
  generateKey,
  tokenAuthHealthSummary,
  type KeyRingHealth,
} from 'nestjs-token-auth';
import { RedisRevocationStore } from 'nestjs-token-auth/redis';
import { codeOf } from '../support/error-code.js';
import { RedisServer } from '../support/redis-server.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

describe('revokeAllForUser across instances whose clocks differ', () => {
  let redis: RedisServer;
  const modules: TestingModule[] = [];
  const key = generateKey();

  /** An instance whose clock runs `skew` ms ahead, for the module and its store alike. */
  async function instance(skew: number): Promise<TokenService> {
    const clock = () => Date.now() + skew;
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forRoot({
          keyProvider: new StaticKeyProvider([key]),
          clock,
          revocationStore: new RedisRevocationStore({ connection: redis.url, clock, logger: silent }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    modules.push(moduleRef);
    return moduleRef.get(TokenService);
  }

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await Promise.all(modules.map((m) => m.close()));
    await redis.kill();
  });

  it('covers a token the other instance issued 5 ms before the call, with +40 ms of skew; spares one issued 5 ms after', async () => {
    const a = await instance(0);
    const b = await instance(40);
    const before = b.issue('alice');
    await sleep(5);
    await a.revokeAllForUser('alice');
    await sleep(5);
    const after = b.issue('alice');
    await eventually(() => codeOf(() => b.verify(before.token)) === 'revoked_token', 'B receives the revocation');
    expect(codeOf(() => a.verify(before.token))).toBe('revoked_token');
    expect(a.verify(after.token).sub).toBe('alice');
    expect(b.verify(after.token).sub).toBe('alice');
  });
});

/**
 * Audit finding 9: an instance whose own clock is off checks tokens on the clock they are stamped with (Redis's),
 * keeps revocations until they expire on it, and says on its health that its clock is off.
 */
describe('an instance whose own clock is off from Redis’s', () => {
  let redis: RedisServer;
  const modules: TestingModule[] = [];
  const key = generateKey();

  async function instance(skew: number): Promise<{ tokens: TokenService; store: RedisRevocationStore }> {
    const clock = () => Date.now() + skew;
    const store = new RedisRevocationStore({ connection: redis.url, clock, logger: silent });
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([key]), clock, revocationStore: store })],
    }).compile();
    await moduleRef.init();
    modules.push(moduleRef);
    return { tokens: moduleRef.get(TokenService), store };
  }

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await Promise.all(modules.map((m) => m.close()));
    await redis.kill();
  });

  it('accepts the tokens it has just issued when 45 s slow, and its health says the clock is skewed', async () => {
    const { tokens, store } = await instance(-45_000);
    const { token } = tokens.issue('slow');
    expect(tokens.verify(token).sub).toBe('slow');
    const health = store.health();
    expect(health.clockOffsetMs).toBeGreaterThan(40_000);
    expect(tokenAuthHealthSummary({ stale: false } as KeyRingHealth, health)).toMatchObject({
      status: 'degraded',
      clock: 'skewed',
    });
  });

  it('keeps a revocation until it expires on Redis’s clock when 60 s fast', async () => {
    const { tokens } = await instance(60_000);
    const { token } = tokens.issue('fast', { ttl: 10 });
    await tokens.revoke(token);
    // The replica is swept every second: on this instance's own clock the entry would be past its expiry.
    await sleep(1500);
    expect(codeOf(() => tokens.verify(token))).toBe('revoked_token');
  });
});
