//! Keyring store tests. The ones touching a real keyring need `scripts/desktop-test.sh`, which
//! runs them under `dbus-run-session` with an unlocked gnome-keyring (desktop-build.md §7)
//! and sets `SWITCHYARD_KEYRING_TESTS=1`; elsewhere they say loudly that they skipped.

use std::sync::Mutex;

use super::*;

/// keyring's default builder is process-global, so these tests take turns.
static KEYRING: Mutex<()> = Mutex::new(());

fn real_keyring() -> bool {
    if std::env::var("SWITCHYARD_KEYRING_TESTS").as_deref() == Ok("1") {
        return true;
    }
    eprintln!(
        "SKIPPED: real keyring test (run scripts/desktop-test.sh, which provides an unlocked \
         Secret Service)"
    );
    false
}

#[test]
fn the_mock_store_is_refused_loudly() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    let err = round_trip("mock").unwrap_err();
    assert!(matches!(err, KeyringUnavailable::MockStore), "{err}");
    assert!(err.to_string().contains("keeps nothing"));
}

#[test]
fn an_unreachable_secret_service_is_reported_not_ignored() {
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        eprintln!("SKIPPED: a session bus exists here; this test needs none");
        return;
    }
    // No session bus at all: Secret Service fails fast and the probe must say so.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/switchyard-test",
    );
    let result = probe(Backend::PlatformDefault);
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    let err = result.unwrap_err();
    assert!(matches!(err, KeyringUnavailable::Failed { .. }), "{err}");
}

#[test]
fn secrets_round_trip_through_the_real_keyring() {
    if !real_keyring() {
        return;
    }
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    probe(Backend::from_env()).expect("the harness provides a usable keyring");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(round_trip_entries());
}

async fn round_trip_entries() {
    let store = KeyringSecretStore;
    let name = format!("test-acct-{}", random_token());
    let secret = SecretString::new("refresh-token-value");
    let sealed = store.seal(&name, &secret).await.unwrap();
    assert!(
        !sealed.contains("refresh-token-value"),
        "rows hold a reference only"
    );
    assert_eq!(store.open(&name, &sealed).await.unwrap(), secret);
    // A reference copied into another row does not open there.
    let other = format!("{name}-other");
    assert!(matches!(
        store.open(&other, &sealed).await,
        Err(SecretError::Malformed)
    ));
    // Entries are visible to other processes under the service name `switchyard`.
    let raw = keyring::Entry::new(SERVICE, &name)
        .unwrap()
        .get_password()
        .unwrap();
    assert_eq!(raw, "refresh-token-value");
    store.remove(&name).await.unwrap();
    assert!(matches!(
        store.open(&name, &sealed).await,
        Err(SecretError::NotFound)
    ));
    store.remove(&name).await.unwrap();
}

#[test]
fn the_admin_token_is_generated_once_and_kept() {
    if !real_keyring() {
        return;
    }
    let _turn = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    probe(Backend::from_env()).expect("the harness provides a usable keyring");
    let first = admin_token().unwrap();
    let second = admin_token().unwrap();
    assert_eq!(first, second);
    assert!(first.expose().len() >= 40);
}
