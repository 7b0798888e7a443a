/** `nestjs-token-auth/terminus`: needs `@nestjs/terminus`, so it is kept out of the main entry. */
export { TokenAuthHealthIndicator, type TokenAuthHealthOptions } from './token-auth.health.js';
