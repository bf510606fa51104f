//! Placeholder while the first build runs.

pub fn run() {}
