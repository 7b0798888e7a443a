/// <reference types="node" preserve="true" />
// The declarations use Node's types (Buffer, node:crypto): an app with a restricted `types` list still gets them.
export { RedisRevocationStore } from './redis.revocation-store.js';
export type { RedisRevocationStoreOptions } from './redis-store-options.js';
export type { OnStoreReset } from '../on-store-reset.js';
export { redisConnectionFromUrl } from './connection-url.js';
