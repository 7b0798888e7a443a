import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Delete,
  Get,
  Module,
  Param,
  Post,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  CurrentUser,
  generateKey,
  StaticKeyProvider,
  TokenAuthGuard,
  TokenAuthModule,
  TokenService,
  type EffectiveCaveats,
} from 'nestjs-token-auth';
import { attenuate } from 'nestjs-token-auth/client';
import request from 'supertest';

@Controller('notes')
class NotesController {
  @Get()
  list() {
    return [];
  }

  @Get(':id')
  one(@Param('id') id: string, @CurrentUser('caveats') caveats: EffectiveCaveats | undefined) {
    return { id, caveats: caveats ?? null };
  }

  @Post()
  create() {
    return { created: true };
  }

  @Delete(':id')
  remove() {
    return { deleted: true };
  }
}

/** Every path under /files reaches the handler, dot segments and all: what a path caveat must hold against. */
@Controller('files')
class ExpressFilesController {
  @Get('*path')
  file() {
    return { file: true };
  }
}

/** The same for Fastify, whose router takes a bare trailing wildcard. */
@Controller('files')
class FastifyFilesController {
  @Get('*')
  file() {
    return { file: true };
  }
}

function notesModule(adapter: 'express' | 'fastify'): DynamicModule {
  return {
    module: NotesModule,
    imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey()]), audience: 'notes-api' })],
    controllers: [NotesController, adapter === 'express' ? ExpressFilesController : FastifyFilesController],
    providers: [{ provide: APP_GUARD, useClass: TokenAuthGuard }],
  };
}

@Module({})
class NotesModule {}

describe.each(['express', 'fastify'] as const)('the guard with attenuated tokens (%s)', (adapter) => {
  let app: INestApplication;
  let tokens: TokenService;
  const server = () => app.getHttpServer();
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    app = await NestFactory.create(
      notesModule(adapter),
      adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
      {
        logger: false,
      },
    );
    await app.init();
    if (adapter === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
    tokens = app.get(TokenService);
  });

  afterAll(() => app.close());

  async function shareOf(id: number): Promise<string> {
    return attenuate(tokens.issue('user-42').token, [
      { type: 'expires', at: Date.now() + 600_000 },
      { type: 'methods', methods: ['GET', 'HEAD'] },
      { type: 'path', prefix: `/notes/${id}` },
    ]);
  }

  it('lets a child read what its caveats allow, and shows them through @CurrentUser()', async () => {
    const child = await shareOf(5);
    const response = await request(server()).get('/notes/5').set(bearer(child)).expect(200);
    expect(response.body).toEqual({
      id: '5',
      caveats: expect.objectContaining({ methods: ['GET', 'HEAD'], pathPrefix: '/notes/5', once: [] }),
    });
    await request(server()).get('/notes/5?x=1').set(bearer(child)).expect(200);
  });

  it.each([
    ['GET', '/notes'],
    ['GET', '/notes/6'],
    ['GET', '/notes/50'],
    ['POST', '/notes'],
    ['DELETE', '/notes/5'],
    ['GET', '/notes/5%2F..%2F6'],
  ])('refuses %s %s with 401 caveat_unmet and a challenge', async (method, path) => {
    const child = await shareOf(5);
    const response = await request(server())
      [method.toLowerCase() as 'get' | 'post' | 'delete'](path)
      .set(bearer(child));
    expect({ status: response.status, code: response.body?.code }).toEqual({ status: 401, code: 'caveat_unmet' });
    expect(response.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it.each([
    '/files/public/../secret',
    '/files/public/%2e%2e/secret',
    '/files/public/%2E%2E%2Fsecret',
    '/files/public%2F..%2Fsecret',
    '/files/public/..%5Csecret',
    '/files/public//x',
    '/files/public/./x',
    '/files/publicity',
    '/files/secret',
  ])('refuses %s under a /files/public caveat: the path in normal form only', async (path) => {
    const child = await attenuate(tokens.issue('user-42').token, [{ type: 'path', prefix: '/files/public' }]);
    await request(server()).get('/files/public/a/b').set(bearer(child)).expect(200);
    const response = await request(server()).get(path).set(bearer(child));
    // Every one of them reaches the handler's route: the guard refuses it.
    expect({ status: response.status, code: response.body.code }).toEqual({ status: 401, code: 'caveat_unmet' });
  });

  it('refuses a child of a revoked session, and one whose audience is another service', async () => {
    const parent = tokens.issue('user-42');
    const child = await attenuate(parent.token, [{ type: 'methods', methods: ['GET'] }]);
    await request(server()).get('/notes/1').set(bearer(child)).expect(200);
    await tokens.revokeSession(parent.claims.sid);
    expect((await request(server()).get('/notes/1').set(bearer(child)).expect(401)).body.code).toBe('revoked_token');
    const elsewhere = await attenuate(tokens.issue('user-42').token, [{ type: 'audience', audience: 'billing' }]);
    expect((await request(server()).get('/notes/1').set(bearer(elsewhere)).expect(401)).body.code).toBe('caveat_unmet');
  });

  it('serves a one-time token once, and refuses it after', async () => {
    const once = await attenuate(tokens.issue('user-42').token, [{ type: 'once' }]);
    await request(server()).post('/notes').set(bearer(once)).expect(201);
    const again = await request(server()).post('/notes').set(bearer(once)).expect(401);
    expect(again.body.code).toBe('revoked_token');
  });

  it('answers random caveat bytes with 401 and a stable code, never 500', async () => {
    const parent = Buffer.from(tokens.issue('user-42').token.slice(5), 'base64url');
    for (let i = 0; i < 20; i++) {
      const caveats = Buffer.from(Array.from({ length: 2 + i }, (_, k) => (k * 37 + i * 11) & 0xff));
      caveats[0] = i + 1;
      const token = `nta1c.${Buffer.concat([parent.subarray(0, -32), caveats, parent.subarray(-32)]).toString('base64url')}`;
      const response = await request(server()).get('/notes/1').set(bearer(token));
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 401,
        code: expect.stringMatching(/^(token_malformed|invalid_signature)$/),
      });
    }
  });
});
