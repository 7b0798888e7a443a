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
 * One refresh of a session, on its one record `{prefix}f:{sid}`: the rule of `decideRotation` (rotation-rule.ts),
 * atomically. The record is 44 bytes, `spent(16) current(16) usedAt(6) startedAt(6)` (raw token ids, big-endian
 * ms), small enough for Redis to store in one allocation with its header; `-` once revoked.
 * ARGV: jti, successor jti, now and the token's issuedAt (6 bytes each), record expiry and now (ms, decimal),
 * whether a missing record may be created ('1', or '0' when the token predates a data loss).
 * Returns {kind, usedAt, startedAt} (6-byte times).
 */
const ROTATE = `
local jti, successor, now6, issued6, expiresAt, now, mayCreate = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local record = redis.call('GET', KEYS[1])
if record == '-' then return {'revoked'} end
local startedAt
if not record then
  if mayCreate ~= '1' then return {'reset'} end
  startedAt = issued6
elseif #record == 44 and jti == string.sub(record, 17, 32) then
  startedAt = string.sub(record, 39, 44)
elseif #record == 44 and jti == string.sub(record, 1, 16) then
  return {'replayed', string.sub(record, 33, 38), string.sub(record, 39, 44)}
else
  redis.call('SET', KEYS[1], '-', 'KEEPTTL')
  return {'reused', '', string.sub(record, 39, 44)}
end
local ttl = math.max(expiresAt - now, redis.call('PTTL', KEYS[1]))
redis.call('SET', KEYS[1], jti .. successor .. now6 .. startedAt, 'PX', ttl)
return {'rotated', now6, startedAt}
`;

/**
 * Marks a session record revoked (`-`). A record already there keeps its TTL, which covers the session's refresh
 * tokens; without one (a login never refreshed), until ARGV[1] (ms; ARGV[2] is now).
 */
const END_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SET', KEYS[1], '-', 'KEEPTTL')
  return 1
end
local ttl = tonumber(ARGV[1]) - tonumber(ARGV[2])
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
  ntaRotateBuffer(key: string, ...args: (Buffer | string | number)[]): Promise<Buffer[]>;
  ntaEndSession(key: string, expiresAt: number, now: number): Promise<number>;
  ntaEpoch(key: string): Promise<[string, string]>;
}

/** Registers the scripts (EVALSHA, falling back to EVAL after a restart) on a client; each touches one key. */
export function withScripts(client: Client): Client & StoreCommands {
  const commands = client as Client & Partial<StoreCommands>;
  if (commands.ntaRotateBuffer === undefined) {
    client.defineCommand('ntaMerge', { numberOfKeys: 1, lua: MERGE });
    client.defineCommand('ntaRotate', { numberOfKeys: 1, lua: ROTATE });
    client.defineCommand('ntaEndSession', { numberOfKeys: 1, lua: END_SESSION });
    client.defineCommand('ntaEpoch', { numberOfKeys: 1, lua: EPOCH });
  }
  return client as Client & StoreCommands;
}
