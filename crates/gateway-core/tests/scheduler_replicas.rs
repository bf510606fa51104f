//! Two gateway replicas sharing one Redis (and one database): a per-key concurrency limit of
//! N is never exceeded at the upstream, and the global RPM bucket holds across both. Needs
//! `TEST_REDIS_URL`; skipped loudly without it, and a failure under `CI=true`.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use std::sync::Arc;
use std::time::Duration;

use gateway_core::cache::Cache;
use gateway_core::config::{CacheConfig, Config};
use gateway_core::secrets::memory::MemorySecretStore;
use gateway_core::secrets::SecretStore;
use gateway_core::store::{NewApiKey, Store};
use mock_upstream::{MockConfig, MockUpstream};
use serde_json::json;

const SECRET: &str = "test-admin-secret-123";

struct Replica {
    base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn replica(
    config: Config,
    store: Arc<dyn Store>,
    secrets: Arc<dyn SecretStore>,
    redis: &str,
    prefix: &str,
) -> Replica {
    let cache: Arc<dyn Cache> = Arc::new(
        gateway_core::cache::redis::RedisCache::connect(redis, prefix)
            .await
            .unwrap(),
    );
    let state = gateway_core::build_state_with(config, store, cache, secrets)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let router = gateway_core::build_router(state);
    tokio::spawn(gateway_core::serve(
        listener,
        router,
        async move {
            let _ = rx.await;
        },
        Duration::from_secs(1),
    ));
    Replica { base, _stop: tx }
}

struct Cluster {
    replicas: [Replica; 2],
    mock: MockUpstream,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn cluster(redis: &str, global_rpm: u32, key: &str, key_concurrency: i64) -> Cluster {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_sqlite(dir.path().join("switchyard.db"));
    config.admin_secret = Some(gateway_core::secrets::SecretString::new(SECRET));
    config.upstream_base_url = mock.upstream_base_url();
    config.oauth_token_url = mock.oauth_token_url();
    config.cache = CacheConfig::Redis {
        url: redis.to_owned(),
    };
    let store = gateway_core::store::open(&config.database).await.unwrap();
    store
        .put_setting("global_rpm", &global_rpm.to_string())
        .await
        .unwrap();
    store.put_setting("max_concurrency", "0").await.unwrap();
    let now = gateway_core::service::now_ms();
    let new_key = NewApiKey {
        name: "k".into(),
        key_hash: gateway_core::service::api_keys::hash_key(key),
        key_preview: "sk-…".into(),
        rpm: 0,
        max_concurrency: key_concurrency,
        token_quota: 0,
        allowed_models: Vec::new(),
        expires_at: None,
        now,
    };
    store.insert_api_key(&new_key).await.unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::new());
    // One namespace per cluster: both replicas share it, other tests and reruns do not.
    let prefix = format!("sytest:{}:", uuid::Uuid::now_v7().simple());
    let a = replica(
        config.clone(),
        store.clone(),
        secrets.clone(),
        redis,
        &prefix,
    )
    .await;
    let seeded = mock.seed_accounts(1);
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/api/admin/accounts", a.base))
        .bearer_auth(SECRET)
        .json(&json!({"refresh_token": seeded[0].refresh_token}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    // The second replica starts after the import, so its snapshot has the account.
    let b = replica(config, store, secrets, redis, &prefix).await;
    Cluster {
        replicas: [a, b],
        mock,
        http,
        _dir: dir,
    }
}

impl Cluster {
    async fn chat(&self, replica: usize, key: &str) -> u16 {
        self.http
            .post(format!(
                "{}/v1/chat/completions",
                self.replicas[replica % 2].base
            ))
            .bearer_auth(key)
            .json(
                &json!({"model": "gpt-5.4-mini", "messages": [{"role": "user", "content": "hi"}]}),
            )
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn per_key_concurrency_holds_across_replicas() {
    let Some(redis) = common::redis_url("per_key_concurrency_holds_across_replicas") else {
        return;
    };
    let key = "sk-replica-concurrency-0001";
    let c = Arc::new(cluster(&redis, 0, key, 3).await);
    c.mock.set_default_delta_delay(Duration::from_millis(40));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..24 {
        let c = c.clone();
        set.spawn(async move { c.chat(i, key).await });
    }
    let mut statuses = Vec::new();
    while let Some(done) = set.join_next().await {
        statuses.push(done.unwrap());
    }
    let id = c.mock.account_ids().remove(0);
    let max = c.mock.counters(&id).unwrap().max_in_flight;
    assert!(max <= 3, "never N+1 in flight: {max}");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn global_rpm_holds_across_replicas() {
    let Some(redis) = common::redis_url("global_rpm_holds_across_replicas") else {
        return;
    };
    let key = "sk-replica-rpm-0002";
    let c = cluster(&redis, 10, key, 0).await;
    let mut ok = 0;
    for i in 0..24 {
        match c.chat(i, key).await {
            200 => ok += 1,
            429 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    // A bucket of 10 refilled at 10/min: 10 at once, at most one more while the loop runs.
    assert!(
        (10..=11).contains(&ok),
        "{ok} requests passed a 10 RPM limit shared by two replicas"
    );
}
