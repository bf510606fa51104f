//! The `previous_response_id` store: namespacing, expansion, TTL and byte/entry budgets.

use super::*;
use crate::service::relay::AffinitySource;

fn affinity(key: &str) -> AffinityKey {
    AffinityKey {
        key: key.to_owned(),
        source: AffinitySource::ContentHash,
    }
}

fn user(text: &str) -> ResponseItem {
    ResponseItem::Message(MessageItem::new(
        "user",
        vec![ContentPart::input_text(text)],
    ))
}

fn request(extra: Value, input: ResponsesInput) -> ResponsesRequest {
    let mut req: ResponsesRequest = serde_json::from_value(extra).unwrap();
    req.input = input;
    req
}

#[test]
fn expand_prepends_history_and_turns_a_string_into_a_user_message() {
    let h = ResponseHistory::new();
    h.insert(Some(1), "resp_a", vec![user("one")], affinity("k1"));
    let mut req = request(
        serde_json::json!({"previous_response_id": "resp_a"}),
        ResponsesInput::Text("two".into()),
    );
    let affinity = expand(&h, Some(1), &mut req).unwrap().unwrap();
    assert_eq!(affinity.key, "k1");
    assert!(!req.extra.contains_key("previous_response_id"));
    let ResponsesInput::Items(items) = &req.input else {
        panic!("items expected")
    };
    assert_eq!(items, &vec![user("one"), user("two")]);
}

#[test]
fn ids_are_per_tenant_and_missing_ones_are_not_found() {
    let h = ResponseHistory::new();
    h.insert(Some(1), "resp_a", vec![user("x")], affinity("k"));
    assert!(h.get(Some(2), "resp_a").is_none());
    assert!(h.get(None, "resp_a").is_none());
    let mut req = request(
        serde_json::json!({"previous_response_id": "resp_a"}),
        ResponsesInput::default(),
    );
    let err = expand(&h, Some(2), &mut req).unwrap_err();
    assert_eq!(err.code(), Some("previous_response_not_found"));
    let mut req = request(
        serde_json::json!({"previous_response_id": 7}),
        ResponsesInput::default(),
    );
    assert!(expand(&h, Some(1), &mut req).is_err());
    let mut req = request(
        serde_json::json!({"previous_response_id": null}),
        ResponsesInput::default(),
    );
    assert!(expand(&h, Some(1), &mut req).unwrap().is_none());
}

#[test]
fn entries_expire() {
    let h = ResponseHistory::with_budgets(Budgets {
        ttl: Duration::ZERO,
        ..Budgets::default()
    });
    h.insert(Some(1), "resp_a", vec![user("x")], affinity("k"));
    assert!(h.get(Some(1), "resp_a").is_none());
    assert_eq!(h.size().0, 0);
}

#[test]
fn budgets_evict_the_oldest_and_skip_oversize_entries() {
    let one = serde_json::to_vec(&vec![user("0123456789")]).unwrap().len();
    let h = ResponseHistory::with_budgets(Budgets {
        ttl: ENTRY_TTL,
        max_entry_bytes: one,
        max_total_bytes: one * 3,
        max_entries: 2,
    });
    for id in ["a", "b", "c"] {
        h.insert(Some(1), id, vec![user("0123456789")], affinity(id));
    }
    assert!(
        h.get(Some(1), "a").is_none(),
        "entry budget evicts the oldest"
    );
    assert!(h.get(Some(1), "b").is_some() && h.get(Some(1), "c").is_some());
    assert_eq!(h.size(), (2, one * 2));
    h.insert(
        Some(1),
        "big",
        vec![user("0123456789 and more")],
        affinity("big"),
    );
    assert!(h.get(Some(1), "big").is_none(), "over the per-entry budget");
    // Re-inserting an id replaces it without double counting.
    h.insert(Some(1), "c", vec![user("0123456789")], affinity("c2"));
    assert_eq!(h.size(), (2, one * 2));
    assert_eq!(h.get(Some(1), "c").unwrap().affinity.key, "c2");
    h.insert(Some(1), "d", vec![user("0123456789")], affinity("d"));
    assert!(h.get(Some(1), "b").is_none());
    assert!(h.get(Some(1), "c").is_some() && h.get(Some(1), "d").is_some());
}

#[test]
fn the_order_queue_holds_only_live_entries_at_its_front() {
    let h = ResponseHistory::with_budgets(Budgets {
        max_entries: 10,
        ..Budgets::default()
    });
    for i in 0..1_000 {
        h.insert(
            Some(1),
            &format!("resp_{i}"),
            vec![user("x")],
            affinity("k"),
        );
    }
    for _ in 0..100 {
        h.insert(Some(1), "resp_999", vec![user("again")], affinity("k2"));
    }
    let inner = h.inner.lock().unwrap();
    assert_eq!(inner.map.len(), 10);
    assert!(inner.order.len() <= 110, "{}", inner.order.len());
    let front = inner.order.front().unwrap();
    assert_eq!(
        inner.map[&front.0].generation, front.1,
        "the front slot is live"
    );
    let kept: usize = inner.map.values().map(|e| e.json.len()).sum();
    assert_eq!(inner.total_bytes, kept, "the budget counts the JSON held");
    drop(inner);
    let again = h.get(Some(1), "resp_999").unwrap();
    assert_eq!(
        (again.items, again.affinity.key.as_str()),
        (vec![user("again")], "k2")
    );
}
