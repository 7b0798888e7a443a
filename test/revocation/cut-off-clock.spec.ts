import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { StaticKeyProvider, TokenAuthModule, TokenService, generateKey } from 'nestjs-token-auth';
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
