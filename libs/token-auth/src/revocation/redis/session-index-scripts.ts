import { TIME_HELPERS } from './lua-time-helpers.js';

/**
 * A user's session index, `{prefix}d:{sub}`: a hash of session id to `[expiresAt,createdAt,lastActiveAt,...device]`
 * (compact JSON, times in ms on Redis's clock, the expiry first so a script reads it without decoding the rest).
 * Logins and cut-offs first drop the entries past their expiry (a cut-off also those started before it); the key
 * expires with the latest entry: the hash holds the live sessions only, never grows with refreshes, and goes when
 * the last one expires. A refresh walks the hash only when an entry may have expired: a hash of up to SMALL entries
 * is walked every time, a larger one keeps its earliest expiry under the field `~` (never a session id) and is
 * walked once that time has come, so a user with many sessions does not make each refresh cost them all.
 */
const INDEX_HELPERS = `
local SMALL, DUE = 32, '~'
local function pruned(key, now, before)
  local all = redis.call('HGETALL', key)
  local latest, earliest, left = 0, math.huge, 0
  for i = 1, #all, 2 do
    if all[i] ~= DUE then
      local e, c = string.match(all[i + 1], '^%[(%d+),(%d+)')
      e, c = tonumber(e), tonumber(c)
      if not e or not c or e <= now or c < before then
        redis.call('HDEL', key, all[i])
      else
        left = left + 1
        latest = math.max(latest, e)
        earliest = math.min(earliest, e)
      end
    end
  end
  if left > SMALL then
    redis.call('HSET', key, DUE, string.format('%d', earliest))
  else
    redis.call('HDEL', key, DUE)
  end
  return latest
end
local function noteExpiry(key, expiry)
  local due = tonumber(redis.call('HGET', key, DUE) or '0')
  if due > 0 and expiry < due then redis.call('HSET', key, DUE, string.format('%d', expiry)) end
end
local function keepUntil(key, latest)
  if latest > 0 then redis.call('PEXPIREAT', key, latest) end
end
`;

/** A login: ARGV[1] the session id, ARGV[2] its entry, ARGV[3] the entry's expiry. Returns 1, or 0 if expired. */
export const INDEX_RECORD = `${TIME_HELPERS}${INDEX_HELPERS}
local expiry = tonumber(ARGV[3])
local now = redisNow()
if expiry <= now then return 0 end
local latest = pruned(KEYS[1], now, 0)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
noteExpiry(KEYS[1], expiry)
keepUntil(KEYS[1], math.max(latest, expiry))
return 1
`;

/**
 * A refresh: the entry's last activity and expiry move on (an entry is made, without device fields, for a session
 * started before the index existed). Outside a Cluster, KEYS[2] and KEYS[3] are the session's record and the user's
 * cut-off, read after the rotation in the same pipeline: nothing is written unless the record shows the token
 * ARGV[2] (raw id) spent by this rotation (or an earlier one, replayed) and no cut-off covers the token (issued at
 * ARGV[7]), so a revoked session is never listed again; the times are the record's. On a Cluster (other slots) the
 * caller sends it only after the rotation answered, with usedAt ARGV[3] and startedAt ARGV[4]. ARGV[5]: how long the
 * entry outlives this use, ARGV[6]: the session's maximum lifetime from its start (ms). Returns 1 when written.
 */
export const INDEX_TOUCH = `${TIME_HELPERS}${INDEX_HELPERS}
local sid, ttl, lifetime = ARGV[1], tonumber(ARGV[5]), tonumber(ARGV[6])
local usedAt, startedAt = tonumber(ARGV[3]), tonumber(ARGV[4])
if #KEYS > 1 then
  local record = redis.call('GET', KEYS[2])
  if not record or #record ~= 44 or string.sub(record, 1, 16) ~= ARGV[2] then return 0 end
  usedAt, startedAt = unsix(string.sub(record, 33, 38)), unsix(string.sub(record, 39, 44))
  local cutoff = tonumber(string.match(redis.call('GET', KEYS[3]) or '', '^(%d+):') or '0')
  if tonumber(ARGV[7]) < cutoff then return 0 end
end
local expiry = math.min(usedAt + ttl, startedAt + lifetime)
local now = redisNow()
if expiry <= now then return 0 end
local due = 0
if redis.call('HLEN', KEYS[1]) > SMALL then due = tonumber(redis.call('HGET', KEYS[1], DUE) or '0') end
local walked, latest = now >= due, 0
if walked then
  latest = pruned(KEYS[1], now, 0)
else
  local pttl = redis.call('PTTL', KEYS[1])
  if pttl > 0 then latest = now + pttl end
end
local current = redis.call('HGET', KEYS[1], sid)
local e, c, l, rest
if current then e, c, l, rest = string.match(current, '^%[(%d+),(%d+),(%d+)(.*)$') end
if e then
  expiry = math.max(tonumber(e), expiry)
  redis.call('HSET', KEYS[1], sid, string.format('[%d,%s,%d%s', expiry, c, math.max(tonumber(l), usedAt), rest))
else
  redis.call('HSET', KEYS[1], sid, string.format('[%d,%d,%d]', expiry, startedAt, usedAt))
  noteExpiry(KEYS[1], expiry)
end
if walked or expiry > latest then keepUntil(KEYS[1], math.max(latest, expiry)) end
return 1
`;

/** A user's cut-off (ARGV[1]): drops the user's sessions started before it, with the expired ones. */
export const INDEX_CUT = `${TIME_HELPERS}${INDEX_HELPERS}
keepUntil(KEYS[1], pruned(KEYS[1], redisNow(), tonumber(ARGV[1])))
return 1
`;
