import { describe, expect, it } from '@jest/globals';
import { UnauthorizedException, type HttpException } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test } from '@nestjs/testing';
import { CurrentClaims, CurrentUser } from './decorators/current-user.decorator.js';
import type { AuthenticatedUser } from './format/token-claims.js';
import type { TokenAuthTestingOptions } from './testing/testing-module.js';
import { TokenAuthGuard, type TokenAuthRequest } from './token-auth.guard.js';
import { TokenAuthModule } from './token-auth.module.js';
import { TokenService } from './token.service.js';
import { WsTokenAuth, type AuthenticatedSocket } from './websocket/ws-token-auth.js';

// This spec imports the root module, which is allowed for specs: it is what users call, through @nestjs/testing.

class ArticlesController {
  feed(@CurrentUser() _user: unknown, @CurrentUser('sub') _sub: string, @CurrentClaims() _claims: unknown) {}
}

interface Answer {
  allowed?: boolean;
  status?: number;
  code?: string;
  challenge?: string;
  user?: unknown;
  sub?: unknown;
  claims?: unknown;
}

async function setUp(options: TokenAuthTestingOptions = {}) {
  const moduleRef = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting(options)] }).compile();
  const guard = moduleRef.get(TokenAuthGuard);
  const tokens = moduleRef.get(TokenService);

  /** An HTTP request with these Authorization headers through the guard, then the handler's @CurrentUser() values. */
  async function request(...authorization: string[]): Promise<Answer> {
    const req: TokenAuthRequest = { rawHeaders: authorization.flatMap((value) => ['Authorization', value]) };
    const headers: Record<string, string> = {};
    const res = { header: (name: string, value: string) => (headers[name] = value) };
    const context = new ExecutionContextHost([req, res], ArticlesController, ArticlesController.prototype.feed);
    context.setType('http');
    try {
      const allowed = await guard.canActivate(context);
      const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, ArticlesController, 'feed') as Record<
        string,
        { index: number; data: unknown; factory: (data: unknown, context: ExecutionContextHost) => unknown }
      >;
      const [user, sub, claims] = Object.values(args)
        .sort((a, b) => a.index - b.index)
        .map(({ factory, data }) => factory(data, context));
      return { allowed, user, sub, claims };
    } catch (error) {
      const exception = error as HttpException;
      if (!(exception instanceof UnauthorizedException)) throw error;
      const body = exception.getResponse() as { code: string };
      return { status: exception.getStatus(), code: body.code, challenge: headers['WWW-Authenticate'] };
    }
  }
  return { moduleRef, tokens, request };
}

describe('TokenAuthGuard authorizationSchemes', () => {
  it('reads only Bearer by default, and says so', async () => {
    const { moduleRef, tokens, request } = await setUp();
    const { token } = tokens.issue('user-1');
    expect(await request(`bearer ${token}`)).toMatchObject({
      allowed: true,
      sub: 'user-1',
      user: expect.objectContaining({ sub: 'user-1' }),
      claims: expect.objectContaining({ sub: 'user-1' }),
    });
    expect(await request(`Token ${token}`)).toMatchObject({ status: 401, code: 'token_malformed' });
    expect((await request()).challenge).toBe('Bearer');
    await moduleRef.close();
  });

  it('reads every listed scheme in any case, refuses two headers, and its challenge names the first', async () => {
    const { moduleRef, tokens, request } = await setUp({ authorizationSchemes: ['Token', 'Bearer'] });
    const { token } = tokens.issue('user-1');
    for (const scheme of ['Token', 'token', 'TOKEN', 'Bearer', 'bearer']) {
      expect(await request(`${scheme} ${token}`)).toMatchObject({ allowed: true, sub: 'user-1' });
    }
    expect(await request(`Token ${token}`, `Token ${token}`)).toMatchObject({ status: 401, code: 'token_malformed' });
    expect(await request(`Basic ${token}`)).toMatchObject({
      status: 401,
      code: 'token_malformed',
      challenge: expect.stringMatching(/^Token error="invalid_token"/),
    });
    expect((await request()).challenge).toBe('Token');
    await moduleRef.close();
  });

  it('reads them on a GraphQL operation and at a WebSocket handshake, with the same strict parsing', async () => {
    const { moduleRef, tokens } = await setUp({ authorizationSchemes: ['Token'] });
    const { token } = tokens.issue('user-1');
    const req: TokenAuthRequest = { rawHeaders: ['authorization', `token ${token}`] };
    const graphql = new ExecutionContextHost(
      [{}, {}, { req }, {}],
      ArticlesController,
      ArticlesController.prototype.feed,
    );
    graphql.setType('graphql');
    expect(await moduleRef.get(TokenAuthGuard).canActivate(graphql)).toBe(true);
    expect(req.user?.sub).toBe('user-1');

    const ws = moduleRef.get(WsTokenAuth);
    const closed: string[] = [];
    const socket = (): AuthenticatedSocket => ({ close: (_code, reason) => closed.push(reason!) });
    const handshake = (...values: string[]) =>
      ({ rawHeaders: values.flatMap((value) => ['Authorization', value]), headers: {} }) as never;
    expect(ws.connect(socket(), handshake(`TOKEN ${token}`))?.sub).toBe('user-1');
    expect(ws.connect(socket(), handshake(`Bearer ${token}`))).toBeUndefined();
    expect(ws.connect(socket(), handshake(`Token ${token}`, `Token ${token}`))).toBeUndefined();
    expect(closed).toEqual(['token_malformed', 'token_malformed']);
    await moduleRef.close();
  });

  it('refuses at bootstrap an empty list, a name that is no scheme, and a scheme listed twice', async () => {
    for (const [authorizationSchemes, message] of [
      [[], /non-empty list/],
      [['Bearer token'], /is not a scheme name/],
      [['Token', 'TOKEN'], /lists "TOKEN" twice/],
    ] as const) {
      await expect(
        Test.createTestingModule({
          imports: [TokenAuthModule.forTesting({ authorizationSchemes: [...authorizationSchemes] })],
        }).compile(),
      ).rejects.toThrow(message);
    }
  });
});

describe('TokenAuthGuard resolveUser', () => {
  const users = new Map([['user-1', { id: 1, name: 'Ada' }]]);

  it("awaits the app's user: @CurrentUser() gives it, @CurrentUser('sub') still the token's subject", async () => {
    const seen: Array<[AuthenticatedUser, object]> = [];
    const { moduleRef, tokens, request } = await setUp({
      resolveUser: async (claims, req) => {
        seen.push([claims, req]);
        await new Promise((resolve) => setImmediate(resolve));
        return users.get(claims.sub);
      },
    });
    expect(await request(`Bearer ${tokens.issue('user-1').token}`)).toEqual({
      allowed: true,
      user: { id: 1, name: 'Ada' },
      sub: 'user-1',
      // @CurrentClaims() is still the token's, for revokeSession(claims) and the like.
      claims: expect.objectContaining({ sub: 'user-1', purpose: 'access' }),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]![0].sub).toBe('user-1');
    expect(await request(`Bearer ${tokens.issue('user-gone').token}`)).toMatchObject({
      status: 401,
      code: 'unknown_user',
      challenge: expect.stringMatching(/^Bearer error="invalid_token"/),
    });
    // A bad token never reaches the hook.
    expect(await request('Bearer not-a-token')).toMatchObject({ status: 401, code: 'token_malformed' });
    expect(seen).toHaveLength(2);
    await moduleRef.close();
  });

  it('takes a synchronous hook too, and an exception it throws is the answer', async () => {
    const { moduleRef, tokens, request } = await setUp({
      resolveUser: (claims) => {
        if (claims.sub === 'banned') throw new UnauthorizedException({ code: 'account_disabled' });
        return { id: claims.sub };
      },
    });
    expect(await request(`Bearer ${tokens.issue('user-2').token}`)).toMatchObject({ user: { id: 'user-2' } });
    expect(await request(`Bearer ${tokens.issue('banned').token}`)).toMatchObject({
      status: 401,
      code: 'account_disabled',
    });
    await moduleRef.close();
  });

  it('is a guard method a subclass may override with an async one', async () => {
    class UserGuard extends TokenAuthGuard {
      protected override async resolveUser(claims: AuthenticatedUser): Promise<unknown> {
        return { name: `user ${claims.sub}` };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting()],
      providers: [UserGuard],
    }).compile();
    const req: TokenAuthRequest = {
      rawHeaders: ['Authorization', `Bearer ${moduleRef.get(TokenService).issue('u-3').token}`],
    };
    const context = new ExecutionContextHost([req, {}], ArticlesController, ArticlesController.prototype.feed);
    context.setType('http');
    expect(await moduleRef.get(UserGuard).canActivate(context)).toBe(true);
    expect(req.user).toEqual({ name: 'user u-3' });
    await moduleRef.close();
  });
});
