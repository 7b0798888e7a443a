export { RedisRevocationStore, type RedisRevocationStoreOptions } from './redis.revocation-store.js';
export type { OnStoreReset } from '../on-store-reset.js';
