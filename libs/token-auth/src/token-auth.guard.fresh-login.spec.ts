import { afterEach, describe, expect, it } from '@jest/globals';
import type { HttpException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test, type TestingModule } from '@nestjs/testing';
import { OptionalAuth } from './decorators/optional-auth.decorator.js';
import { RequireFreshLogin } from './decorators/require-fresh-login.decorator.js';
import { ManualClock } from './testing/manual-clock.js';
import { TokenAuthGuard } from './token-auth.guard.js';
import { TokenAuthModule } from './token-auth.module.js';
import { TokenService } from './token.service.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

class AccountController {
  profile() {}

  @RequireFreshLogin(300)
  deleteAccount() {}

  @OptionalAuth()
  @RequireFreshLogin(300)
  optionalButFresh() {}
}

@RequireFreshLogin(60)
class PaymentsController {
  pay() {}
}

const modules: TestingModule[] = [];
afterEach(async () => {
  await Promise.all(modules.splice(0).map((m) => m.close()));
});

async function fixture() {
  const clock = new ManualClock(T0);
  const moduleRef = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting({ clock })] }).compile();
  modules.push(moduleRef);
  return { guard: moduleRef.get(TokenAuthGuard), tokens: moduleRef.get(TokenService), clock };
}

/** The guard on an HTTP request: `true`, or the exception with the challenge it set. */
function http(guard: TokenAuthGuard, controller: object, handler: () => void, token?: string) {
  const headers: Record<string, string> = {};
  const request = { rawHeaders: token === undefined ? [] : ['Authorization', `Bearer ${token}`], headers: {} };
  const context = new ExecutionContextHost(
    [request, { header: (name: string, value: string) => (headers[name] = value) }],
    controller as never,
    handler as never,
  );
  context.setType('http');
  try {
    return { allowed: guard.canActivate(context), headers };
  } catch (error) {
    const exception = error as HttpException;
    return { status: exception.getStatus(), body: exception.getResponse(), headers };
  }
}

describe('@RequireFreshLogin(seconds)', () => {
  it('lets a login within the age through; later, 401 insufficient_user_authentication with the RFC 9470 challenge', async () => {
    const { guard, tokens, clock } = await fixture();
    const { deleteAccount, profile } = AccountController.prototype;
    let pair = tokens.issuePair('ada');
    expect(http(guard, AccountController, deleteAccount, pair.access.token).allowed).toBe(true);
    clock.advance(5 * MINUTE + 1);
    // A refreshed token, issued this instant: the login it carries is what counts.
    pair = await tokens.refresh(pair.refresh.token);
    const refused = http(guard, AccountController, deleteAccount, pair.access.token);
    expect(refused).toMatchObject({
      status: 401,
      body: { statusCode: 401, code: 'insufficient_user_authentication', max_age: 300 },
    });
    expect(refused.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", ' +
        'error_description="this action needs a sign-in within the last 300 seconds", max_age=300',
    );
    // The same token on a route without the decorator, and a new login on this one.
    expect(http(guard, AccountController, profile, pair.access.token).allowed).toBe(true);
    const again = tokens.issuePair('ada');
    expect(http(guard, AccountController, deleteAccount, again.access.token).allowed).toBe(true);
  });

  it('on a controller, for each of its routes', async () => {
    const { guard, tokens, clock } = await fixture();
    const token = tokens.issuePair('ada').access.token;
    clock.advance(61_000);
    expect(http(guard, PaymentsController, PaymentsController.prototype.pay, token)).toMatchObject({ status: 401 });
  });

  it('a bad token is still invalid_token; no token is a 401 even on an @OptionalAuth() route', async () => {
    const { guard } = await fixture();
    const { deleteAccount, optionalButFresh } = AccountController.prototype;
    const bad = http(guard, AccountController, deleteAccount, 'nta1.garbage');
    expect(bad).toMatchObject({ status: 401, body: { code: 'token_malformed' } });
    expect(bad.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(http(guard, AccountController, optionalButFresh)).toMatchObject({
      status: 401,
      body: { code: 'token_missing' },
    });
  });

  it('a token issued to continue a session without its login time is never fresh', async () => {
    const { guard, tokens } = await fixture();
    const sessionId = tokens.issuePair('ada').access.claims.sid;
    const token = tokens.issue('ada', { sessionId }).token;
    expect(http(guard, AccountController, AccountController.prototype.deleteAccount, token)).toMatchObject({
      status: 401,
      body: { code: 'insufficient_user_authentication' },
    });
  });

  it('GraphQL: checked per field, on a request whose token another field already verified', async () => {
    const { guard, tokens, clock } = await fixture();
    const token = tokens.issuePair('ada').access.token;
    clock.advance(10 * MINUTE);
    const req = { rawHeaders: ['Authorization', `Bearer ${token}`], headers: {} };
    const field = (handler: () => void) => {
      const context = new ExecutionContextHost([{}, {}, { req }, {}], AccountController as never, handler as never);
      context.setType('graphql');
      try {
        return guard.canActivate(context);
      } catch (error) {
        return (error as HttpException).getResponse();
      }
    };
    expect(field(AccountController.prototype.profile)).toBe(true);
    expect(field(AccountController.prototype.deleteAccount)).toMatchObject({
      code: 'insufficient_user_authentication',
      max_age: 300,
    });
  });

  it('WebSocket: a message to a fresh-login handler closes the socket with 4401 and the code', async () => {
    const { guard, tokens, clock } = await fixture();
    const token = tokens.issuePair('ada').access.token;
    const closed: [number, string][] = [];
    const socket = {
      [Symbol.for('nestjs-token-auth:socket-token')]: token,
      close: (code: number, reason: string) => closed.push([code, reason]),
    };
    const message = (handler: () => void) => {
      const context = new ExecutionContextHost([socket, {}], AccountController as never, handler as never);
      context.setType('ws');
      try {
        return guard.canActivate(context);
      } catch {
        return false;
      }
    };
    expect(message(AccountController.prototype.deleteAccount)).toBe(true);
    clock.advance(6 * MINUTE);
    expect(message(AccountController.prototype.profile)).toBe(true);
    expect(message(AccountController.prototype.deleteAccount)).toBe(false);
    expect(closed).toEqual([[4401, 'insufficient_user_authentication']]);
  });

  it('refuses an argument that is not a whole number of seconds', () => {
    expect(() => RequireFreshLogin(-1)).toThrow(TypeError);
    expect(() => RequireFreshLogin(1.5)).toThrow(TypeError);
  });
});
