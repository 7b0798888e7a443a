import { describe, expect, it } from '@jest/globals';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { AuthenticatedUser } from '../format/token-claims.js';
import { IS_OPTIONAL_AUTH_KEY, IS_PUBLIC_KEY } from './route-metadata.js';
import { CurrentUser } from './current-user.decorator.js';
import { OptionalAuth } from './optional-auth.decorator.js';
import { Public } from './public.decorator.js';

type Factory = (data: unknown, context: ExecutionContextHost) => unknown;

/** The function Nest calls to resolve a parameter decorated with `decorator(data)`. */
function factoryOf(decorator: (data?: keyof AuthenticatedUser) => ParameterDecorator, data?: keyof AuthenticatedUser) {
  class Target {
    handler(@decorator(data) _value: unknown) {}
  }
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Target, 'handler') as Record<
    string,
    { factory: Factory; data: unknown }
  >;
  const [entry] = Object.values(args);
  return (request: object) => entry!.factory(entry!.data, new ExecutionContextHost([request, {}, undefined]));
}

const user: AuthenticatedUser = {
  sub: 'user-42',
  jti: 'AAAAAAAAAAAAAAAAAAAAAA',
  sid: 'BBBBBBBBBBBBBBBBBBBBBB',
  purpose: 'access',
  kid: 'HYSLOf41yZep',
  issuedAt: 1,
  expiresAt: 2,
  claims: { roles: ['admin'] },
};

describe('decorators', () => {
  it('@Public() and @OptionalAuth() mark methods and classes for the guard', () => {
    @Public()
    class PublicController {
      @OptionalAuth()
      optional() {}

      plain() {}
    }
    const reflector = new Reflector();
    expect(reflector.get(IS_PUBLIC_KEY, PublicController)).toBe(true);
    expect(reflector.get(IS_OPTIONAL_AUTH_KEY, PublicController.prototype.optional)).toBe(true);
    expect(reflector.get(IS_OPTIONAL_AUTH_KEY, PublicController.prototype.plain)).toBeUndefined();
  });

  it('@CurrentUser() gives the whole user, @CurrentUser(field) one field', () => {
    expect(factoryOf(CurrentUser)({ user })).toBe(user);
    expect(factoryOf(CurrentUser, 'sub')({ user })).toBe('user-42');
    expect(factoryOf(CurrentUser, 'claims')({ user })).toEqual({ roles: ['admin'] });
  });

  it('@CurrentUser() is undefined on a request without a user (a @Public() or anonymous @OptionalAuth() route)', () => {
    expect(factoryOf(CurrentUser)({})).toBeUndefined();
    expect(factoryOf(CurrentUser, 'sub')({})).toBeUndefined();
  });
});
