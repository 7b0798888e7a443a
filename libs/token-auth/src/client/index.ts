/**
 * `nestjs-token-auth/client`: what a token's holder can do without the server and without a key, in any JavaScript
 * runtime with WebCrypto (a browser page, a worker, a service worker, Node 20+, Deno). It imports no Node built-in
 * and nothing of NestJS: `tsconfig.client.json` compiles it without Node's types to keep it so.
 */
export { attenuate, oneTimeId, readToken, type CaveatInput, type TokenSummary } from './attenuate.js';
export type { Caveat } from '../format/caveats.js';
export type { EffectiveCaveats } from '../format/effective-caveats.js';
export {
  ATTENUATED_PREFIX,
  HTTP_METHODS,
  MAX_CAVEAT_BYTES,
  MAX_CAVEATS,
  type HttpMethod,
} from '../format/caveat-format.js';
