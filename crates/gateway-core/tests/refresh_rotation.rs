//! Refresh-token rotation safety (scheduling.md §10): a burst of requests over accounts whose
//! tokens expire together exchanges each refresh token exactly once, in one process and across
//! two gateway instances sharing PostgreSQL and Redis; the mock sees zero reuse.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use gateway_core::config::{CacheConfig, Config, DatabaseConfig};
use gateway_core::scheduler::PickRequest;
use gateway_core::service::accounts::import::{import, ImportOptions};
use gateway_core::service::import::{parse_refresh_token_field, ImportParse};
use gateway_core::store::CredentialUpdate;
use gateway_core::AppState;
use mock_upstream::{MockConfig, MockUpstream};

fn point_at(mock: &MockUpstream, c: &mut Config) {
    c.upstream_base_url = mock.upstream_base_url();
    c.oauth_token_url = mock.oauth_token_url();
    c.shutdown_grace = std::time::Duration::from_secs(2);
}

async fn import_all(state: &AppState, tokens: &[String]) {
    let parsed: ImportParse = parse_refresh_token_field(&tokens.join("\n"), None).unwrap();
    let summary = import(state, parsed, &ImportOptions::default(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(summary.added, tokens.len(), "{summary:?}");
}

/// Marks every account's access token as expiring now, here and at the mock.
async fn expire_everything(state: &AppState, mock: &MockUpstream) {
    mock.expire_access_tokens(None);
    let now = gateway_core::service::now_ms();
    for a in state.store().all_accounts().await.unwrap() {
        let update = CredentialUpdate {
            credentials_sealed: a.credentials_sealed.clone(),
            access_expires_at: Some(now),
            last_refreshed_at: a.last_refreshed_at,
            email: None,
            plan_type: None,
            now,
        };
        state
            .store()
            .write_credentials(a.id, a.credential_generation, &update)
            .await
            .unwrap();
    }
    state.pool().reload(state).await.unwrap();
}

/// `n` concurrent picks, each holding its grant briefly, spread over the given states.
async fn burst(states: &[AppState], n: usize) {
    let mut tasks = Vec::new();
    for i in 0..n {
        let state = states[i % states.len()].clone();
        tasks.push(tokio::spawn(async move {
            let grant = state
                .pool()
                .acquire(
                    &state,
                    &PickRequest {
                        model: "gpt-5.4",
                        exclude: &[],
                        affinity_key: None,
                    },
                )
                .await
                .unwrap();
            tokio::task::yield_now().await;
            drop(grant);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_exchange_each_refresh_token_once() {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let seeded = mock.seed_accounts(10);
    let (state, _dir) = common::state_with(|c| point_at(&mock, c)).await;
    state
        .store()
        .put_setting("max_concurrency", "0")
        .await
        .unwrap();
    state.reload_settings().await.unwrap();
    import_all(
        &state,
        &seeded
            .iter()
            .map(|s| s.refresh_token.clone())
            .collect::<Vec<_>>(),
    )
    .await;
    expire_everything(&state, &mock).await;
    burst(std::slice::from_ref(&state), 200).await;
    for s in &seeded {
        assert_eq!(
            mock.refresh_count(&s.account_id),
            2,
            "import + exactly one refresh for {}",
            s.email
        );
        assert_eq!(mock.refresh_reuse_count(&s.account_id), 0);
    }
    // A second expiry is again one exchange per account.
    expire_everything(&state, &mock).await;
    burst(std::slice::from_ref(&state), 200).await;
    for s in &seeded {
        assert_eq!(mock.refresh_count(&s.account_id), 3);
        assert_eq!(mock.refresh_reuse_count(&s.account_id), 0);
    }
    state.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sharing_postgres_and_redis_never_reuse_a_token() {
    let (Some(db), Some(redis)) = (
        common::fresh_postgres("rotation").await,
        common::redis_url("rotation"),
    ) else {
        return;
    };
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let seeded = mock.seed_accounts(10);
    let key = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
    };
    let mut states = Vec::new();
    for _ in 0..2 {
        let mut config = Config::for_sqlite("/unused.db");
        point_at(&mock, &mut config);
        config.database = DatabaseConfig::Postgres { url: db.clone() };
        config.cache = CacheConfig::Redis { url: redis.clone() };
        config.secret_key = Some(gateway_core::secrets::SecretString::new(key.clone()));
        config.secret_key_file = None;
        states.push(gateway_core::build_state(config).await.unwrap());
    }
    for s in &states {
        s.store().put_setting("max_concurrency", "0").await.unwrap();
        s.reload_settings().await.unwrap();
    }
    import_all(
        &states[0],
        &seeded
            .iter()
            .map(|s| s.refresh_token.clone())
            .collect::<Vec<_>>(),
    )
    .await;
    for round in 0..3 {
        expire_everything(&states[0], &mock).await;
        states[1].pool().reload(&states[1]).await.unwrap();
        burst(&states, 200).await;
        for s in &seeded {
            assert_eq!(mock.refresh_reuse_count(&s.account_id), 0, "round {round}");
            assert_eq!(
                mock.refresh_count(&s.account_id),
                2 + round,
                "round {round} for {}",
                s.email
            );
        }
    }
    for s in states {
        s.shutdown().await;
    }
}
