import { createParamDecorator, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import type { AuthenticatedUser } from '../format/token-claims.js';
import { requestOf } from '../http/execution-context.js';
import { requestClaims } from './request-claims.js';

/**
 * `@CurrentUser()`'s type, written out: inferred, the declaration would name `ParameterDecoratorOptions`, which only
 * Nest 12 exports, and fail to compile on Nest 11 without `skipLibCheck` (or, with it, take any argument).
 */
export type CurrentUserDecorator = (
  ...dataOrPipes: (keyof AuthenticatedUser | PipeTransform | Type<PipeTransform> | undefined)[]
) => ParameterDecorator;

/**
 * The user of the request (`@CurrentUser()`): its verified claims, or the app's own user when `resolveUser` is set;
 * or a field of the verified claims (`@CurrentUser('sub')`), either way. In controllers, GraphQL resolvers and
 * WebSocket gateways.
 */
export const CurrentUser: CurrentUserDecorator = createParamDecorator(
  (field: keyof AuthenticatedUser | undefined, context: ExecutionContext) => {
    const request = requestOf<{ user?: AuthenticatedUser }>(context);
    if (field === undefined) return request.user;
    return (requestClaims.get(request) ?? request.user)?.[field];
  },
);

/**
 * The verified claims of the request's token (`@CurrentClaims()`), whatever `resolveUser` made `@CurrentUser()`:
 * what `TokenService.revokeSession(claims)` and `assertFreshLogin` take.
 */
export const CurrentClaims: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => {
    const request = requestOf<{ user?: AuthenticatedUser }>(context);
    return requestClaims.get(request) ?? request.user;
  },
);
