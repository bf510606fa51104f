//! Counted slots and token buckets on Redis, each check one Lua script (one round trip) that
//! reads the server's clock, so replicas with skewed clocks still agree.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::Script;

use super::{effective_ttl, new_owner_token, CacheResult};

/// A sorted set of holders scored by their deadline: drop lapsed ones, then add if room.
const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

const RENEW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) > now then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return 1
end
return 0
";

/// Returns 0 when a token was taken, else the wait in ms until the next one.
const BUCKET: &str = r"
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1]) or cap
local ts = tonumber(v[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return wait
";

fn millis(ttl: Duration) -> u64 {
    u64::try_from(effective_ttl(ttl).as_millis()).unwrap_or(u64::MAX)
}

pub(crate) async fn acquire(
    mut conn: ConnectionManager,
    key: String,
    limit: u32,
    ttl: Duration,
) -> CacheResult<Option<String>> {
    let token = new_owner_token();
    let taken: i64 = Script::new(ACQUIRE)
        .key(key)
        .arg(limit)
        .arg(millis(ttl))
        .arg(&token)
        .invoke_async(&mut conn)
        .await
        .map_err(super::redis::map_err)?;
    Ok((taken == 1).then_some(token))
}

pub(crate) async fn renew(
    mut conn: ConnectionManager,
    key: String,
    token: &str,
    ttl: Duration,
) -> CacheResult<bool> {
    let renewed: i64 = Script::new(RENEW)
        .key(key)
        .arg(token)
        .arg(millis(ttl))
        .invoke_async(&mut conn)
        .await
        .map_err(super::redis::map_err)?;
    Ok(renewed == 1)
}

pub(crate) async fn release(
    mut conn: ConnectionManager,
    key: String,
    token: &str,
) -> CacheResult<()> {
    redis::cmd("ZREM")
        .arg(key)
        .arg(token)
        .query_async::<()>(&mut conn)
        .await
        .map_err(super::redis::map_err)
}

pub(crate) async fn take(
    mut conn: ConnectionManager,
    key: String,
    capacity: u32,
    per_second: f64,
) -> CacheResult<Result<(), Duration>> {
    let per_ms = per_second.max(1e-9) / 1000.0;
    let wait_ms: i64 = Script::new(BUCKET)
        .key(key)
        .arg(capacity.max(1))
        .arg(per_ms)
        .invoke_async(&mut conn)
        .await
        .map_err(super::redis::map_err)?;
    Ok(if wait_ms <= 0 {
        Ok(())
    } else {
        Err(Duration::from_millis(wait_ms.unsigned_abs()))
    })
}
