export { RedisRevocationStore, type RedisRevocationStoreOptions } from './redis.revocation-store.js';
