//! Store conformance suite: every case is written once against `dyn Store` and run on both
//! backends, so SQLite and PostgreSQL are held to identical observable behaviour. The
//! `conformance!` macro generates `sqlite::<case>` and `postgres::<case>` tests from one list,
//! which keeps the test count per backend equal by construction.
//!
//! SQLite runs on a fresh temporary file per test. PostgreSQL needs `TEST_DATABASE_URL`
//! (trust auth is fine); each test creates and drops its own database. Without the variable
//! the PostgreSQL tests print `SKIPPED` and pass, except under `CI=true`, where they fail so
//! a misconfigured pipeline cannot go green silently.

// Marks the whole file as test code, so clippy's allow-unwrap/expect/panic-in-tests settings
// also cover the shared case functions and helpers, not only the generated `#[test]`s.
#![cfg(test)]

use std::future::Future;
use std::sync::Arc;

use gateway_core::config::DatabaseConfig;
use gateway_core::store::{
    self, Account, AccountFilter, AccountPatch, ApiKey, ApiKeyPatch, CredentialKind,
    CredentialState, CredentialUpdate, NewAccount, NewAccountEvent, NewApiKey, NewUsageLog, Store,
    StoreError, UsageFilter,
};

/// One backend under test: the open store plus the config that opened it, for reopening.
struct Harness {
    config: DatabaseConfig,
    store: Arc<dyn Store>,
}

impl Harness {
    fn db(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

#[cfg(feature = "sqlite")]
async fn run_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    // A nested path also checks that opening creates the missing folder.
    let config = DatabaseConfig::Sqlite {
        path: dir.path().join("data").join("switchyard.db"),
    };
    let store = store::open(&config).await.expect("open sqlite store");
    case(Harness {
        config,
        store: Arc::clone(&store),
    })
    .await;
    store.close().await;
}

#[cfg(feature = "postgres")]
async fn run_postgres<F, Fut>(case: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: Future<Output = ()>,
{
    use std::panic::AssertUnwindSafe;

    use futures_util::FutureExt;
    use sqlx::{Connection, Executor, PgConnection};

    let Some(base_url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("TEST_DATABASE_URL is not set but CI=true: the PostgreSQL conformance tests must run in CI");
        }
        eprintln!("SKIPPED: TEST_DATABASE_URL not set; PostgreSQL conformance test did not run");
        return;
    };
    let name = format!("sy_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = PgConnection::connect(&base_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    // A natural-language collation (not the common C / C.UTF-8 default) so any text ordering
    // that silently depends on the database collation shows up as a difference to SQLite.
    let icu = format!(
        r#"CREATE DATABASE "{name}" TEMPLATE template0 ENCODING 'UTF8'
           LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"#
    );
    if let Err(e) = admin.execute(icu.as_str()).await {
        eprintln!("note: no ICU collation for the test database ({e}); using the default");
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("create db");
    }
    let mut url = url::Url::parse(&base_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&name);
    let config = DatabaseConfig::Postgres { url: url.into() };

    let outcome = AssertUnwindSafe(async {
        let store = store::open(&config).await.expect("open postgres store");
        case(Harness {
            config: config.clone(),
            store: Arc::clone(&store),
        })
        .await;
        store.close().await;
    })
    .catch_unwind()
    .await;
    // Best-effort cleanup; FORCE drops connections a failed case may have left open.
    let _ = admin
        .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
        .await;
    let _ = admin.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    crate::run_sqlite(crate::cases::$case).await;
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    crate::run_postgres(crate::cases::$case).await;
                }
            )*
        }
    };
}

conformance!(
    accounts_insert_get,
    accounts_not_found,
    accounts_identity_conflict_and_lookup,
    accounts_soft_delete_and_reimport,
    accounts_list_filters,
    accounts_list_paging,
    accounts_all_accounts,
    accounts_patch_semantics,
    accounts_write_credentials_cas,
    accounts_write_credentials_deleted_row,
    accounts_write_credentials_concurrent,
    accounts_counts,
    account_events_order_and_limit,
    api_keys_crud,
    api_keys_hash_lookup_and_conflict,
    api_keys_record_use,
    settings_get_put_overwrite,
    settings_put_if_absent,
    settings_all_ordered,
    usage_batch_roundtrip,
    usage_filters,
    usage_paging,
    usage_delete_before_boundary,
    store_ping_and_driver,
    migrations_idempotent,
    quota_upsert_newer_wins_and_clear,
    usage_record_with_rollups,
    usage_aggregate_buckets,
    cooldowns_replace_and_expire,
    accounts_scheduler_overrides,
);

const T0: i64 = 1_700_000_000_000;

fn new_account(identity: &str, name: &str, now: i64) -> NewAccount {
    NewAccount {
        name: name.to_owned(),
        identity_key: identity.to_owned(),
        email: None,
        chatgpt_account_id: Some(format!("ws-{identity}")),
        chatgpt_user_id: Some(format!("user-{identity}")),
        plan_type: Some("plus".to_owned()),
        kind: CredentialKind::RefreshToken,
        credentials_sealed: format!("sealed:{identity}"),
        access_expires_at: Some(now + 3_600_000),
        last_refreshed_at: None,
        proxy_url: None,
        note: None,
        now,
    }
}

fn new_key(hash: &str, now: i64) -> NewApiKey {
    NewApiKey {
        name: format!("key {hash}"),
        key_hash: hash.to_owned(),
        key_preview: "sk-ab12…9f3e".to_owned(),
        rpm: 60,
        max_concurrency: 4,
        token_quota: 1_000_000,
        allowed_models: vec!["gpt-5".to_owned(), "gpt-5-codex".to_owned()],
        expires_at: Some(now + 86_400_000),
        now,
    }
}

fn usage(created_at: i64, request_id: &str) -> NewUsageLog {
    NewUsageLog {
        created_at,
        request_id: request_id.to_owned(),
        endpoint: "/v1/responses".to_owned(),
        status_code: 200,
        attempts: 1,
        ..NewUsageLog::default()
    }
}

fn credentials(sealed: &str, now: i64) -> CredentialUpdate {
    CredentialUpdate {
        credentials_sealed: sealed.to_owned(),
        access_expires_at: Some(now + 3_600_000),
        last_refreshed_at: Some(now),
        email: None,
        plan_type: None,
        now,
    }
}

#[path = "store_conformance/usage_cases.rs"]
mod usage_cases;

#[path = "store_conformance/scheduler_cases.rs"]
mod scheduler_cases;

mod cases {
    use super::*;

    pub use crate::scheduler_cases::*;
    pub use crate::usage_cases::*;

    pub async fn accounts_insert_get(h: Harness) {
        let mut new = new_account("id-1", "Alpha", T0);
        new.email = Some("alpha@example.com".to_owned());
        new.proxy_url = Some("socks5://127.0.0.1:1080".to_owned());
        new.note = Some("first".to_owned());
        new.kind = CredentialKind::AccessToken;
        let inserted = h.db().insert_account(&new).await.unwrap();
        assert!(inserted.id > 0);
        assert_eq!(inserted.name, "Alpha");
        assert_eq!(inserted.identity_key, "id-1");
        assert_eq!(inserted.email.as_deref(), Some("alpha@example.com"));
        assert_eq!(inserted.chatgpt_account_id.as_deref(), Some("ws-id-1"));
        assert_eq!(inserted.chatgpt_user_id.as_deref(), Some("user-id-1"));
        assert_eq!(inserted.plan_type.as_deref(), Some("plus"));
        assert_eq!(inserted.kind, CredentialKind::AccessToken);
        assert_eq!(inserted.credentials_sealed, "sealed:id-1");
        assert_eq!(inserted.credential_generation, 0);
        assert_eq!(inserted.access_expires_at, Some(T0 + 3_600_000));
        assert_eq!(inserted.last_refreshed_at, None);
        assert_eq!(inserted.state, CredentialState::Active);
        assert_eq!(inserted.state_reason, None);
        assert!(inserted.enabled);
        assert!(!inserted.paused);
        assert_eq!(
            inserted.proxy_url.as_deref(),
            Some("socks5://127.0.0.1:1080")
        );
        assert_eq!(inserted.note.as_deref(), Some("first"));
        assert_eq!(inserted.scheduler_priority, 0);
        assert_eq!(
            (
                inserted.created_at,
                inserted.updated_at,
                inserted.deleted_at
            ),
            (T0, T0, None)
        );

        assert_eq!(h.db().get_account(inserted.id).await.unwrap(), inserted);
        let second = h
            .db()
            .insert_account(&new_account("id-2", "Beta", T0))
            .await
            .unwrap();
        assert_ne!(second.id, inserted.id);
        assert_eq!(h.db().get_account(second.id).await.unwrap(), second);
    }

    pub async fn accounts_not_found(h: Harness) {
        let missing = 987_654;
        assert!(matches!(
            h.db().get_account(missing).await,
            Err(StoreError::NotFound)
        ));
        let patch = AccountPatch {
            name: Some("x".to_owned()),
            now: T0,
            ..AccountPatch::default()
        };
        assert!(matches!(
            h.db().update_account(missing, &patch).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            h.db().delete_account(missing).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            h.db()
                .write_credentials(missing, 0, &credentials("s", T0))
                .await,
            Err(StoreError::NotFound)
        ));
        let event = NewAccountEvent {
            account_id: missing,
            kind: "imported".to_owned(),
            detail: None,
            now: T0,
        };
        assert!(matches!(
            h.db().append_account_event(&event).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            h.db().find_account_by_identity("nobody").await.unwrap(),
            None
        );
    }

    pub async fn accounts_identity_conflict_and_lookup(h: Harness) {
        let first = h
            .db()
            .insert_account(&new_account("dup", "First", T0))
            .await
            .unwrap();
        let err = h
            .db()
            .insert_account(&new_account("dup", "Second", T0 + 1))
            .await
            .unwrap_err();
        match err {
            StoreError::Conflict(message) => {
                assert_eq!(message, "an account with this identity already exists");
            }
            other => panic!("expected Conflict, got {other:?}"),
        }
        let found = h.db().find_account_by_identity("dup").await.unwrap();
        assert_eq!(found, Some(first));
        assert_eq!(h.db().count_accounts().await.unwrap().total, 1);
    }

    pub async fn accounts_soft_delete_and_reimport(h: Harness) {
        let gone = h
            .db()
            .insert_account(&new_account("same", "Old", T0))
            .await
            .unwrap();
        let kept = h
            .db()
            .insert_account(&new_account("other", "Kept", T0 + 1))
            .await
            .unwrap();
        h.db().delete_account(gone.id).await.unwrap();

        let fetched = h.db().get_account(gone.id).await.unwrap();
        assert!(
            fetched.deleted_at.is_some(),
            "get_account still returns deleted rows"
        );
        assert_eq!(h.db().find_account_by_identity("same").await.unwrap(), None);
        let page = h
            .db()
            .list_accounts(&AccountFilter::default())
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(
            page.items.iter().map(|a| a.id).collect::<Vec<_>>(),
            vec![kept.id]
        );
        let all = h.db().all_accounts().await.unwrap();
        assert_eq!(all.iter().map(|a| a.id).collect::<Vec<_>>(), vec![kept.id]);
        assert_eq!(h.db().count_accounts().await.unwrap().total, 1);

        assert!(matches!(
            h.db().delete_account(gone.id).await,
            Err(StoreError::NotFound)
        ));
        let patch = AccountPatch {
            name: Some("x".to_owned()),
            now: T0,
            ..AccountPatch::default()
        };
        assert!(matches!(
            h.db().update_account(gone.id, &patch).await,
            Err(StoreError::NotFound)
        ));

        let again = h
            .db()
            .insert_account(&new_account("same", "New", T0 + 2))
            .await
            .unwrap();
        assert_ne!(again.id, gone.id);
        assert_eq!(
            h.db().find_account_by_identity("same").await.unwrap(),
            Some(again)
        );
        // A second live row with the same identity is still refused.
        assert!(matches!(
            h.db()
                .insert_account(&new_account("same", "Third", T0 + 3))
                .await,
            Err(StoreError::Conflict(_))
        ));
    }

    pub async fn accounts_list_filters(h: Harness) {
        let mut a = new_account("a", "Alice Work", T0);
        a.email = Some("alice@corp.example".to_owned());
        let a = h.db().insert_account(&a).await.unwrap();
        let mut b = new_account("b", "bob", T0 + 1);
        b.email = Some("BOB@Home.example".to_owned());
        let b = h.db().insert_account(&b).await.unwrap();
        let c = h
            .db()
            .insert_account(&new_account("c", "100%_sure", T0 + 2))
            .await
            .unwrap();
        let d = h
            .db()
            .insert_account(&new_account("d", "Élan", T0 + 3))
            .await
            .unwrap();

        let ids = |filter: AccountFilter| {
            let db = Arc::clone(&h.store);
            async move {
                let page = db.list_accounts(&filter).await.unwrap();
                let ids: Vec<i64> = page.items.iter().map(|a| a.id).collect();
                assert_eq!(page.total, i64::try_from(ids.len()).unwrap());
                ids
            }
        };
        let search = |s: &str| AccountFilter {
            search: Some(s.to_owned()),
            ..AccountFilter::default()
        };

        assert_eq!(
            ids(AccountFilter::default()).await,
            vec![d.id, c.id, b.id, a.id]
        );
        assert_eq!(ids(search("ALICE")).await, vec![a.id]);
        assert_eq!(
            ids(search("home.EX")).await,
            vec![b.id],
            "matches email, any ASCII case"
        );
        assert_eq!(ids(search("example")).await, vec![b.id, a.id]);
        assert_eq!(
            ids(search("%")).await,
            vec![c.id],
            "LIKE wildcards are literal"
        );
        assert_eq!(ids(search("0%_s")).await, vec![c.id]);
        assert_eq!(ids(search("_")).await, vec![c.id]);
        assert_eq!(
            ids(search("élan")).await,
            Vec::<i64>::new(),
            "non-ASCII is not case-folded"
        );
        assert_eq!(ids(search("Élan")).await, vec![d.id]);
        assert_eq!(ids(search("nobody")).await, Vec::<i64>::new());

        let off = AccountPatch {
            enabled: Some(false),
            now: T0 + 10,
            ..AccountPatch::default()
        };
        h.db().update_account(b.id, &off).await.unwrap();
        let reauth = AccountPatch {
            state: Some(CredentialState::ReauthRequired),
            state_reason: Some(Some("invalid_grant".to_owned())),
            now: T0 + 10,
            ..AccountPatch::default()
        };
        h.db().update_account(c.id, &reauth).await.unwrap();
        h.db().update_account(b.id, &reauth).await.unwrap();

        let enabled = |e: bool| AccountFilter {
            enabled: Some(e),
            ..AccountFilter::default()
        };
        assert_eq!(ids(enabled(false)).await, vec![b.id]);
        assert_eq!(ids(enabled(true)).await, vec![d.id, c.id, a.id]);
        let state = |s| AccountFilter {
            state: Some(s),
            ..AccountFilter::default()
        };
        assert_eq!(
            ids(state(CredentialState::ReauthRequired)).await,
            vec![c.id, b.id]
        );
        assert_eq!(ids(state(CredentialState::Active)).await, vec![d.id, a.id]);
        let combined = AccountFilter {
            search: Some("B".to_owned()),
            enabled: Some(false),
            state: Some(CredentialState::ReauthRequired),
            ..AccountFilter::default()
        };
        assert_eq!(ids(combined).await, vec![b.id]);
    }

    pub async fn accounts_list_paging(h: Harness) {
        let mut ids = Vec::new();
        for i in 0..7 {
            // Two rows share each timestamp, so the id tie-break is exercised too.
            let account = new_account(&format!("p{i}"), &format!("P{i}"), T0 + i / 2);
            ids.push(h.db().insert_account(&account).await.unwrap().id);
        }
        let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
        let page = |page, page_size| AccountFilter {
            page,
            page_size,
            ..AccountFilter::default()
        };
        let get = |filter: AccountFilter| {
            let db = Arc::clone(&h.store);
            async move { db.list_accounts(&filter).await.unwrap() }
        };

        let p1 = get(page(1, 3)).await;
        assert_eq!(p1.total, 7);
        assert_eq!(
            p1.items.iter().map(|a| a.id).collect::<Vec<_>>(),
            newest_first[0..3]
        );
        let p2 = get(page(2, 3)).await;
        assert_eq!(
            p2.items.iter().map(|a| a.id).collect::<Vec<_>>(),
            newest_first[3..6]
        );
        let p3 = get(page(3, 3)).await;
        assert_eq!(
            p3.items.iter().map(|a| a.id).collect::<Vec<_>>(),
            newest_first[6..7]
        );
        let p4 = get(page(4, 3)).await;
        assert!(p4.items.is_empty());
        assert_eq!(p4.total, 7, "total is independent of the page");
        assert_eq!(
            get(page(0, 3)).await,
            p1,
            "page below 1 means the first page"
        );
        assert_eq!(
            get(page(1, 0)).await.items.len(),
            7,
            "page_size 0 means the default"
        );
    }

    pub async fn accounts_all_accounts(h: Harness) {
        assert!(h.db().all_accounts().await.unwrap().is_empty());
        let a = h
            .db()
            .insert_account(&new_account("x1", "X1", T0 + 5))
            .await
            .unwrap();
        let b = h
            .db()
            .insert_account(&new_account("x2", "X2", T0))
            .await
            .unwrap();
        let c = h
            .db()
            .insert_account(&new_account("x3", "X3", T0 + 9))
            .await
            .unwrap();
        let off = AccountPatch {
            enabled: Some(false),
            now: T0,
            ..AccountPatch::default()
        };
        let b = h.db().update_account(b.id, &off).await.unwrap();
        h.db().delete_account(c.id).await.unwrap();
        let all = h.db().all_accounts().await.unwrap();
        assert_eq!(
            all,
            vec![a, b],
            "live rows by ascending id, disabled ones included"
        );
    }

    pub async fn accounts_patch_semantics(h: Harness) {
        let mut new = new_account("patch", "Before", T0);
        new.email = Some("e@example.com".to_owned());
        new.proxy_url = Some("http://proxy:3128".to_owned());
        new.note = Some("note".to_owned());
        let before = h.db().insert_account(&new).await.unwrap();

        let noop = h
            .db()
            .update_account(
                before.id,
                &AccountPatch {
                    now: T0 + 1,
                    ..AccountPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            noop,
            Account {
                updated_at: T0 + 1,
                ..before.clone()
            }
        );

        let patch = AccountPatch {
            name: Some("After".to_owned()),
            email: Some(None),
            plan_type: Some(Some("pro".to_owned())),
            enabled: Some(false),
            paused: Some(true),
            proxy_url: Some(None),
            note: None,
            scheduler_priority: Some(-3),
            score_bias_override: None,
            base_concurrency_override: None,
            state: Some(CredentialState::ReauthRequired),
            state_reason: Some(Some("refresh token revoked".to_owned())),
            now: T0 + 2,
        };
        let after = h.db().update_account(before.id, &patch).await.unwrap();
        assert_eq!(after.name, "After");
        assert_eq!(after.email, None, "Some(None) sets NULL");
        assert_eq!(after.plan_type.as_deref(), Some("pro"));
        assert!(!after.enabled);
        assert!(after.paused);
        assert_eq!(after.proxy_url, None);
        assert_eq!(
            after.note.as_deref(),
            Some("note"),
            "None leaves the field alone"
        );
        assert_eq!(after.scheduler_priority, -3);
        assert_eq!(after.state, CredentialState::ReauthRequired);
        assert_eq!(after.state_reason.as_deref(), Some("refresh token revoked"));
        assert_eq!(after.updated_at, T0 + 2);
        assert_eq!(after.created_at, T0);
        assert_eq!(after.credentials_sealed, before.credentials_sealed);
        assert_eq!(after.credential_generation, before.credential_generation);
        assert_eq!(h.db().get_account(before.id).await.unwrap(), after);

        let clear = AccountPatch {
            note: Some(None),
            state_reason: Some(None),
            state: Some(CredentialState::Active),
            now: T0 + 3,
            ..AccountPatch::default()
        };
        let cleared = h.db().update_account(before.id, &clear).await.unwrap();
        assert_eq!((cleared.note, cleared.state_reason), (None, None));
        assert_eq!(cleared.state, CredentialState::Active);
    }

    pub async fn accounts_write_credentials_cas(h: Harness) {
        let mut new = new_account("cas", "Cas", T0);
        new.email = Some("old@example.com".to_owned());
        let account = h.db().insert_account(&new).await.unwrap();
        let broken = AccountPatch {
            state: Some(CredentialState::ReauthRequired),
            state_reason: Some(Some("invalid_grant".to_owned())),
            now: T0 + 1,
            ..AccountPatch::default()
        };
        h.db().update_account(account.id, &broken).await.unwrap();

        let v1 = credentials("sealed:v1", T0 + 10);
        let first = h.db().write_credentials(account.id, 0, &v1).await.unwrap();
        assert!(first.generation_matched);
        let a = &first.account;
        assert_eq!(a.credential_generation, 1);
        assert_eq!(a.credentials_sealed, "sealed:v1");
        assert_eq!(a.access_expires_at, Some(T0 + 10 + 3_600_000));
        assert_eq!(a.last_refreshed_at, Some(T0 + 10));
        assert_eq!(
            a.state,
            CredentialState::Active,
            "a successful write reactivates"
        );
        assert_eq!(a.state_reason, None);
        assert_eq!(a.updated_at, T0 + 10);
        assert_eq!(
            a.email.as_deref(),
            Some("old@example.com"),
            "None keeps the stored email"
        );
        assert_eq!(a.plan_type.as_deref(), Some("plus"));

        // A stale generation: the write still lands (the rotated token must not be lost),
        // but the caller learns its lease was violated.
        let mut update = credentials("sealed:v2", T0 + 20);
        update.email = Some("new@example.com".to_owned());
        update.plan_type = Some("team".to_owned());
        update.access_expires_at = None;
        let stale = h
            .db()
            .write_credentials(account.id, 0, &update)
            .await
            .unwrap();
        assert!(!stale.generation_matched);
        assert_eq!(stale.account.credential_generation, 2);
        assert_eq!(stale.account.credentials_sealed, "sealed:v2");
        assert_eq!(stale.account.access_expires_at, None);
        assert_eq!(stale.account.email.as_deref(), Some("new@example.com"));
        assert_eq!(stale.account.plan_type.as_deref(), Some("team"));
        assert_eq!(h.db().get_account(account.id).await.unwrap(), stale.account);

        let v3 = credentials("sealed:v3", T0 + 30);
        let fresh = h.db().write_credentials(account.id, 2, &v3).await.unwrap();
        assert!(fresh.generation_matched);
        assert_eq!(fresh.account.credential_generation, 3);
        let v4 = credentials("sealed:v4", T0 + 40);
        let ahead = h.db().write_credentials(account.id, 99, &v4).await.unwrap();
        assert!(!ahead.generation_matched);
        assert_eq!(ahead.account.credential_generation, 4);
    }

    pub async fn accounts_write_credentials_deleted_row(h: Harness) {
        let account = h
            .db()
            .insert_account(&new_account("del", "Del", T0))
            .await
            .unwrap();
        h.db().delete_account(account.id).await.unwrap();
        let late = credentials("sealed:late", T0 + 5);
        let write = h
            .db()
            .write_credentials(account.id, 0, &late)
            .await
            .unwrap();
        assert!(write.generation_matched);
        assert_eq!(write.account.credentials_sealed, "sealed:late");
        assert!(write.account.deleted_at.is_some(), "the row stays deleted");
        assert_eq!(h.db().find_account_by_identity("del").await.unwrap(), None);
    }

    pub async fn accounts_write_credentials_concurrent(h: Harness) {
        let account = h
            .db()
            .insert_account(&new_account("race", "Race", T0))
            .await
            .unwrap();
        let writers = (0..10).map(|i| {
            let db = Arc::clone(&h.store);
            async move {
                let update = credentials(&format!("sealed:w{i}"), T0 + i);
                db.write_credentials(account.id, 0, &update).await.unwrap()
            }
        });
        let writes = futures_util::future::join_all(writers).await;
        // Every write lands, each sees a distinct prior generation, and only the first of
        // them still found the generation its lease was taken at.
        assert_eq!(writes.iter().filter(|w| w.generation_matched).count(), 1);
        let mut generations: Vec<i64> = writes
            .iter()
            .map(|w| w.account.credential_generation)
            .collect();
        generations.sort_unstable();
        assert_eq!(generations, (1..=10).collect::<Vec<i64>>());
        let last = writes
            .iter()
            .max_by_key(|w| w.account.credential_generation)
            .unwrap();
        let stored = h.db().get_account(account.id).await.unwrap();
        assert_eq!(stored.credential_generation, 10);
        assert_eq!(stored.credentials_sealed, last.account.credentials_sealed);
    }

    pub async fn accounts_counts(h: Harness) {
        let zero = h.db().count_accounts().await.unwrap();
        assert_eq!((zero.total, zero.enabled, zero.reauth_required), (0, 0, 0));
        let mut ids = Vec::new();
        for i in 0..5 {
            let account = new_account(&format!("n{i}"), "N", T0);
            ids.push(h.db().insert_account(&account).await.unwrap().id);
        }
        let off = AccountPatch {
            enabled: Some(false),
            now: T0,
            ..AccountPatch::default()
        };
        h.db().update_account(ids[0], &off).await.unwrap();
        let reauth = AccountPatch {
            state: Some(CredentialState::ReauthRequired),
            now: T0,
            ..AccountPatch::default()
        };
        h.db().update_account(ids[0], &reauth).await.unwrap();
        h.db().update_account(ids[1], &reauth).await.unwrap();
        h.db().update_account(ids[4], &reauth).await.unwrap();
        h.db().delete_account(ids[4]).await.unwrap();
        let counts = h.db().count_accounts().await.unwrap();
        assert_eq!(
            (counts.total, counts.enabled, counts.reauth_required),
            (4, 3, 2)
        );
    }

    pub async fn account_events_order_and_limit(h: Harness) {
        let a = h
            .db()
            .insert_account(&new_account("ev-a", "A", T0))
            .await
            .unwrap();
        let b = h
            .db()
            .insert_account(&new_account("ev-b", "B", T0))
            .await
            .unwrap();
        let event = |account_id, kind: &str, now| NewAccountEvent {
            account_id,
            kind: kind.to_owned(),
            detail: Some(format!("{kind} detail")),
            now,
        };
        h.db()
            .append_account_event(&event(a.id, "imported", T0))
            .await
            .unwrap();
        h.db()
            .append_account_event(&event(a.id, "refreshed", T0 + 10))
            .await
            .unwrap();
        h.db()
            .append_account_event(&event(b.id, "imported", T0 + 5))
            .await
            .unwrap();
        // Same timestamp as the previous event of `a`: insertion order breaks the tie.
        h.db()
            .append_account_event(&event(a.id, "refresh_failed", T0 + 10))
            .await
            .unwrap();
        let mut no_detail = event(a.id, "reauth_required", T0 + 20);
        no_detail.detail = None;
        h.db().append_account_event(&no_detail).await.unwrap();

        let all = h.db().account_events(a.id, 100).await.unwrap();
        let kinds: Vec<&str> = all.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec!["reauth_required", "refresh_failed", "refreshed", "imported"]
        );
        assert!(all.iter().all(|e| e.account_id == a.id));
        assert_eq!(all[0].detail, None);
        assert_eq!(all[1].detail.as_deref(), Some("refresh_failed detail"));
        assert_eq!(all[1].created_at, T0 + 10);

        let two = h.db().account_events(a.id, 2).await.unwrap();
        assert_eq!(two, all[..2].to_vec());
        assert!(h.db().account_events(a.id, 0).await.unwrap().is_empty());
        assert!(h.db().account_events(a.id, -1).await.unwrap().is_empty());
        assert_eq!(h.db().account_events(b.id, 10).await.unwrap().len(), 1);
        assert!(h.db().account_events(987_654, 10).await.unwrap().is_empty());
    }

    pub async fn api_keys_crud(h: Harness) {
        assert_eq!(h.db().count_api_keys().await.unwrap(), 0);
        let first = h.db().insert_api_key(&new_key("hash-1", T0)).await.unwrap();
        assert!(first.id > 0);
        assert_eq!(first.name, "key hash-1");
        assert_eq!(first.key_hash, "hash-1");
        assert_eq!(first.key_preview, "sk-ab12…9f3e");
        assert!(first.enabled);
        assert_eq!(
            (first.rpm, first.max_concurrency, first.token_quota),
            (60, 4, 1_000_000)
        );
        assert_eq!(first.tokens_used, 0);
        assert_eq!(first.allowed_models, vec!["gpt-5", "gpt-5-codex"]);
        assert_eq!(first.expires_at, Some(T0 + 86_400_000));
        assert_eq!(first.last_used_at, None);
        assert_eq!((first.created_at, first.updated_at), (T0, T0));
        assert_eq!(h.db().get_api_key(first.id).await.unwrap(), first);

        let mut open = new_key("hash-2", T0 + 1);
        open.allowed_models = Vec::new();
        open.expires_at = None;
        let second = h.db().insert_api_key(&open).await.unwrap();
        assert!(second.allowed_models.is_empty());
        assert_eq!(
            h.db().list_api_keys().await.unwrap(),
            vec![second.clone(), first.clone()]
        );
        assert_eq!(h.db().count_api_keys().await.unwrap(), 2);

        let patch = ApiKeyPatch {
            name: Some("renamed".to_owned()),
            enabled: Some(false),
            rpm: Some(0),
            max_concurrency: Some(1),
            token_quota: Some(5),
            allowed_models: Some(vec!["o3".to_owned()]),
            expires_at: Some(None),
            now: T0 + 50,
        };
        let patched = h.db().update_api_key(first.id, &patch).await.unwrap();
        assert_eq!(patched.name, "renamed");
        assert!(!patched.enabled);
        assert_eq!(
            (patched.rpm, patched.max_concurrency, patched.token_quota),
            (0, 1, 5)
        );
        assert_eq!(patched.allowed_models, vec!["o3"]);
        assert_eq!(patched.expires_at, None, "Some(None) clears the expiry");
        assert_eq!((patched.created_at, patched.updated_at), (T0, T0 + 50));
        assert_eq!(patched.key_hash, "hash-1");
        let untouched = h
            .db()
            .update_api_key(
                first.id,
                &ApiKeyPatch {
                    now: T0 + 60,
                    ..ApiKeyPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            untouched,
            ApiKey {
                updated_at: T0 + 60,
                ..patched
            }
        );

        h.db().delete_api_key(first.id).await.unwrap();
        assert!(matches!(
            h.db().get_api_key(first.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            h.db().delete_api_key(first.id).await,
            Err(StoreError::NotFound)
        ));
        let missing = h
            .db()
            .update_api_key(first.id, &ApiKeyPatch::default())
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)));
        assert_eq!(h.db().list_api_keys().await.unwrap(), vec![second]);
        assert_eq!(h.db().count_api_keys().await.unwrap(), 1);
    }

    pub async fn api_keys_hash_lookup_and_conflict(h: Harness) {
        let key = h.db().insert_api_key(&new_key("lookup", T0)).await.unwrap();
        assert_eq!(
            h.db().find_api_key_by_hash("lookup").await.unwrap(),
            Some(key)
        );
        assert_eq!(
            h.db().find_api_key_by_hash("LOOKUP").await.unwrap(),
            None,
            "exact match"
        );
        assert_eq!(h.db().find_api_key_by_hash("nope").await.unwrap(), None);
        match h.db().insert_api_key(&new_key("lookup", T0 + 1)).await {
            Err(StoreError::Conflict(message)) => {
                assert_eq!(message, "an API key with this hash already exists");
            }
            other => panic!("expected Conflict, got {other:?}"),
        }
        assert_eq!(h.db().count_api_keys().await.unwrap(), 1);
    }

    pub async fn api_keys_record_use(h: Harness) {
        let key = h.db().insert_api_key(&new_key("use", T0)).await.unwrap();
        h.db()
            .record_api_key_use(key.id, 100, T0 + 10)
            .await
            .unwrap();
        h.db()
            .record_api_key_use(key.id, 50, T0 + 30)
            .await
            .unwrap();
        // A batch flushed late must not move last_used_at backwards.
        h.db().record_api_key_use(key.id, 7, T0 + 20).await.unwrap();
        let used = h.db().get_api_key(key.id).await.unwrap();
        assert_eq!(used.tokens_used, 157);
        assert_eq!(used.last_used_at, Some(T0 + 30));
        assert_eq!(used.updated_at, T0, "use is not a configuration change");
        assert!(matches!(
            h.db().record_api_key_use(987_654, 1, T0).await,
            Err(StoreError::NotFound)
        ));
    }

    pub async fn settings_get_put_overwrite(h: Harness) {
        assert_eq!(h.db().get_setting("max_retries").await.unwrap(), None);
        h.db().put_setting("max_retries", "3").await.unwrap();
        assert_eq!(
            h.db().get_setting("max_retries").await.unwrap().as_deref(),
            Some("3")
        );
        h.db().put_setting("max_retries", "5").await.unwrap();
        assert_eq!(
            h.db().get_setting("max_retries").await.unwrap().as_deref(),
            Some("5")
        );
        h.db().put_setting("empty", "").await.unwrap();
        assert_eq!(
            h.db().get_setting("empty").await.unwrap().as_deref(),
            Some("")
        );
        let json = r#"{"a":[1,2],"b":"ü"}"#;
        h.db().put_setting("json", json).await.unwrap();
        assert_eq!(
            h.db().get_setting("json").await.unwrap().as_deref(),
            Some(json)
        );
    }

    pub async fn settings_put_if_absent(h: Harness) {
        assert!(h
            .db()
            .put_setting_if_absent("fingerprint", "abc")
            .await
            .unwrap());
        assert!(!h
            .db()
            .put_setting_if_absent("fingerprint", "xyz")
            .await
            .unwrap());
        assert_eq!(
            h.db().get_setting("fingerprint").await.unwrap().as_deref(),
            Some("abc")
        );
        h.db().put_setting("fingerprint", "def").await.unwrap();
        assert!(!h
            .db()
            .put_setting_if_absent("fingerprint", "ghi")
            .await
            .unwrap());
        assert_eq!(
            h.db().get_setting("fingerprint").await.unwrap().as_deref(),
            Some("def")
        );
    }

    pub async fn settings_all_ordered(h: Harness) {
        assert!(h.db().all_settings().await.unwrap().is_empty());
        for key in ["b", "a.b", "_x", "B", "a", "a_b", "Z"] {
            h.db().put_setting(key, &format!("v-{key}")).await.unwrap();
        }
        h.db().put_setting("a", "v-a2").await.unwrap();
        let all = h.db().all_settings().await.unwrap();
        let keys: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            vec!["B", "Z", "_x", "a", "a.b", "a_b", "b"],
            "bytewise order"
        );
        assert_eq!(all[3], ("a".to_owned(), "v-a2".to_owned()));
    }

    pub async fn usage_batch_roundtrip(h: Harness) {
        h.db().insert_usage_batch(&[]).await.unwrap();
        let full = NewUsageLog {
            created_at: T0,
            request_id: "req-full".to_owned(),
            api_key_id: Some(7),
            account_id: Some(11),
            endpoint: "/v1/messages".to_owned(),
            upstream_endpoint: Some("/responses".to_owned()),
            requested_model: Some("claude-sonnet".to_owned()),
            effective_model: Some("gpt-5".to_owned()),
            stream: true,
            status_code: 200,
            error_kind: Some("none".to_owned()),
            input_tokens: 1_000,
            cached_tokens: 200,
            output_tokens: 300,
            reasoning_tokens: 40,
            first_token_ms: Some(350),
            duration_ms: 2_500,
            attempts: 2,
            trace: Some(r#"[{"account":11,"outcome":"ok"}]"#.to_owned()),
            user_agent: Some("claude-cli/1.0".to_owned()),
        };
        let bare = usage(T0 + 1, "req-bare");
        h.db()
            .insert_usage_batch(&[full.clone(), bare.clone()])
            .await
            .unwrap();
        let page = h.db().list_usage(&UsageFilter::default()).await.unwrap();
        assert_eq!(page.total, 2);
        let rows: Vec<NewUsageLog> = page.items.iter().map(|u| u.row.clone()).collect();
        assert_eq!(
            rows,
            vec![bare, full],
            "every field round-trips, newest first"
        );
        assert!(page.items[0].id != page.items[1].id);

        // More rows than one INSERT statement carries.
        let many: Vec<NewUsageLog> = (0..1_234)
            .map(|i| usage(T0 + 1_000 + i, &format!("bulk-{i}")))
            .collect();
        h.db().insert_usage_batch(&many).await.unwrap();
        let page = h.db().list_usage(&UsageFilter::default()).await.unwrap();
        assert_eq!(page.total, 1_236);
        assert_eq!(page.items[0].row.request_id, "bulk-1233");
    }

    pub async fn usage_filters(h: Harness) {
        let row = |at, id: &str, f: &dyn Fn(&mut NewUsageLog)| {
            let mut r = usage(at, id);
            f(&mut r);
            r
        };
        let batch = vec![
            row(T0, "r0", &|r| {
                r.account_id = Some(1);
                r.api_key_id = Some(10);
                r.requested_model = Some("gpt-5".to_owned());
                r.effective_model = Some("gpt-5".to_owned());
            }),
            row(T0 + 10, "r1", &|r| {
                r.account_id = Some(2);
                r.api_key_id = Some(10);
                r.requested_model = Some("claude".to_owned());
                r.effective_model = Some("gpt-5".to_owned());
                r.stream = true;
            }),
            row(T0 + 20, "r2", &|r| {
                r.account_id = Some(1);
                r.api_key_id = Some(20);
                r.requested_model = Some("o3".to_owned());
                r.effective_model = Some("o3".to_owned());
                r.status_code = 429;
                r.error_kind = Some("rate_limited".to_owned());
            }),
            row(T0 + 30, "r3", &|r| {
                r.status_code = 502;
                r.stream = true;
            }),
            row(T0 + 40, "r4", &|r| r.status_code = 399),
            row(T0 + 50, "r5", &|r| r.status_code = 400),
        ];
        h.db().insert_usage_batch(&batch).await.unwrap();

        let ids = |filter: UsageFilter| {
            let db = Arc::clone(&h.store);
            async move {
                let page = db.list_usage(&filter).await.unwrap();
                let ids: Vec<String> = page
                    .items
                    .iter()
                    .map(|u| u.row.request_id.clone())
                    .collect();
                assert_eq!(page.total, i64::try_from(ids.len()).unwrap());
                ids
            }
        };
        let f = UsageFilter::default;
        assert_eq!(ids(f()).await, ["r5", "r4", "r3", "r2", "r1", "r0"]);
        assert_eq!(
            ids(UsageFilter {
                start: Some(T0 + 20),
                ..f()
            })
            .await,
            ["r5", "r4", "r3", "r2"]
        );
        assert_eq!(
            ids(UsageFilter {
                end: Some(T0 + 20),
                ..f()
            })
            .await,
            ["r1", "r0"]
        );
        let window = UsageFilter {
            start: Some(T0 + 10),
            end: Some(T0 + 30),
            ..f()
        };
        assert_eq!(
            ids(window).await,
            ["r2", "r1"],
            "start inclusive, end exclusive"
        );
        let model = |m: &str| UsageFilter {
            model: Some(m.to_owned()),
            ..f()
        };
        assert_eq!(
            ids(model("gpt-5")).await,
            ["r1", "r0"],
            "requested or effective model"
        );
        assert_eq!(ids(model("claude")).await, ["r1"]);
        assert!(ids(model("GPT-5")).await.is_empty());
        assert_eq!(
            ids(UsageFilter {
                account_id: Some(1),
                ..f()
            })
            .await,
            ["r2", "r0"]
        );
        assert_eq!(
            ids(UsageFilter {
                api_key_id: Some(10),
                ..f()
            })
            .await,
            ["r1", "r0"]
        );
        assert_eq!(
            ids(UsageFilter {
                success: Some(true),
                ..f()
            })
            .await,
            ["r4", "r1", "r0"]
        );
        assert_eq!(
            ids(UsageFilter {
                success: Some(false),
                ..f()
            })
            .await,
            ["r5", "r3", "r2"]
        );
        assert_eq!(
            ids(UsageFilter {
                stream: Some(true),
                ..f()
            })
            .await,
            ["r3", "r1"]
        );
        assert_eq!(
            ids(UsageFilter {
                stream: Some(false),
                ..f()
            })
            .await
            .len(),
            4
        );
        let combined = UsageFilter {
            account_id: Some(1),
            success: Some(false),
            model: Some("o3".to_owned()),
            start: Some(T0),
            ..f()
        };
        assert_eq!(ids(combined).await, ["r2"]);
    }

    pub async fn usage_paging(h: Harness) {
        // Pairs of rows share a timestamp, so the id tie-break decides their order.
        let batch: Vec<NewUsageLog> = (0..9)
            .map(|i| usage(T0 + i / 2, &format!("u{i}")))
            .collect();
        h.db().insert_usage_batch(&batch).await.unwrap();
        let page = |page, page_size| {
            let db = Arc::clone(&h.store);
            async move {
                let filter = UsageFilter {
                    page,
                    page_size,
                    ..UsageFilter::default()
                };
                let found = db.list_usage(&filter).await.unwrap();
                let ids: Vec<String> = found
                    .items
                    .iter()
                    .map(|u| u.row.request_id.clone())
                    .collect();
                (ids, found.total)
            }
        };
        assert_eq!(
            page(1, 4).await,
            (vec!["u8".into(), "u7".into(), "u6".into(), "u5".into()], 9)
        );
        assert_eq!(
            page(2, 4).await,
            (vec!["u4".into(), "u3".into(), "u2".into(), "u1".into()], 9)
        );
        assert_eq!(page(3, 4).await, (vec!["u0".to_owned()], 9));
        assert_eq!(page(4, 4).await, (Vec::new(), 9));
        assert_eq!(page(-1, 4).await, page(1, 4).await);
        assert_eq!(page(1, 0).await.0.len(), 9);
    }

    pub async fn usage_delete_before_boundary(h: Harness) {
        assert_eq!(h.db().delete_usage_before(T0).await.unwrap(), 0);
        let batch = vec![
            usage(T0 - 1, "before"),
            usage(T0, "at"),
            usage(T0 + 1, "after"),
            usage(T0 - 5_000, "old"),
        ];
        h.db().insert_usage_batch(&batch).await.unwrap();
        assert_eq!(
            h.db().delete_usage_before(T0).await.unwrap(),
            2,
            "strictly before"
        );
        let left = h.db().list_usage(&UsageFilter::default()).await.unwrap();
        let ids: Vec<&str> = left
            .items
            .iter()
            .map(|u| u.row.request_id.as_str())
            .collect();
        assert_eq!(ids, ["after", "at"]);
        assert_eq!(h.db().delete_usage_before(T0).await.unwrap(), 0);

        // A purge bigger than one delete chunk removes everything it should.
        let many: Vec<NewUsageLog> = (0..12_345)
            .map(|i| usage(T0 - 100_000 + i, &format!("bulk-{i}")))
            .collect();
        h.db().insert_usage_batch(&many).await.unwrap();
        assert_eq!(h.db().delete_usage_before(T0 + 1).await.unwrap(), 12_346);
        assert_eq!(
            h.db()
                .list_usage(&UsageFilter::default())
                .await
                .unwrap()
                .total,
            1
        );
    }

    pub async fn store_ping_and_driver(h: Harness) {
        h.db().ping().await.unwrap();
        assert_eq!(h.db().driver(), h.config.driver());
    }

    pub async fn migrations_idempotent(h: Harness) {
        let account = h
            .db()
            .insert_account(&new_account("keep", "Keep", T0))
            .await
            .unwrap();
        h.db().put_setting("k", "v").await.unwrap();
        for _ in 0..2 {
            let reopened = store::open(&h.config)
                .await
                .expect("reopen runs migrations again");
            assert_eq!(reopened.get_account(account.id).await.unwrap(), account);
            assert_eq!(
                reopened.get_setting("k").await.unwrap().as_deref(),
                Some("v")
            );
            reopened.close().await;
        }
        h.db().ping().await.unwrap();
    }
}
