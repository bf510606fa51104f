//! Unit tests for the AES-256-GCM store: round trip, name binding, tampering, wrong key and
//! malformed input.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::*;

fn store(byte: u8) -> EncryptedSecretStore {
    EncryptedSecretStore::new(&SecretKey::from_bytes([byte; 32]))
}

fn secret(value: &str) -> SecretString {
    SecretString::new(value)
}

#[tokio::test]
async fn seal_then_open_round_trips() {
    let store = store(7);
    for value in ["", "rt_abc", "ünïcødé 🔑", &"x".repeat(10_000)] {
        let sealed = store
            .seal("account:1:refresh", &secret(value))
            .await
            .unwrap();
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains(value) || value.is_empty());
        let opened = store.open("account:1:refresh", &sealed).await.unwrap();
        assert_eq!(opened.expose(), value);
    }
}

#[tokio::test]
async fn every_seal_uses_a_fresh_nonce() {
    let store = store(7);
    let a = store.seal("n", &secret("same")).await.unwrap();
    let b = store.seal("n", &secret("same")).await.unwrap();
    assert_ne!(a, b);
}

#[tokio::test]
async fn a_sealed_value_does_not_open_under_another_name() {
    let store = store(7);
    let sealed = store
        .seal("account:1:refresh", &secret("rt"))
        .await
        .unwrap();
    assert!(matches!(
        store.open("account:2:refresh", &sealed).await,
        Err(SecretError::Undecryptable)
    ));
}

#[tokio::test]
async fn tampering_is_detected() {
    let store = store(7);
    let sealed = store.seal("n", &secret("refresh-token")).await.unwrap();
    let raw = STANDARD
        .decode(sealed.strip_prefix("v1:").unwrap())
        .unwrap();
    // Flip one bit in the nonce, the ciphertext and the tag in turn.
    for index in [0, NONCE_LEN, raw.len() - 1] {
        let mut bad = raw.clone();
        bad[index] ^= 0x01;
        let bad = format!("v1:{}", STANDARD.encode(&bad));
        assert!(
            matches!(store.open("n", &bad).await, Err(SecretError::Undecryptable)),
            "{index}"
        );
    }
}

#[tokio::test]
async fn another_key_cannot_open() {
    let sealed = store(7).seal("n", &secret("rt")).await.unwrap();
    assert!(matches!(
        store(8).open("n", &sealed).await,
        Err(SecretError::Undecryptable)
    ));
}

#[tokio::test]
async fn malformed_input_is_reported_as_such() {
    let store = store(7);
    let short = format!("v1:{}", STANDARD.encode([0u8; NONCE_LEN + TAG_LEN - 1]));
    for bad in [
        "",
        "rt_plaintext",
        "v2:AAAA",
        "v1:not base64!",
        "v1:",
        short.as_str(),
    ] {
        assert!(
            matches!(store.open("n", bad).await, Err(SecretError::Malformed)),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn debug_shows_the_fingerprint_only() {
    let store = store(7);
    let shown = format!("{store:?}");
    assert!(shown.contains(store.fingerprint()));
    assert_eq!(store.fingerprint().len(), 16);
    assert_eq!(store.kind(), "encrypted");
    store.remove("n").await.unwrap();
}
