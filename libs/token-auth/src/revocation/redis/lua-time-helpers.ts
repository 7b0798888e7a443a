/** Redis's clock in ms, and 6-byte big-endian times as tokens and session records carry them. */
export const TIME_HELPERS = `
local function redisNow()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
local function six(ms)
  local bytes = {}
  for i = 6, 1, -1 do
    bytes[i] = string.char(ms % 256)
    ms = math.floor(ms / 256)
  end
  return table.concat(bytes)
end
local function unsix(text)
  local ms = 0
  for i = 1, 6 do ms = ms * 256 + string.byte(text, i) end
  return ms
end
`;
