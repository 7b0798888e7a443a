import type { Cluster, Redis } from 'ioredis';
import { INDEX_CUT, INDEX_RECORD, INDEX_TOUCH } from './session-index-scripts.js';
import { TIME_HELPERS } from './lua-time-helpers.js';

export type Client = Redis | Cluster;

/**
 * `b:a:e` under `{prefix}[tsu]:{id}`: the cut-off (`issuedBefore`), until when access-token checks need the entry
 * (`a`, what replicas load) and when the key expires (`e`, later for a user, whose refresh tokens live longer).
 * Merged with what is there (the later of each wins), so concurrent or replayed writes never narrow a revocation.
 * A two-field value (`b:e`, written by earlier versions) reads as `a = e`.
 * ARGV[5], a deadline on Redis's clock (0: none): a user's cut-off written by then moves to just past Redis's
 * clock, so it covers every refresh this Redis stamped before the write reached it, on any instance; a write that
 * lands later (queued while Redis was away) keeps the cut-off it was given, so it never reaches tokens issued
 * after the caller was answered. Returns the cut-off in force, or -1 when the entry had expired.
 */
const MERGE = `${TIME_HELPERS}
local b, a, e, now, deadline = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if deadline > 0 then
  local redisTime = redisNow()
  if redisTime <= deadline then b = math.max(b, redisTime + 1) end
end
local current = redis.call('GET', KEYS[1])
if current then
  local cb, ca, ce = string.match(current, '^(%d+):(%d+):(%d+)$')
  if not cb then
    cb, ce = string.match(current, '^(%d+):(%d+)$')
    ca = ce
  end
  if cb then
    cb, ca, ce = tonumber(cb), tonumber(ca), tonumber(ce)
    if cb >= b and ca >= a and ce >= e then return cb end
    b, a, e = math.max(b, cb), math.max(a, ca), math.max(e, ce)
  end
end
if e - now <= 0 then return -1 end
redis.call('SET', KEYS[1], string.format('%d:%d:%d', b, a, e), 'PX', e - now)
return b
`;

/**
 * One refresh of a session, on its one record `{prefix}f:{sid}`: the rule of `decideRotation` (rotation-rule.ts),
 * atomically, stamped with Redis's clock. The record is 44 bytes, `spent(16) current(16) usedAt(6) startedAt(6)`
 * (raw token ids, big-endian ms), small enough for Redis to store in one allocation with its header; `-` once
 * revoked. KEYS[2] and KEYS[3], when given (not on a Cluster, where they live in other slots), are the epoch marker
 * and the rotation count: an epoch absent or other than the instance knows, or a count lower than one the instance
 * has seen, means Redis lost data since (emptied, restarted from an older snapshot, failed over to a lagging
 * replica), and nothing is decided (`lost`); a lower count also starts a new epoch, so that every instance notices.
 * ARGV: jti, successor jti, the token's issuedAt (6 bytes each), the record's TTL (ms), the replay window (ms),
 * a deadline on Redis's clock (ms; past it the caller has given up, and nothing is changed: `late`), whether the
 * token may be judged by its record ('1', or '0' when it predates a data loss: `reset`), the epoch and the count the
 * instance knows, and whether a replay must be written again ('1' when the caller waits for replicas: the write
 * then carries the rotation it repeats to them).
 * Returns {kind, usedAt, startedAt, Redis's time, count} (6-byte times; the first two empty where they do not apply;
 * the count after this script's write, empty when it wrote nothing or there is no count).
 */
const ROTATE = `${TIME_HELPERS}
local jti, successor, issued6 = ARGV[1], ARGV[2], ARGV[3]
local ttl, window, deadline, judged = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local now = redisNow()
local now6 = six(now)
if deadline > 0 and now > deadline then return {'late', '', '', now6, ''} end
local counted = #KEYS > 2
if #KEYS > 1 then
  local epoch = redis.call('GET', KEYS[2])
  if not epoch then
    redis.call('SET', KEYS[2], tostring(now))
    return {'lost', '', '', now6, ''}
  end
  if epoch ~= ARGV[8] then return {'lost', '', '', now6, ''} end
  if counted and tonumber(redis.call('GET', KEYS[3]) or '0') < (tonumber(ARGV[9]) or 0) then
    redis.call('SET', KEYS[2], tostring(now))
    return {'lost', '', '', now6, ''}
  end
end
local function wrote()
  return counted and tostring(redis.call('INCR', KEYS[3])) or ''
end
-- Issued before a loss, a token is not judged by what Redis holds now: its record is gone or older than it was.
if judged ~= '1' then return {'reset', '', '', now6, ''} end
local record = redis.call('GET', KEYS[1])
if record == '-' then return {'revoked', '', '', now6, ''} end
local startedAt
if not record then
  startedAt = issued6
elseif #record == 44 and jti == string.sub(record, 17, 32) then
  startedAt = string.sub(record, 39, 44)
elseif #record == 44 and jti == string.sub(record, 1, 16) and window > 0 and now - unsix(string.sub(record, 33, 38)) <= window then
  local count = ''
  if ARGV[10] == '1' then
    redis.call('SET', KEYS[1], record, 'KEEPTTL')
    count = wrote()
  end
  return {'replayed', string.sub(record, 33, 38), string.sub(record, 39, 44), now6, count}
else
  redis.call('SET', KEYS[1], '-', 'KEEPTTL')
  return {'reused', '', #record == 44 and string.sub(record, 39, 44) or '', now6, wrote()}
end
-- Never before the token it succeeds (issued, perhaps, at a user's cut-off made in this very millisecond).
local usedAt6 = six(math.max(now, unsix(issued6)))
redis.call('SET', KEYS[1], jti .. successor .. usedAt6 .. startedAt, 'PX', math.max(ttl, redis.call('PTTL', KEYS[1])))
return {'rotated', usedAt6, startedAt, now6, wrote()}
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
 * The epoch marker: no TTL, written with Redis's own time when absent. A different (or new) value than the one an
 * instance knew means Redis lost its data in between. KEYS[2], when given (not on a Cluster), is the rotation count
 * (no TTL, one more at every write of a session record): lower than the count the instance has seen (ARGV[2]) under
 * the epoch it knows (ARGV[1]), Redis went back in time (an older snapshot, a lagging replica promoted), and a new
 * epoch starts. Returns {epoch, Redis time in ms, count}.
 */
const EPOCH = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local epoch = redis.call('GET', KEYS[1])
local count = '0'
if #KEYS > 1 then count = redis.call('GET', KEYS[2]) or '0' end
if not epoch or (epoch == ARGV[1] and tonumber(count) < (tonumber(ARGV[2]) or 0)) then
  epoch = tostring(now)
  redis.call('SET', KEYS[1], epoch)
end
return {epoch, tostring(now), count}
`;

export interface StoreCommands {
  ntaMerge(
    key: string,
    issuedBefore: number,
    accessUntil: number,
    expiresAt: number,
    now: number,
    deadline: number,
  ): Promise<number>;
  /** `keys`: 1 (the session record) or 3 (and the epoch marker and the rotation count), the keys, ROTATE's ARGV. */
  ntaRotateBuffer(keys: 1 | 3, ...keysAndArgs: (Buffer | string | number)[]): Promise<Buffer[]>;
  ntaEndSession(key: string, expiresAt: number, now: number): Promise<number>;
  /** `keys`: 1 (the epoch marker) or 2 (and the rotation count), the keys, then the epoch and count known. */
  ntaEpoch(keys: 1 | 2, ...keysAndArgs: string[]): Promise<[string, string, string]>;
  ntaIndexRecord(key: string, sid: string, entry: string, expiresAt: number): Promise<number>;
  /** `keys`: 1 (the index, on a Cluster) or 3 (and the session's record and the user's cut-off), then INDEX_TOUCH's ARGV. */
  ntaIndexTouch(keys: 1 | 3, ...keysAndArgs: (Buffer | string | number)[]): Promise<number>;
  ntaIndexCut(key: string, issuedBefore: number): Promise<number>;
}

/** Registers the scripts (EVALSHA, falling back to EVAL after a restart) on a client. */
export function withScripts(client: Client): Client & StoreCommands {
  const commands = client as Client & Partial<StoreCommands>;
  if (commands.ntaRotateBuffer === undefined) {
    client.defineCommand('ntaMerge', { numberOfKeys: 1, lua: MERGE });
    client.defineCommand('ntaRotate', { lua: ROTATE });
    client.defineCommand('ntaEndSession', { numberOfKeys: 1, lua: END_SESSION });
    client.defineCommand('ntaEpoch', { lua: EPOCH });
    client.defineCommand('ntaIndexRecord', { numberOfKeys: 1, lua: INDEX_RECORD });
    client.defineCommand('ntaIndexTouch', { lua: INDEX_TOUCH });
    client.defineCommand('ntaIndexCut', { numberOfKeys: 1, lua: INDEX_CUT });
  }
  return client as Client & StoreCommands;
}
