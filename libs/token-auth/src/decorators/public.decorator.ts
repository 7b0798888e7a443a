import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '../token-auth.constants.js';

/** Opts a route or controller out of `TokenAuthGuard`, typically when the guard is global. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
