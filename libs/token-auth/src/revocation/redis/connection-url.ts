import type { RedisOptions } from 'ioredis';

const SENTINEL_SCHEME = /^(rediss?)\+sentinel:\/\//i;
const PLAIN_SCHEME = /^rediss?:\/\//i;
const DEFAULT_SENTINEL_PORT = 26379;
/** Query parameters a Sentinel URL may carry: the Sentinels' own credentials, when they differ from Redis's. */
const SENTINEL_PARAMS = ['sentinelUsername', 'sentinelPassword'] as const;

const ACCEPTED =
  'redis://, rediss://, redis+sentinel:// or rediss+sentinel:// ' +
  '(redis+sentinel://[[user]:password@]host:port[,host:port...]/masterName[/db])';

function fail(problem: string): never {
  throw new Error(`Redis URL ${problem}; accepted: ${ACCEPTED}`);
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`has a badly percent-encoded ${what}`);
  }
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
function sentinelAddress(text: string, index: number): { host: string; port: number } {
  // The address is not echoed: a password with an unencoded "/" would end the authority early and land here.
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/@,]+))(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[3] === undefined ? DEFAULT_SENTINEL_PORT : Number(match[3]);
  if (!match || port < 1 || port > 65_535) {
    return fail(`has a bad Sentinel address (number ${index + 1}: host, host:port, [ipv6] or [ipv6]:port)`);
  }
  return { host: match[1] ?? match[2]!, port };
}

/**
 * What a URL names, as the `connection` of `RedisRevocationStore` (or `new Redis(...)`) takes it: a `redis://` or
 * `rediss://` URL unchanged (ioredis reads it), and a Sentinel URL as ioredis Sentinel options, since ioredis has
 * no URL form for Sentinel:
 *
 * `redis+sentinel://[[user]:password@]host1[:port1],host2[:port2]/masterName[/db]` (`rediss+sentinel://`: TLS to the
 * Sentinels and to Redis). The credentials are Redis's (the master and its replicas); Sentinels that have their own
 * take `?sentinelPassword=...&sentinelUsername=...`; percent-encode `/ ? # @ : +` in any of them. A Sentinel port
 * defaults to 26379. Anything else throws, with the accepted forms, and without echoing the URL (it may hold a
 * password).
 */
export function redisConnectionFromUrl(url: string): string | RedisOptions {
  const text = url.trim();
  const sentinel = SENTINEL_SCHEME.exec(text);
  if (!sentinel) {
    if (PLAIN_SCHEME.test(text)) return text.length > text.indexOf('//') + 2 ? text : fail('names no host');
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1];
    return fail(scheme ? `has the unsupported scheme "${scheme}:"` : 'has no scheme');
  }
  const tls = sentinel[1]!.toLowerCase() === 'rediss';
  let rest = text.slice(sentinel[0].length);

  let query = '';
  const queryAt = rest.indexOf('?');
  if (queryAt >= 0) {
    query = rest.slice(queryAt + 1);
    rest = rest.slice(0, queryAt);
  }
  if (rest.includes('#')) return fail('has a fragment (#)');

  const pathAt = rest.indexOf('/');
  if (pathAt < 0) return fail('names no master (redis+sentinel://hosts/masterName)');
  const authority = rest.slice(0, pathAt);
  const pathText = rest.slice(pathAt + 1);
  if (pathText.includes('@')) return fail('has "@" after its hosts (percent-encode / ? # @ in the credentials)');
  const path = pathText.split('/');

  const at = authority.lastIndexOf('@');
  const userInfo = at >= 0 ? authority.slice(0, at) : undefined;
  const hosts = authority.slice(at + 1);
  if (hosts === '') return fail('names no Sentinel');
  const sentinels = hosts.split(',').map((address, index) => sentinelAddress(address, index));

  if (path.length > 2 || path[0] === '') return fail('must end in /masterName or /masterName/db');
  const name = decode(path[0]!, 'master name');
  let db: number | undefined;
  if (path.length === 2) {
    if (!/^\d{1,5}$/.test(path[1]!)) return fail('has a database that is not a whole number');
    db = Number(path[1]);
  }

  const options: RedisOptions = { sentinels, name };
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    const username = decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo, 'user name');
    const password = colon >= 0 ? decode(userInfo.slice(colon + 1), 'password') : '';
    if (username !== '') options.username = username;
    if (password !== '') options.password = password;
  }
  if (db !== undefined) options.db = db;

  for (const [key, value] of new URLSearchParams(query)) {
    if (!(SENTINEL_PARAMS as readonly string[]).includes(key)) {
      return fail(`has the unknown parameter "${key}" (known: ${SENTINEL_PARAMS.join(', ')})`);
    }
    options[key as (typeof SENTINEL_PARAMS)[number]] = value;
  }
  if (tls) {
    options.tls = {};
    options.sentinelTLS = {};
    options.enableTLSForSentinelMode = true;
  }
  return options;
}
