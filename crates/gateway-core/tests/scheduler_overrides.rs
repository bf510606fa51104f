//! The admin's per-account overrides of the scheduler (scheduling.md §1, §3, §4): a score bias
//! that replaces the plan weight and a base concurrency that replaces the global one, set and
//! cleared through `PATCH /api/admin/accounts/{id}` and seen on the scheduler board.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;
#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod scheduler_support;

use scheduler_support::{Env, SECRET};
use serde_json::{json, Value};

async fn patch(env: &Env, id: i64, body: Value) -> (u16, Value) {
    let r = env
        .http
        .patch(format!("{}/api/admin/accounts/{id}", env.gw.base_url))
        .bearer_auth(SECRET)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn board_row(board: &Value, id: i64) -> &Value {
    board["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account_id"] == id)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overrides_are_set_seen_by_the_scheduler_and_cleared() {
    let env = Env::start(2, &[("max_concurrency", "6")]).await;
    let id = env.gw.state.pool().snapshot_accounts()[0].id;

    let (status, body) = patch(
        &env,
        id,
        json!({"score_bias_override": 150, "base_concurrency_override": 1}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["score_bias_override"], 150);
    assert_eq!(body["account"]["base_concurrency_override"], 1);
    let board = env.board().await;
    let row = board_row(&board, id);
    assert_eq!(row["concurrency_limit"], 1, "{row}");
    assert_eq!(row["dispatch"]["plan_weight"], 150.0, "{row}");

    // A patch without the fields keeps them; `null` clears each.
    let (status, body) = patch(&env, id, json!({"note": "kept"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["base_concurrency_override"], 1);
    let (status, body) = patch(
        &env,
        id,
        json!({"score_bias_override": null, "base_concurrency_override": null}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["score_bias_override"], Value::Null);
    let board = env.board().await;
    let row = board_row(&board, id);
    assert_eq!(
        row["concurrency_limit"], 6,
        "back to the global base: {row}"
    );
    assert_eq!(
        row["dispatch"]["plan_weight"], 50.0,
        "back to the plus plan's weight"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_overrides_are_refused_with_the_admin_error_shape() {
    let env = Env::start(1, &[]).await;
    let id = env.gw.state.pool().snapshot_accounts()[0].id;
    for (body, want) in [
        (json!({"score_bias_override": 201}), 400),
        (json!({"base_concurrency_override": -1}), 400),
        // A body of the wrong type is refused like every other malformed admin body.
        (json!({"base_concurrency_override": "two"}), 422),
    ] {
        let (status, answer) = patch(&env, id, body.clone()).await;
        assert_eq!(status, want, "{body} → {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{answer}"
        );
    }
    let stored = env.gw.state.pool().snapshot_accounts()[0].clone();
    assert_eq!(
        (stored.score_bias_override, stored.base_concurrency_override),
        (None, None),
        "nothing was written"
    );
}
