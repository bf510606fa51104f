//! Batch actions over many accounts with live progress: every step reports a `start`,
//! per-account `progress` and a final `complete` event (codex2api's `batchOperationEvent`).

use serde::Serialize;
use tokio::sync::mpsc;

use std::sync::Arc;

use super::{AccountError, AccountUpdate};
use crate::service::public_api::PublicApi;
use crate::state::AppState;

#[derive(Clone)]
pub enum BatchAction {
    Refresh,
    Delete,
    Update(AccountUpdate),
    /// The account test on each account, with the test model unless one is given.
    Test {
        api: Arc<PublicApi>,
        model: Option<String>,
    },
}

impl BatchAction {
    fn name(&self) -> &'static str {
        match self {
            BatchAction::Refresh => "refresh",
            BatchAction::Delete => "delete",
            BatchAction::Update(_) => "update",
            BatchAction::Test { .. } => "test",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct BatchEvent {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub action: &'static str,
    pub current: usize,
    pub total: usize,
    pub success: usize,
    pub failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub account_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub account_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub error: Option<String>,
}

/// Runs the action on each id in order, sending events as it goes. A closed receiver (the
/// client went away) does not stop the batch: half-applied batches are worse than unseen
/// progress.
pub async fn run(
    state: &AppState,
    action: BatchAction,
    ids: Vec<i64>,
    events: mpsc::Sender<BatchEvent>,
) -> BatchEvent {
    let total = ids.len();
    let mut last = BatchEvent {
        kind: "start",
        action: action.name(),
        current: 0,
        total,
        success: 0,
        failed: 0,
        account_id: None,
        account_name: None,
        error: None,
    };
    let _ = events.send(last.clone()).await;
    for (i, id) in ids.into_iter().enumerate() {
        let outcome = apply(state, &action, id).await;
        last.kind = "progress";
        last.current = i + 1;
        last.account_id = Some(id);
        match outcome {
            Ok(name) => {
                last.success += 1;
                last.account_name = name;
                last.error = None;
            }
            Err(e) => {
                last.failed += 1;
                last.account_name = None;
                last.error = Some(e.to_string());
            }
        }
        let _ = events.send(last.clone()).await;
    }
    last.kind = "complete";
    last.account_id = None;
    last.account_name = None;
    last.error = None;
    let _ = events.send(last.clone()).await;
    last
}

async fn apply(
    state: &AppState,
    action: &BatchAction,
    id: i64,
) -> Result<Option<String>, AccountError> {
    match action {
        BatchAction::Refresh => super::refresh_now(state, id).await.map(|v| Some(v.name)),
        BatchAction::Delete => {
            let name = super::live(state, id).await?.name;
            super::delete(state, id).await.map(|()| Some(name))
        }
        BatchAction::Update(update) => super::update(state, id, update.clone())
            .await
            .map(|v| Some(v.name)),
        BatchAction::Test { api, model } => {
            let name = super::live(state, id).await?.name;
            // Nobody reads the step events of a batch; the channel is dropped at once.
            let (tx, _) = mpsc::channel(1);
            let result = super::test::run(state, api, id, model.clone(), &tx).await;
            match result.error {
                None if result.ok => Ok(Some(name)),
                error => Err(AccountError::Invalid(
                    error.unwrap_or_else(|| "test failed".into()),
                )),
            }
        }
    }
}
