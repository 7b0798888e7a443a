import type { Cluster, Redis } from 'ioredis';

export type Client = Redis | Cluster;

/**
 * `b:a:e` under `{prefix}[tsu]:{id}`: the cut-off (`issuedBefore`), until when access-token checks need the entry
 * (`a`, what replicas load) and when the key expires (`e`, later for a user, whose refresh tokens live longer).
 * Merged with what is there (the later of each wins), so concurrent or replayed writes never narrow a revocation.
 * A two-field value (`b:e`, written by earlier versions) reads as `a = e`.
 */
const MERGE = `
local b, a, e, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local current = redis.call('GET', KEYS[1])
if current then
  local cb, ca, ce = string.match(current, '^(%d+):(%d+):(%d+)$')
  if not cb then
    cb, ce = string.match(current, '^(%d+):(%d+)$')
    ca = ce
  end
  if cb then
    cb, ca, ce = tonumber(cb), tonumber(ca), tonumber(ce)
    if cb >= b and ca >= a and ce >= e then return 0 end
    b, a, e = math.max(b, cb), math.max(a, ca), math.max(e, ce)
  end
end
if e - now <= 0 then return 0 end
redis.call('SET', KEYS[1], string.format('%d:%d:%d', b, a, e), 'PX', e - now)
return 1
`;

/**
 * One refresh of a session, on its one record `{prefix}f:{sid}` (`startedAt:usedAt:spent:current`, or `-` once
 * revoked): the rule of `decideRotation` (session-record.ts), atomically.
 * ARGV: jti, successor jti, now, record expiry, the token's issuedAt, resetBefore. Returns {kind, usedAt, startedAt}.
 */
const ROTATE = `
local jti, successor, now, expiresAt, issuedAt, resetBefore = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local record = redis.call('GET', KEYS[1])
if record == '-' then return {'revoked'} end
local startedAt, usedAt, spent, current
if record then
  startedAt, usedAt, spent, current = string.match(record, '^(%d+):(%d+):([^:]+):([^:]+)$')
elseif tonumber(issuedAt) < resetBefore then
  return {'reset'}
end
if not record or jti == current then
  startedAt = startedAt or issuedAt
  local ttl = math.max(expiresAt - tonumber(now), redis.call('PTTL', KEYS[1]))
  redis.call('SET', KEYS[1], startedAt .. ':' .. now .. ':' .. jti .. ':' .. successor, 'PX', ttl)
  return {'rotated', now, startedAt}
end
if jti == spent then return {'replayed', usedAt, startedAt} end
redis.call('SET', KEYS[1], '-', 'KEEPTTL')
return {'reused', usedAt, startedAt}
`;

/** Marks a session record revoked (`-`) until at least ARGV[1] - ARGV[2] ms from now. */
const END_SESSION = `
local ttl = math.max(tonumber(ARGV[1]) - tonumber(ARGV[2]), redis.call('PTTL', KEYS[1]))
if ttl <= 0 then return 0 end
redis.call('SET', KEYS[1], '-', 'PX', ttl)
return 1
`;

/**
 * The epoch marker: no TTL, written once with Redis's own time when absent. A different (or new) value than the one
 * an instance knew means Redis lost its data in between. Returns {epoch, Redis time in ms}.
 */
const EPOCH = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = tostring(now)
  redis.call('SET', KEYS[1], epoch)
end
return {epoch, tostring(now)}
`;

export interface StoreCommands {
  ntaMerge(key: string, issuedBefore: number, accessUntil: number, expiresAt: number, now: number): Promise<number>;
  ntaRotate(key: string, ...args: (string | number)[]): Promise<string[]>;
  ntaEndSession(key: string, expiresAt: number, now: number): Promise<number>;
  ntaEpoch(key: string): Promise<[string, string]>;
}

/** Registers the scripts (EVALSHA, falling back to EVAL after a restart) on a client; each touches one key. */
export function withScripts(client: Client): Client & StoreCommands {
  const commands = client as Client & Partial<StoreCommands>;
  if (commands.ntaRotate === undefined) {
    client.defineCommand('ntaMerge', { numberOfKeys: 1, lua: MERGE });
    client.defineCommand('ntaRotate', { numberOfKeys: 1, lua: ROTATE });
    client.defineCommand('ntaEndSession', { numberOfKeys: 1, lua: END_SESSION });
    client.defineCommand('ntaEpoch', { numberOfKeys: 1, lua: EPOCH });
  }
  return client as Client & StoreCommands;
}
