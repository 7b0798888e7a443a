import { SetMetadata } from '@nestjs/common';
import { IS_OPTIONAL_AUTH_KEY } from './route-metadata.js';

/**
 * Serves anonymous and signed-in users alike: without a token the request passes with no user; with a token,
 * the token must be valid (a bad one is still a 401, so a client learns to refresh rather than silently
 * losing its identity).
 */
export const OptionalAuth = (): MethodDecorator & ClassDecorator => SetMetadata(IS_OPTIONAL_AUTH_KEY, true);
