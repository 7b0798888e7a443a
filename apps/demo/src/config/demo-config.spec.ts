import { describe, expect, it } from '@jest/globals';
import { DemoConfigError } from './demo-config.error.js';
import { loadDemoConfig } from './demo-config.js';

describe('loadDemoConfig', () => {
  it('has a default for everything, so the demo starts with no configuration', () => {
    const env = {};
    expect(loadDemoConfig(env)).toEqual({
      port: 3000,
      host: '127.0.0.1',
      adapter: 'express',
      dbPath: '.data/demo.sqlite',
      accessTokenTtl: 900,
      refreshReplayWindow: 30,
      loginRateLimit: 10,
      accountLoginLimit: 10,
      accountLoginWindow: 900,
      hashingMaxWait: 1000,
      requirePersistedRevocations: false,
      shutdownDrainTimeout: 10,
      stepUpMaxAge: 300,
      env,
    });
  });

  it('reads every variable', () => {
    const env = {
      PORT: '8080',
      HOST: '0.0.0.0',
      DEMO_ADAPTER: 'fastify',
      DEMO_DB_PATH: ':memory:',
      ACCESS_TOKEN_TTL: '60',
      REFRESH_REPLAY_WINDOW: '5',
      LOGIN_RATE_LIMIT: '3',
      ACCOUNT_LOGIN_LIMIT: '5',
      ACCOUNT_LOGIN_WINDOW: '60',
      HASHING_MAX_WAIT: '250',
      SHUTDOWN_DRAIN_TIMEOUT: '0',
      REVOCATION_REQUIRE_PERSISTED: 'true',
      STEP_UP_MAX_AGE: '60',
    };
    expect(loadDemoConfig(env)).toEqual({
      port: 8080,
      host: '0.0.0.0',
      adapter: 'fastify',
      dbPath: ':memory:',
      accessTokenTtl: 60,
      refreshReplayWindow: 5,
      loginRateLimit: 3,
      accountLoginLimit: 5,
      accountLoginWindow: 60,
      hashingMaxWait: 250,
      requirePersistedRevocations: true,
      shutdownDrainTimeout: 0,
      stepUpMaxAge: 60,
      env,
    });
  });

  it('shares revocations through Redis when REDIS_URL is set', () => {
    expect(loadDemoConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      connection: 'redis://127.0.0.1:6379',
      maxStaleness: 60,
      waitForReplicas: 0,
      writeTimeout: 2000,
    });
    expect(
      loadDemoConfig({
        REDIS_URL: 'redis://r:6379',
        REVOCATION_MAX_STALENESS: '5',
        REDIS_WAIT_REPLICAS: '1',
        REVOCATION_WRITE_TIMEOUT: '4000',
      }).redis,
    ).toMatchObject({ maxStaleness: 5, waitForReplicas: 1, writeTimeout: 4000 });
    expect(loadDemoConfig({ REVOCATION_MAX_STALENESS: '5', REDIS_WAIT_REPLICAS: '1' }).redis).toBeUndefined();
  });

  it("reaches Redis through Sentinel with a redis+sentinel:// URL, read by the library's helper", () => {
    const url = 'redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26380/mymaster/1';
    expect(loadDemoConfig({ REDIS_URL: url }).redis?.connection).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      name: 'mymaster',
      password: 'pw',
      db: 1,
    });
    expect(loadDemoConfig({ REDIS_URL: 'rediss+sentinel://s1/m' }).redis?.connection).toMatchObject({ tls: {} });
  });

  it.each(['-1', 'one', '1.5', '101'])('refuses REDIS_WAIT_REPLICAS=%s with a message naming it', (value) => {
    expect(() => loadDemoConfig({ REDIS_URL: 'redis://r', REDIS_WAIT_REPLICAS: value })).toThrow(
      /^REDIS_WAIT_REPLICAS must be a whole number from 0 to 100/,
    );
  });

  it.each(['99', '60001', '2s'])('refuses REVOCATION_WRITE_TIMEOUT=%s with a message naming it', (value) => {
    expect(() => loadDemoConfig({ REDIS_URL: 'redis://r', REVOCATION_WRITE_TIMEOUT: value })).toThrow(
      /^REVOCATION_WRITE_TIMEOUT must be a whole number from 100 to 60000/,
    );
  });

  it('says which URL forms REDIS_URL accepts', () => {
    expect(() => loadDemoConfig({ REDIS_URL: 'sentinel://s1/m' })).toThrow(
      /^REDIS_URL must be .*accepted: redis:\/\/, rediss:\/\/, redis\+sentinel:\/\/ or rediss\+sentinel:\/\//,
    );
  });

  it.each([
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'redis+sentinel://s1:26379'],
    ['PORT', '65536'],
    ['PORT', '80a'],
    ['PORT', '-1'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['ACCESS_TOKEN_TTL', '1.5'],
    ['REFRESH_REPLAY_WINDOW', '-1'],
    ['REFRESH_REPLAY_WINDOW', '3601'],
    ['LOGIN_RATE_LIMIT', '0'],
    ['ACCOUNT_LOGIN_LIMIT', '0'],
    ['ACCOUNT_LOGIN_WINDOW', '86401'],
    ['HASHING_MAX_WAIT', '1s'],
    ['DEMO_ADAPTER', 'koa'],
    ['SHUTDOWN_DRAIN_TIMEOUT', '-1'],
    ['REVOCATION_REQUIRE_PERSISTED', 'yes'],
    ['STEP_UP_MAX_AGE', '86401'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadDemoConfig({ [name]: value })).toThrow(DemoConfigError);
    expect(() => loadDemoConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be`));
  });
});
