//! The tracked set of background tasks (refresher, usage-log writer, probes, cleanup).
//! Every task gets the shared cancellation token and is awaited on shutdown, so buffered
//! work (such as pending usage rows) is flushed before the process exits.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[derive(Clone, Default)]
pub struct TaskSet {
    tracker: TaskTracker,
    cancel: CancellationToken,
}

impl TaskSet {
    pub fn new() -> Self {
        TaskSet::default()
    }

    /// The token a task watches to know it should finish its current unit of work and stop.
    pub fn cancellation(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Spawns a named background task on the current runtime.
    pub fn spawn<F>(&self, name: &'static str, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        tracing::debug!(task = name, "background task started");
        self.tracker.spawn(async move {
            task.await;
            tracing::debug!(task = name, "background task stopped");
        });
    }

    /// Signals every task to stop and waits up to `grace` for them. Returns false when some
    /// task was still running at the deadline.
    pub async fn shutdown(&self, grace: Duration) -> bool {
        self.cancel.cancel();
        self.tracker.close();
        tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_ok()
    }

    pub fn len(&self) -> usize {
        self.tracker.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tracker.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn shutdown_cancels_and_waits_for_tasks_to_flush() {
        let tasks = TaskSet::new();
        let flushed = Arc::new(AtomicBool::new(false));
        let token = tasks.cancellation();
        let flag = flushed.clone();
        tasks.spawn("flusher", async move {
            token.cancelled().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            flag.store(true, Ordering::SeqCst);
        });
        assert_eq!(tasks.len(), 1);
        assert!(tasks.shutdown(Duration::from_secs(5)).await);
        assert!(flushed.load(Ordering::SeqCst));
        assert!(tasks.is_empty());
    }

    #[tokio::test]
    async fn shutdown_reports_a_task_that_overruns_the_grace() {
        let tasks = TaskSet::new();
        tasks.spawn("stuck", async {
            tokio::time::sleep(Duration::from_secs(60)).await
        });
        assert!(!tasks.shutdown(Duration::from_millis(50)).await);
    }
}
