import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedUser } from '../format/token-claims.js';

/** The verified user of the request (`@CurrentUser()`), or one of its fields (`@CurrentUser('sub')`). */
export const CurrentUser = createParamDecorator(
  (field: keyof AuthenticatedUser | undefined, context: ExecutionContext) => {
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    return field === undefined ? user : user?.[field];
  },
);
