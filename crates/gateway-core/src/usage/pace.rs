//! Keeps the writer's bursts short. The writer shares cores with the request workers (on a
//! one-core pin, the very same core), and the kernel lets a running thread finish its time
//! slice (around a millisecond) before a request worker that just woke up gets the CPU. A
//! batch is milliseconds of serialising, so the writer yields every [`SLICE`] of work: a
//! request that arrives meanwhile waits at most that long. With an idle CPU the yield
//! returns at once.

use std::time::{Duration, Instant};

/// Longest stretch of writer work between two yields.
pub const SLICE: Duration = Duration::from_micros(50);

pub struct Pacer {
    since: Instant,
}

impl Pacer {
    pub fn new() -> Self {
        Pacer {
            since: Instant::now(),
        }
    }

    /// Call between units of work; yields the CPU once a slice is used up.
    pub fn step(&mut self) {
        if self.since.elapsed() >= SLICE {
            std::thread::yield_now();
            self.since = Instant::now();
        }
    }
}
