//! The Redis cache, shared by every server replica so limits, cooldowns and refresh leases
//! hold across processes. Commands go through a `ConnectionManager` (reconnects on its own);
//! pub/sub runs on a dedicated connection owned by a background task that fans messages out
//! to tokio broadcast receivers and resubscribes after a reconnect.
//!
//! Every key and channel is namespaced with a prefix, so tests and several deployments can
//! share one Redis without seeing each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub, PubSubSink};
use redis::{Msg, RedisError, Script};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::memory::CHANNEL_CAPACITY;
use super::{effective_ttl, new_owner_token, Cache, CacheError, CacheResult, Lease};
use crate::config::redact_url;

/// One connection attempt; an unreachable Redis must stop the process quickly at start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The whole of [`RedisCache::connect`], retries included.
const CONNECT_BUDGET: Duration = Duration::from_secs(5);
/// A command that gets no answer in this time fails, so callers that fail closed (refresh
/// leases) give up promptly instead of hanging on a dead server.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);
/// How often the pub/sub task checks that its connection still answers; a silently dropped
/// TCP connection would otherwise leave subscribers deaf forever.
const PUBSUB_PING_EVERY: Duration = Duration::from_secs(30);
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(5);

/// Adds to a counter and gives it a TTL only when it has none, i.e. when this call created
/// it, so later increments never extend the window.
const INCR_SCRIPT: &str = r"
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v
";

const RENEW_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// The Redis [`Cache`].
pub struct RedisCache {
    conn: ConnectionManager,
    prefix: String,
    hub: Arc<Hub>,
    /// Dropping the cache drops this sender, which is what stops the pub/sub task.
    commands: mpsc::Sender<Command>,
    incr: Script,
    renew: Script,
    release: Script,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisCache {
    /// Connects to `url` and namespaces every key and channel with `prefix` (used verbatim,
    /// e.g. `"switchyard:"`). Fails within about five seconds when Redis is unreachable; the
    /// error never contains the password of the URL.
    pub async fn connect(url: &str, prefix: &str) -> CacheResult<RedisCache> {
        let shown = redact_url(url);
        let client = redis::Client::open(url).map_err(|e| {
            CacheError::Unavailable(format!("invalid Redis URL {shown}: {}", describe(&e)))
        })?;
        let connecting = async {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(CONNECT_TIMEOUT)
                .set_response_timeout(RESPONSE_TIMEOUT)
                .set_number_of_retries(1)
                .set_max_delay(1000);
            let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
            let pubsub = client.get_async_pubsub().await?;
            Ok::<_, RedisError>((conn, pubsub))
        };
        let (conn, pubsub) = match tokio::time::timeout(CONNECT_BUDGET, connecting).await {
            Ok(Ok(connected)) => connected,
            Ok(Err(e)) => {
                return Err(CacheError::Unavailable(format!(
                    "cannot connect to Redis at {shown}: {}",
                    describe(&e)
                )))
            }
            Err(_) => {
                return Err(CacheError::Unavailable(format!(
                    "cannot connect to Redis at {shown}: no answer within {}s",
                    CONNECT_BUDGET.as_secs()
                )))
            }
        };
        let hub = Arc::new(Hub {
            channels: Mutex::new(HashMap::new()),
        });
        let (commands, receiver) = mpsc::channel(64);
        // The task ends by itself when this cache (the only command sender) is dropped.
        tokio::spawn(run_pubsub(client, Arc::clone(&hub), receiver, pubsub));
        Ok(RedisCache {
            conn,
            prefix: prefix.to_owned(),
            hub,
            commands,
            incr: Script::new(INCR_SCRIPT),
            renew: Script::new(RENEW_SCRIPT),
            release: Script::new(RELEASE_SCRIPT),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// A handle for one command; `ConnectionManager` clones share one multiplexed connection.
    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

/// Milliseconds for `PX` / `PEXPIRE`.
fn millis(ttl: Duration) -> u64 {
    u64::try_from(effective_ttl(ttl).as_millis()).unwrap_or(u64::MAX)
}

/// Redis errors render their kind and server message; the URL (and so the password) is
/// never part of them, but keep the rendering in one place to be sure of it.
fn describe(err: &RedisError) -> String {
    err.to_string()
}

pub(crate) fn map_err(err: RedisError) -> CacheError {
    if err.is_io_error()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || err.is_timeout()
        || err.is_unrecoverable_error()
    {
        CacheError::Unavailable(describe(&err))
    } else {
        CacheError::Protocol(describe(&err))
    }
}

#[async_trait]
impl Cache for RedisCache {
    fn driver(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> CacheResult<()> {
        redis::cmd("PING")
            .query_async::<String>(&mut self.conn())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> CacheResult<Option<String>> {
        redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut self.conn())
            .await
            .map_err(map_err)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> CacheResult<()> {
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(map_err)
    }

    async fn delete(&self, key: &str) -> CacheResult<()> {
        redis::cmd("DEL")
            .arg(self.key(key))
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(map_err)
    }

    async fn incr(&self, key: &str, delta: i64, ttl: Duration) -> CacheResult<i64> {
        self.incr
            .key(self.key(key))
            .arg(delta)
            .arg(millis(ttl))
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_err)
    }

    async fn try_acquire(&self, key: &str, ttl: Duration) -> CacheResult<Option<Lease>> {
        let owner = new_owner_token();
        let taken: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(&owner)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut self.conn())
            .await
            .map_err(map_err)?;
        Ok(taken.map(|_| Lease {
            key: key.to_owned(),
            owner,
        }))
    }

    async fn renew(&self, lease: &Lease, ttl: Duration) -> CacheResult<bool> {
        let renewed: i64 = self
            .renew
            .key(self.key(&lease.key))
            .arg(&lease.owner)
            .arg(millis(ttl))
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_err)?;
        Ok(renewed == 1)
    }

    async fn release(&self, lease: &Lease) -> CacheResult<bool> {
        let released: i64 = self
            .release
            .key(self.key(&lease.key))
            .arg(&lease.owner)
            .invoke_async(&mut self.conn())
            .await
            .map_err(map_err)?;
        Ok(released == 1)
    }

    async fn publish(&self, channel: &str, message: &str) -> CacheResult<()> {
        redis::cmd("PUBLISH")
            .arg(self.key(channel))
            .arg(message)
            .query_async::<()>(&mut self.conn())
            .await
            .map_err(map_err)
    }

    async fn subscribe(&self, channel: &str) -> CacheResult<broadcast::Receiver<String>> {
        let channel = self.key(channel);
        let receiver = {
            let mut channels = self.hub.channels();
            let sender = channels
                .entry(channel.clone())
                .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0);
            sender.subscribe()
        };
        // SUBSCRIBE is sent even when the channel is already known: another caller's
        // SUBSCRIBE may still be in flight, and returning only after Redis confirmed it is
        // what guarantees delivery of everything published afterwards.
        let (ack, confirmed) = oneshot::channel();
        let gone = || CacheError::Unavailable("Redis pub/sub task has stopped".to_owned());
        self.commands
            .send(Command::Subscribe { channel, ack })
            .await
            .map_err(|_| gone())?;
        match tokio::time::timeout(RESPONSE_TIMEOUT, confirmed).await {
            Ok(Ok(result)) => result.map(|()| receiver),
            Ok(Err(_)) => Err(gone()),
            Err(_) => Err(CacheError::Unavailable(
                "Redis did not confirm SUBSCRIBE".to_owned(),
            )),
        }
    }
    async fn slot_acquire(
        &self,
        key: &str,
        limit: u32,
        ttl: Duration,
    ) -> CacheResult<Option<String>> {
        super::redis_counted::acquire(self.conn(), self.key(key), limit, ttl).await
    }

    async fn slot_renew(&self, key: &str, token: &str, ttl: Duration) -> CacheResult<bool> {
        super::redis_counted::renew(self.conn(), self.key(key), token, ttl).await
    }

    async fn slot_release(&self, key: &str, token: &str) -> CacheResult<()> {
        super::redis_counted::release(self.conn(), self.key(key), token).await
    }

    async fn bucket_take(
        &self,
        key: &str,
        capacity: u32,
        per_second: f64,
    ) -> CacheResult<Result<(), Duration>> {
        super::redis_counted::take(self.conn(), self.key(key), capacity, per_second).await
    }
}

/// The fan-out table shared by the cache (which registers receivers) and the pub/sub task
/// (which delivers to them). Keys are the prefixed Redis channel names.
struct Hub {
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
}

impl Hub {
    /// Every critical section is one map operation, so a poisoned lock is still consistent.
    fn channels(&self) -> MutexGuard<'_, HashMap<String, broadcast::Sender<String>>> {
        self.channels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn names(&self) -> Vec<String> {
        self.channels().keys().cloned().collect()
    }

    /// Delivers a message; returns the channel name when nobody listens to it any more, so
    /// the caller can unsubscribe.
    fn deliver(&self, msg: &Msg) -> Option<String> {
        let channel = msg.get_channel_name();
        let Ok(payload) = msg.get_payload::<String>() else {
            tracing::warn!(channel, "dropping a pub/sub message that is not UTF-8");
            return None;
        };
        let mut channels = self.channels();
        let sender = channels.get(channel)?;
        if sender.send(payload).is_ok() {
            return None;
        }
        channels.remove(channel);
        Some(channel.to_owned())
    }
}

enum Command {
    Subscribe {
        channel: String,
        ack: oneshot::Sender<CacheResult<()>>,
    },
}

/// Why a connected session of the pub/sub task ended.
enum SessionEnd {
    /// The cache was dropped.
    Stopped,
    /// The connection failed; reconnect.
    Lost,
}

/// Owns the pub/sub connection for the life of the cache: runs a session, and after a lost
/// connection reconnects with backoff and resubscribes every registered channel.
async fn run_pubsub(
    client: redis::Client,
    hub: Arc<Hub>,
    mut commands: mpsc::Receiver<Command>,
    first: PubSub,
) {
    let mut pubsub = first;
    loop {
        if let SessionEnd::Stopped = session(pubsub, &hub, &mut commands).await {
            return;
        }
        tracing::warn!("Redis pub/sub connection lost; reconnecting");
        match reconnect(&client, &mut commands).await {
            Some(connected) => pubsub = connected,
            None => return,
        }
    }
}

async fn session(pubsub: PubSub, hub: &Hub, commands: &mut mpsc::Receiver<Command>) -> SessionEnd {
    let (mut sink, mut stream) = pubsub.split();
    let known = hub.names();
    if !known.is_empty()
        && within(RESPONSE_TIMEOUT, sink.subscribe(&known))
            .await
            .is_err()
    {
        return SessionEnd::Lost;
    }
    let mut ping = tokio::time::interval(PUBSUB_PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else { return SessionEnd::Lost };
                if let Some(idle) = hub.deliver(&msg) {
                    if within(RESPONSE_TIMEOUT, sink.unsubscribe(&idle)).await.is_err() {
                        return SessionEnd::Lost;
                    }
                }
            }
            command = commands.recv() => {
                let Some(Command::Subscribe { channel, ack }) = command else {
                    return SessionEnd::Stopped;
                };
                let result = within(RESPONSE_TIMEOUT, sink.subscribe(&channel)).await;
                let failed = result.is_err();
                // The subscriber may have given up waiting; nothing to tell it then.
                let _ = ack.send(result);
                if failed {
                    return SessionEnd::Lost;
                }
            }
            _ = ping.tick() => {
                if within(RESPONSE_TIMEOUT, ping_sink(&mut sink)).await.is_err() {
                    return SessionEnd::Lost;
                }
            }
        }
    }
}

/// In RESP2 subscribed mode PING answers with an array, so accept any reply shape.
async fn ping_sink(sink: &mut PubSubSink) -> redis::RedisResult<()> {
    sink.ping::<redis::Value>().await.map(|_| ())
}

async fn within(
    limit: Duration,
    fut: impl std::future::Future<Output = redis::RedisResult<()>>,
) -> CacheResult<()> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result.map_err(map_err),
        Err(_) => Err(CacheError::Unavailable(
            "Redis pub/sub did not answer in time".to_owned(),
        )),
    }
}

/// Reconnects with exponential backoff. Subscribe requests that arrive meanwhile fail at
/// once (their channel stays registered and is subscribed on reconnect); returns `None`
/// when the cache was dropped.
async fn reconnect(
    client: &redis::Client,
    commands: &mut mpsc::Receiver<Command>,
) -> Option<PubSub> {
    let mut delay = Duration::from_millis(100);
    loop {
        let pause = tokio::time::sleep(delay);
        tokio::pin!(pause);
        loop {
            tokio::select! {
                () = &mut pause => break,
                command = commands.recv() => {
                    let Command::Subscribe { ack, .. } = command?;
                    let _ = ack.send(Err(CacheError::Unavailable(
                        "Redis pub/sub connection is down; reconnecting".to_owned(),
                    )));
                }
            }
        }
        match tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub()).await {
            Ok(Ok(pubsub)) => {
                tracing::info!("Redis pub/sub connection restored");
                return Some(pubsub);
            }
            Ok(Err(e)) => tracing::warn!(error = %describe(&e), "Redis pub/sub reconnect failed"),
            Err(_) => tracing::warn!("Redis pub/sub reconnect timed out"),
        }
        delay = (delay * 2).min(RECONNECT_MAX_DELAY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unreachable_redis_fails_fast_without_the_password() {
        let started = std::time::Instant::now();
        let err = RedisCache::connect("redis://:hunter2@127.0.0.1:1/0", "t:")
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, CacheError::Unavailable(_)), "{message}");
        assert!(message.contains("cannot connect to Redis"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "took {:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_malformed_url_is_rejected_without_the_password() {
        let err = RedisCache::connect("http://:hunter2@example.com/", "t:")
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    /// Ids of the server's clients in pub/sub mode.
    async fn pubsub_client_ids(conn: &mut ConnectionManager) -> Vec<String> {
        let list: String = redis::cmd("CLIENT")
            .arg("LIST")
            .arg("TYPE")
            .arg("pubsub")
            .query_async(conn)
            .await
            .unwrap();
        list.lines()
            .filter_map(|line| line.split(' ').find_map(|field| field.strip_prefix("id=")))
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn subscribers_keep_receiving_after_the_pubsub_connection_drops() {
        let Some(url) = std::env::var("TEST_REDIS_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            let ci = std::env::var("CI");
            assert_ne!(
                ci.as_deref(),
                Ok("true"),
                "TEST_REDIS_URL must be set when CI=true"
            );
            eprintln!("SKIPPED: TEST_REDIS_URL not set");
            return;
        };
        let prefix = format!("switchyard-test:reconnect:{}:", new_owner_token());
        let cache = RedisCache::connect(&url, &prefix).await.unwrap();
        let mut admin = cache.conn();
        let before = pubsub_client_ids(&mut admin).await;
        let mut rx = cache.subscribe("changes").await.unwrap();
        let ours: Vec<String> = pubsub_client_ids(&mut admin)
            .await
            .into_iter()
            .filter(|id| !before.contains(id))
            .collect();
        assert_eq!(
            ours.len(),
            1,
            "cannot tell our pub/sub connection apart: {ours:?}"
        );
        redis::cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(&ours[0])
            .query_async::<()>(&mut admin)
            .await
            .unwrap();

        // Messages published while the task reconnects are lost, so keep publishing until
        // one arrives through the new connection.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            cache.publish("changes", "ping").await.unwrap();
            match tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
                Ok(message) => {
                    assert_eq!(message.unwrap(), "ping");
                    break;
                }
                Err(_) => assert!(tokio::time::Instant::now() < deadline, "never resubscribed"),
            }
        }
    }

    #[test]
    fn ttls_become_at_least_one_millisecond() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1500)), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
    }
}
