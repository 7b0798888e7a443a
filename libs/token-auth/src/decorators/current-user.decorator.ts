import { createParamDecorator, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import type { AuthenticatedUser } from '../format/token-claims.js';
import { requestOf } from '../http/execution-context.js';

/**
 * `@CurrentUser()`'s type, written out: inferred, the declaration would name `ParameterDecoratorOptions`, which only
 * Nest 12 exports, and fail to compile on Nest 11 without `skipLibCheck` (or, with it, take any argument).
 */
export type CurrentUserDecorator = (
  ...dataOrPipes: (keyof AuthenticatedUser | PipeTransform | Type<PipeTransform> | undefined)[]
) => ParameterDecorator;

/**
 * The verified user of the request (`@CurrentUser()`), or one of its fields (`@CurrentUser('sub')`), in
 * controllers, GraphQL resolvers and WebSocket gateways.
 */
export const CurrentUser: CurrentUserDecorator = createParamDecorator(
  (field: keyof AuthenticatedUser | undefined, context: ExecutionContext) => {
    const user = requestOf<{ user?: AuthenticatedUser }>(context).user;
    return field === undefined ? user : user?.[field];
  },
);
