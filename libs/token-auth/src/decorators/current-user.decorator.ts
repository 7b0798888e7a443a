import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedUser } from '../format/token-claims.js';
import { requestOf } from '../http/execution-context.js';

/**
 * The verified user of the request (`@CurrentUser()`), or one of its fields (`@CurrentUser('sub')`), in
 * controllers, GraphQL resolvers and WebSocket gateways.
 */
export const CurrentUser = createParamDecorator(
  (field: keyof AuthenticatedUser | undefined, context: ExecutionContext) => {
    const user = requestOf<{ user?: AuthenticatedUser }>(context).user;
    return field === undefined ? user : user?.[field];
  },
);
