import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Delete, Get, Post, Req, Res, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  CurrentUser,
  Public,
  StaticKeyProvider,
  TokenAuthGuard,
  TokenAuthModule,
  TokenCookies,
  TokenService,
  generateKey,
  type AuthenticatedUser,
  type TokenAuthCookieOptions,
} from 'nestjs-token-auth';

const key = generateKey();

@Controller()
class CookieController {
  constructor(
    private readonly tokens: TokenService,
    private readonly cookies: TokenCookies,
  ) {}

  @Public()
  @Post('login')
  login(@Req() req: object, @Res({ passthrough: true }) res: object) {
    const access = this.tokens.issue('alice', { ttl: 600 });
    this.cookies.set(req, res, 'access', access);
    this.cookies.set(req, res, 'refresh', {
      token: access.token.replace(/.$/, 'A'),
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    return { expires_in: access.expiresIn };
  }

  @Public()
  @Post('logout')
  logout(@Req() req: object, @Res({ passthrough: true }) res: object) {
    this.cookies.clear(req, res);
  }

  @Get('me')
  me(@CurrentUser('sub') sub: string) {
    return { sub };
  }

  @Delete('notes/1')
  remove(@CurrentUser() user: AuthenticatedUser) {
    return { deletedBy: user.sub };
  }
}

async function createApp(
  platform: 'express' | 'fastify',
  cookie: TokenAuthCookieOptions,
  trustProxy = false,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([key]), cookie })],
    controllers: [CookieController],
    providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }],
  }).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication()
      : moduleRef.createNestApplication(new FastifyAdapter({ trustProxy }));
  if (platform === 'express' && trustProxy)
    (app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void }).set('trust proxy', true);
  await app.init();
  if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}

function setCookies(response: request.Response): string[] {
  const value = response.headers['set-cookie'] as unknown;
  return Array.isArray(value) ? value : [];
}

/** The `name=value` pairs a browser would send back. */
function cookieHeader(lines: string[]): string {
  return lines.map((line) => line.split(';')[0]).join('; ');
}

describe.each(['express', 'fastify'] as const)('cookie mode on %s', (platform) => {
  describe('production names (allowInsecureHttp: false)', () => {
    let app: INestApplication;
    let cookies: string;
    let accessToken: string;

    beforeAll(async () => {
      app = await createApp(platform, { sameSite: 'strict', allowInsecureHttp: false });
      const login = await request(app.getHttpServer()).post('/login').expect(201);
      const lines = setCookies(login);
      cookies = cookieHeader(lines);
      accessToken = /__Host-nta_access=([^;]+)/.exec(cookies)![1]!;
    });
    afterAll(() => app.close());

    it('sets __Host- cookies: HttpOnly, Secure, SameSite, Path=/, Max-Age within the token lifetime', async () => {
      const lines = setCookies(await request(app.getHttpServer()).post('/login').expect(201));
      expect(lines).toHaveLength(2);
      const access = lines.find((line) => line.startsWith('__Host-nta_access='))!;
      const refresh = lines.find((line) => line.startsWith('__Host-nta_refresh='))!;
      for (const line of [access, refresh]) {
        expect(line).toMatch(/; Path=\/;/);
        expect(line).toMatch(/; HttpOnly;/);
        expect(line).toMatch(/; Secure;/);
        expect(line).toMatch(/; SameSite=Strict$/);
        expect(line).not.toMatch(/Domain=/i);
      }
      const maxAge = Number(/Max-Age=(\d+)/.exec(access)![1]);
      expect(maxAge).toBeGreaterThan(590);
      expect(maxAge).toBeLessThanOrEqual(600);
      expect(Number(/Max-Age=(\d+)/.exec(refresh)![1])).toBeLessThanOrEqual(3600);
    });

    it('authenticates a safe request by the access cookie alone', async () => {
      const response = await request(app.getHttpServer()).get('/me').set('Cookie', cookies).expect(200);
      expect(response.body).toEqual({ sub: 'alice' });
    });

    it('refuses a state-changing cookie request without the CSRF header (403) and accepts it with the header', async () => {
      const refused = await request(app.getHttpServer()).delete('/notes/1').set('Cookie', cookies).expect(403);
      expect(refused.body.code).toBe('csrf_header_missing');
      const accepted = await request(app.getHttpServer())
        .delete('/notes/1')
        .set('Cookie', cookies)
        .set('X-CSRF-Protection', '1')
        .expect(200);
      expect(accepted.body).toEqual({ deletedBy: 'alice' });
    });

    it('needs no CSRF header for a bearer request (a browser never attaches it by itself)', async () => {
      await request(app.getHttpServer()).delete('/notes/1').set('Authorization', `Bearer ${accessToken}`).expect(200);
    });

    it('rejects a token sent both as a header and a cookie as ambiguous (401), even when both are valid', async () => {
      const response = await request(app.getHttpServer())
        .get('/me')
        .set('Cookie', cookies)
        .set('Authorization', `Bearer ${accessToken}`)
        .expect(401);
      expect(response.body.code).toBe('token_ambiguous');
    });

    it('rejects an access cookie sent twice as ambiguous', async () => {
      const response = await request(app.getHttpServer())
        .get('/me')
        .set('Cookie', `__Host-nta_access=${accessToken}; __Host-nta_access=${accessToken}`)
        .expect(401);
      expect(response.body.code).toBe('token_ambiguous');
    });

    it('answers a bad cookie token with 401, not 500', async () => {
      const response = await request(app.getHttpServer())
        .get('/me')
        .set('Cookie', '__Host-nta_access=nta1.garbage')
        .expect(401);
      expect(response.body.code).toBe('token_malformed');
    });

    it('ignores the unprefixed name, which any subdomain or plain-http page could plant', async () => {
      const response = await request(app.getHttpServer())
        .get('/me')
        .set('Cookie', `nta_access=${accessToken}`)
        .expect(401);
      expect(response.body.code).toBe('token_missing');
    });

    it('logout expires both cookies', async () => {
      const lines = setCookies(await request(app.getHttpServer()).post('/logout').set('Cookie', cookies).expect(201));
      expect(lines.sort()).toEqual([
        '__Host-nta_access=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict',
        '__Host-nta_refresh=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict',
      ]);
    });
  });

  describe('default (allowInsecureHttp unset, NODE_ENV not production)', () => {
    let app: INestApplication;
    let proxied: INestApplication;
    beforeAll(async () => {
      app = await createApp(platform, {});
      proxied = await createApp(platform, {}, true);
    });
    afterAll(() => Promise.all([app.close(), proxied.close()]));

    const names = (response: request.Response): string[] => setCookies(response).map((line) => line.split('=')[0]!);
    const secure = (response: request.Response): boolean[] =>
      setCookies(response).map((line) => line.includes('; Secure;'));

    it('drops __Host- and Secure only for plain http to a loopback host', async () => {
      for (const host of ['127.0.0.1:3000', 'localhost', '[::1]:8080']) {
        const response = await request(app.getHttpServer()).post('/login').set('Host', host).expect(201);
        expect(names(response).sort()).toEqual(['nta_access', 'nta_refresh']);
        expect(secure(response)).toEqual([false, false]);
      }
    });

    it('behind a TLS proxy (X-Forwarded-Proto: https), with or without trust proxy, sets __Host- and Secure cookies', async () => {
      for (const target of [app, proxied]) {
        const response = await request(target.getHttpServer())
          .post('/login')
          .set('Host', 'app.example.com')
          .set('X-Forwarded-Proto', 'https')
          .expect(201);
        expect(names(response).sort()).toEqual(['__Host-nta_access', '__Host-nta_refresh']);
        expect(secure(response)).toEqual([true, true]);
      }
    });

    it('keeps __Host- and Secure for plain http to any other host, and reads the cookie under that name', async () => {
      const response = await request(app.getHttpServer()).post('/login').set('Host', 'app.example.com').expect(201);
      expect(names(response).sort()).toEqual(['__Host-nta_access', '__Host-nta_refresh']);
      const cookies = cookieHeader(setCookies(response));
      await request(app.getHttpServer()).get('/me').set('Host', 'app.example.com').set('Cookie', cookies).expect(200);
    });
  });

  describe('development over plain http (allowInsecureHttp: true)', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(platform, { sameSite: 'lax', csrfHeader: 'X-Requested-By', allowInsecureHttp: true });
    });
    afterAll(() => app.close());

    it('drops __Host- and Secure, keeps HttpOnly and SameSite, and reads the cookie under that name', async () => {
      const lines = setCookies(await request(app.getHttpServer()).post('/login').expect(201));
      const access = lines.find((line) => line.startsWith('nta_access='));
      expect(access).toMatch(/^nta_access=[^;]+; /);
      expect(access).not.toMatch(/Secure/);
      expect(access).toMatch(/; HttpOnly; SameSite=Lax$/);
      const cookies = cookieHeader(lines);
      await request(app.getHttpServer()).get('/me').set('Cookie', cookies).expect(200);
      await request(app.getHttpServer()).delete('/notes/1').set('Cookie', cookies).expect(403);
      await request(app.getHttpServer())
        .delete('/notes/1')
        .set('Cookie', cookies)
        .set('X-Requested-By', 'spa')
        .expect(200);
    });
  });
});

describe('cookie mode off', () => {
  it('ignores token cookies entirely', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([key]) })],
      controllers: [CookieController],
      providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    try {
      const token = app.get(TokenService).issue('alice').token;
      const response = await request(app.getHttpServer())
        .get('/me')
        .set('Cookie', `__Host-nta_access=${token}`)
        .expect(401);
      expect(response.body.code).toBe('token_missing');
      await request(app.getHttpServer())
        .get('/me')
        .set('Authorization', `Bearer ${token}`)
        .set('Cookie', `__Host-nta_access=${token}`)
        .expect(200);
    } finally {
      await app.close();
    }
  });
});
