import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import {
  KeyRingManager,
  Public,
  TokenAuthModule,
  generateKey,
  type KeyProvider,
  type KeySpec,
} from 'nestjs-token-auth';
import { TokenAuthHealthIndicator } from 'nestjs-token-auth/terminus';

/** A public health route: states only. */
@Controller('health')
class PublicHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tokenAuth: TokenAuthHealthIndicator,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.tokenAuth.isHealthy('token_auth', { details: false })]);
  }
}

/** Works once, then fails the way an unreachable secret store does. */
class FlakyKeyProvider implements KeyProvider {
  readonly description = 'file /run/secrets/token-keys.json';
  private loads = 0;
  constructor(private readonly keys: readonly KeySpec[]) {}
  async load(): Promise<readonly KeySpec[]> {
    if (this.loads++ > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:4566');
    return this.keys;
  }
}

const key = generateKey();

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(platform: 'express' | 'fastify'): Promise<INestApplication> {
  const module = {
    module: class StatesOnlyHealthModule {},
    imports: [TerminusModule, TokenAuthModule.forRoot({ keyProvider: new FlakyKeyProvider([key]) })],
    controllers: [PublicHealthController],
    providers: [TokenAuthHealthIndicator],
  };
  app = await NestFactory.create(module, platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  if (platform === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
  return app;
}

describe.each(['express', 'fastify'] as const)('TokenAuthHealthIndicator with details: false on %s', (platform) => {
  it('reports the states only: no key id, source, counts or error', async () => {
    const nest = await start(platform);
    const response = await request(nest.getHttpServer()).get('/health').expect(200);
    expect(response.body.info.token_auth).toEqual({
      status: 'up',
      keyRing: 'fresh',
      revocationStore: 'local',
      clock: 'in_step',
    });
    await nest.get(KeyRingManager).refresh();
    const degraded = await request(nest.getHttpServer()).get('/health').expect(200);
    expect(degraded.body.details.token_auth).toEqual({
      status: 'degraded',
      keyRing: 'refresh_failing',
      revocationStore: 'local',
      clock: 'in_step',
    });
    expect(JSON.stringify(degraded.body)).not.toMatch(new RegExp(`${key.id}|secrets|ECONNREFUSED|memory`));
  });
});
