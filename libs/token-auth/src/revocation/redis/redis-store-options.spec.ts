import { describe, expect, it } from '@jest/globals';
import { TokenAuthConfigError } from '../../errors/token-auth-config.error.js';
import { resolveRedisStoreOptions } from './redis-store-options.js';

describe('resolveRedisStoreOptions', () => {
  it('says the connection is undefined, and which variable to check, when it was read from an unset variable', () => {
    const unset: { REDIS_URL?: string } = {};
    expect(() => resolveRedisStoreOptions({ connection: unset.REDIS_URL })).toThrow(
      new TokenAuthConfigError(
        'RedisRevocationStore: connection is undefined: is the variable it is read from (REDIS_URL?) set? ' +
          'Give a redis:// URL, ioredis options or a client',
      ),
    );
    expect(() => resolveRedisStoreOptions({ connection: '' })).toThrow(/connection is an empty string: .*REDIS_URL/);
  });

  it('still asks for exactly one of client or connection when neither or both are given', () => {
    expect(() => resolveRedisStoreOptions({})).toThrow(/needs exactly one of client .* or connection/);
    expect(() => resolveRedisStoreOptions({ connection: 'redis://127.0.0.1:6379', client: {} as never })).toThrow(
      /needs exactly one of/,
    );
    expect(resolveRedisStoreOptions({ connection: 'redis://127.0.0.1:6379' }).prefix).toBe('nta:revocation:');
  });
});
