import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from './route-metadata.js';

/** Opts a route or controller out of `TokenAuthGuard`, typically when the guard is global. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
