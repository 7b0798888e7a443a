import { describe, expect, it } from '@jest/globals';
import { redisConnectionFromUrl } from './connection-url.js';

describe('redisConnectionFromUrl', () => {
  it.each(['redis://127.0.0.1:6379', 'rediss://user:pw@redis.example:6380/2', 'REDIS://host'])(
    'passes %s through unchanged, for ioredis to read',
    (url) => {
      expect(redisConnectionFromUrl(url)).toBe(url);
    },
  );

  it('turns a Sentinel URL into ioredis Sentinel options', () => {
    expect(redisConnectionFromUrl('redis+sentinel://10.0.0.1:26379,10.0.0.2:26380,sentinel-c/mymaster')).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: 'sentinel-c', port: 26379 },
      ],
      name: 'mymaster',
    });
  });

  it("reads Redis's credentials, the database, and the Sentinels' own credentials", () => {
    expect(
      redisConnectionFromUrl(
        'redis+sentinel://app:p%40ss%3Aw0rd@s1:5000/my-master/3?sentinelPassword=s%2Bp&sentinelUsername=watcher',
      ),
    ).toEqual({
      sentinels: [{ host: 's1', port: 5000 }],
      name: 'my-master',
      username: 'app',
      password: 'p@ss:w0rd',
      db: 3,
      sentinelPassword: 's+p',
      sentinelUsername: 'watcher',
    });
    expect(redisConnectionFromUrl('redis+sentinel://:secret@s1/m')).toEqual({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'm',
      password: 'secret',
    });
  });

  it('reads IPv6 Sentinel addresses in brackets', () => {
    expect(redisConnectionFromUrl('redis+sentinel://[::1]:26400,[fe80::2]/m')).toMatchObject({
      sentinels: [
        { host: '::1', port: 26400 },
        { host: 'fe80::2', port: 26379 },
      ],
    });
  });

  it('uses TLS to the Sentinels and to Redis for rediss+sentinel://', () => {
    expect(redisConnectionFromUrl('rediss+sentinel://s1:26379/m/0')).toEqual({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'm',
      db: 0,
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
    });
  });

  it.each([
    ['localhost:6379', /unsupported scheme "localhost:"/],
    ['http://redis:6379', /unsupported scheme "http:"/],
    ['redis-sentinel://s1/m', /unsupported scheme "redis-sentinel:"/],
    ['redis://', /names no host/],
    ['', /no scheme/],
    ['redis+sentinel://s1:26379', /names no master/],
    ['redis+sentinel://s1:26379/', /must end in \/masterName/],
    ['redis+sentinel:///m', /names no Sentinel/],
    ['redis+sentinel://s1,,s2/m', /bad Sentinel address \(number 2:/],
    ['redis+sentinel://s1:70000/m', /bad Sentinel address \(number 1:/],
    ['redis+sentinel://s1:port/m', /bad Sentinel address \(number 1:/],
    ['redis+sentinel://s1/m/x', /database that is not a whole number/],
    ['redis+sentinel://s1/m/0/extra', /must end in \/masterName or \/masterName\/db/],
    ['redis+sentinel://s1/m?db=2', /unknown parameter "db"/],
    ['redis+sentinel://s1/m#frag', /fragment/],
    ['redis+sentinel://:%E0%A4%A@s1/m', /badly percent-encoded password/],
  ])('refuses %s, saying which schemes are accepted', (url, problem) => {
    expect(() => redisConnectionFromUrl(url)).toThrow(problem);
    expect(() => redisConnectionFromUrl(url)).toThrow(/accepted: redis:\/\/, rediss:\/\/, redis\+sentinel:\/\//);
  });

  it.each(['redis+sentinel://user:hunter2@s1', 'redis+sentinel://:hun/ter2@s1/m', 'redis+sentinel://:hunter2/x@s1/m'])(
    'does not echo the URL, which may hold a password, when it refuses %s',
    (url) => {
      let message = '';
      try {
        redisConnectionFromUrl(url);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Redis URL /);
      expect(message).not.toMatch(/hun|ter2/);
    },
  );
});
