import { afterEach, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Post, Req, UseFilters, type INestApplication } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import request from 'supertest';
import {
  Public,
  StaticKeyProvider,
  TokenAuthError,
  TokenAuthExceptionFilter,
  TokenAuthModule,
  TokenCookies,
  TokenService,
  generateKey,
  type HttpRequestLike,
} from 'nestjs-token-auth';

const key = generateKey();

/** Routes that meet a `TokenAuthError` outside the guard: refreshing, and a stale key ring at issue time. */
@Public()
@Controller()
class RefreshController {
  constructor(
    private readonly tokens: TokenService,
    private readonly cookies: TokenCookies,
  ) {}

  @Post('refresh')
  async refresh(@Body() body: { refresh_token?: string }, @Req() req: HttpRequestLike) {
    const pair = await this.tokens.refresh(this.cookies.readRefreshToken(req, body.refresh_token));
    return { sub: pair.access.claims.sub };
  }

  @Get('stale')
  stale() {
    throw new TokenAuthError('key_ring_stale', 'the key ring is stale');
  }
}

@UseFilters(TokenAuthExceptionFilter)
@Controller('filtered')
class FilteredController {
  @Public()
  @Get()
  fails() {
    throw new TokenAuthError('revoked_token', 'token has been revoked');
  }
}

type Registration = 'useGlobalFilters' | 'APP_FILTER' | 'controller' | 'none';

async function start(platform: 'express' | 'fastify', registration: Registration): Promise<INestApplication> {
  const imports = [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([key]), cookie: {} })];
  const module = {
    module: class FilterTestModule {},
    imports,
    controllers: registration === 'controller' ? [FilteredController] : [RefreshController],
    providers: registration === 'APP_FILTER' ? [{ provide: APP_FILTER, useClass: TokenAuthExceptionFilter }] : [],
  };
  const nest = await NestFactory.create(module, platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), {
    logger: false,
  });
  if (registration === 'useGlobalFilters') nest.useGlobalFilters(new TokenAuthExceptionFilter());
  await nest.init();
  if (platform === 'fastify') await (nest.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
  return (app = nest);
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Requests say https (`X-Forwarded-Proto`), so the cookie keeps its `__Host-` name. */
const COOKIE_NAME = '__Host-nta_refresh';

describe.each(['express', 'fastify'] as const)('TokenAuthExceptionFilter on %s', (platform) => {
  it.each(['useGlobalFilters', 'APP_FILTER'] as const)(
    'registered with %s, answers a bad refresh token with 401, its code and the challenge',
    async (registration) => {
      const server = (await start(platform, registration)).getHttpServer();
      const response = await request(server).post('/refresh').send({ refresh_token: 'nta1.garbage' }).expect(401);
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'token_malformed',
        message: expect.any(String),
      });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="/);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
    },
  );

  it('answers a server fault with 503 and no challenge', async () => {
    const server = (await start(platform, 'APP_FILTER')).getHttpServer();
    const response = await request(server).get('/stale').expect(503);
    expect(response.body).toMatchObject({ statusCode: 503, code: 'key_ring_stale' });
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('works per controller with @UseFilters', async () => {
    const server = (await start(platform, 'controller')).getHttpServer();
    const response = await request(server).get('/filtered').expect(401);
    expect(response.body.code).toBe('revoked_token');
    expect(response.headers['www-authenticate']).toContain('token has been revoked');
  });

  it('without it, a TokenAuthError is an internal error (what the filter is for)', async () => {
    const server = (await start(platform, 'none')).getHttpServer();
    await request(server).get('/stale').expect(500);
  });
});

describe.each(['express', 'fastify'] as const)('TokenCookies.readRefreshToken on %s', (platform) => {
  async function refreshToken(nest: INestApplication): Promise<string> {
    return nest.get(TokenService).issuePair('alice').refresh.token;
  }

  it('refreshes with the body token or with the cookie and the CSRF header', async () => {
    const nest = await start(platform, 'APP_FILTER');
    const server = nest.getHttpServer();
    await request(server)
      .post('/refresh')
      .send({ refresh_token: await refreshToken(nest) })
      .expect(201, { sub: 'alice' });
    await request(server)
      .post('/refresh')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', `${COOKIE_NAME}=${await refreshToken(nest)}`)
      .set('X-CSRF-Protection', '1')
      .send({})
      .expect(201, { sub: 'alice' });
  });

  it('refuses a token in both places (401 token_ambiguous), a cookie without the CSRF header (403) and none (401)', async () => {
    const nest = await start(platform, 'APP_FILTER');
    const server = nest.getHttpServer();
    const token = await refreshToken(nest);
    const both = await request(server)
      .post('/refresh')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', `${COOKIE_NAME}=${token}`)
      .set('X-CSRF-Protection', '1')
      .send({ refresh_token: token })
      .expect(401);
    expect(both.body.code).toBe('token_ambiguous');
    const noCsrf = await request(server)
      .post('/refresh')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', `${COOKIE_NAME}=${token}`)
      .send({})
      .expect(403);
    expect(noCsrf.body.code).toBe('csrf_header_missing');
    const none = await request(server).post('/refresh').send({}).expect(401);
    expect(none.body).toMatchObject({ code: 'token_missing', message: 'no refresh token' });
    expect(none.headers['www-authenticate']).toBe('Bearer');
  });
});
