/// <reference types="node" preserve="true" />
// The declarations use Node's types (Buffer, node:crypto): an app with a restricted `types` list still gets them.
/** `nestjs-token-auth/terminus`: needs `@nestjs/terminus`, so it is kept out of the main entry. */
export { TokenAuthHealthIndicator, type TokenAuthHealthOptions } from './token-auth.health.js';
