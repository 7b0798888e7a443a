import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  KeyRingManager,
  Public,
  TokenAuthGuard,
  TokenAuthModule,
  generateKey,
  type KeyProvider,
  type KeySpec,
} from 'nestjs-token-auth';
import { TokenAuthHealthIndicator } from 'nestjs-token-auth/terminus';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tokenAuth: TokenAuthHealthIndicator,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.tokenAuth.isHealthy()]);
  }
}

/** A key source that works once, then fails the way an unreachable secret store does. */
class FlakyKeyProvider implements KeyProvider {
  readonly description = 'flaky test source';
  loads = 0;
  constructor(
    private readonly keys: readonly KeySpec[],
    readonly refreshInterval?: number,
    readonly maxStaleness?: number,
  ) {}
  async load(): Promise<readonly KeySpec[]> {
    if (this.loads++ > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:4566');
    return this.keys;
  }
}

const active = generateKey('active');
const old = generateKey('verify-only');

let app: INestApplication | undefined;
afterEach(async () => {
  jest.useRealTimers();
  await app?.close();
  app = undefined;
});

async function start(provider: KeyProvider): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule, TokenAuthModule.forRoot({ keyProvider: provider })],
    controllers: [HealthController],
    providers: [TokenAuthHealthIndicator, { provide: APP_GUARD, useClass: TokenAuthGuard }],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('TokenAuthHealthIndicator', () => {
  it('is up with key ids, states and the ring age, and never shows key bytes', async () => {
    const server = (await start(new FlakyKeyProvider([active, old]))).getHttpServer();
    const response = await request(server).get('/health').expect(200);
    expect(response.body.status).toBe('ok');
    const details = response.body.info.token_auth;
    expect(details.status).toBe('up');
    expect(details.keyRing.source).toBe('flaky test source');
    expect(details.keyRing.keys).toEqual([
      expect.objectContaining({ id: active.id, state: 'active' }),
      expect.objectContaining({ id: old.id, state: 'verify-only' }),
    ]);
    expect(details.keyRing.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(details.keyRing.lastError).toBeUndefined();
    expect(JSON.stringify(response.body)).not.toContain(active.key);
    expect(JSON.stringify(response.body)).not.toContain(old.key);
  });

  it('is degraded, still 200, with the last refresh error while the last good ring is served', async () => {
    const nest = await start(new FlakyKeyProvider([active]));
    await nest.get(KeyRingManager).refresh();
    const response = await request(nest.getHttpServer()).get('/health').expect(200);
    const details = response.body.details.token_auth;
    expect(details.status).toBe('degraded');
    expect(details.message).toBe('the last key ring refresh failed');
    expect(details.keyRing.lastError.message).toBe('Error: connect ECONNREFUSED 127.0.0.1:4566');
    expect(details.keyRing.keys).toEqual([expect.objectContaining({ id: active.id, state: 'active' })]);
  });

  it('is down (503) once the ring is past maxStaleness', async () => {
    const nest = await start(new FlakyKeyProvider([active], 60, 120));
    await nest.get(KeyRingManager).refresh();
    jest.useFakeTimers({
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'setImmediate',
        'clearImmediate',
        'nextTick',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    jest.setSystemTime(Date.now() + 121_000);
    const response = await request(nest.getHttpServer()).get('/health').expect(503);
    const details = response.body.error.token_auth;
    expect(details.status).toBe('down');
    expect(details.keyRing.stale).toBe(true);
    expect(details.keyRing.ageSeconds).toBeGreaterThanOrEqual(121);
  });

  it('reports the revocation store the module uses', async () => {
    const response = await request((await start(new FlakyKeyProvider([active]))).getHttpServer())
      .get('/health')
      .expect(200);
    expect(response.body.info.token_auth.revocation).toEqual(
      expect.objectContaining({ store: expect.any(String), tokens: 0 }),
    );
  });
});
