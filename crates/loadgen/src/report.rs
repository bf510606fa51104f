//! The results as Markdown: one row per scenario (the baseline first in each group, added
//! latency = gateway percentile − baseline percentile of the same group), the memory and
//! cold-start figures, and the targets next to the measured values. Also JSON.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::drive::Stats;
use crate::workload::Target;

/// How a scenario was driven.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Load {
    /// Open loop at this many requests per second.
    Rate(f64),
    /// Closed loop over this many connections.
    Max(usize),
}

impl Load {
    pub fn label(self) -> String {
        match self {
            Self::Rate(r) => format!("{r:.0} RPS"),
            Self::Max(c) => format!("max ({c} conns)"),
        }
    }
}

/// One measured scenario.
#[derive(Debug, Clone)]
pub struct Row {
    pub stream: bool,
    pub load: Load,
    pub target: Target,
    pub stats: Stats,
}

fn ms(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

fn pct(h: &hdrhistogram::Histogram<u64>, q: f64) -> u64 {
    if h.is_empty() {
        0
    } else {
        h.value_at_quantile(q)
    }
}

fn added(row: &Row, base: Option<&Row>, ttfb: bool, q: f64) -> Option<f64> {
    let base = base?;
    let (a, b) = if ttfb {
        (&row.stats.ttfb, &base.stats.ttfb)
    } else {
        (&row.stats.total, &base.stats.total)
    };
    (row.target.is_gateway() && !a.is_empty() && !b.is_empty())
        .then(|| ms(pct(a, q)) - ms(pct(b, q)))
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:+.3}"))
}

/// The baseline row of `row`'s group.
pub fn baseline_of<'a>(rows: &'a [Row], row: &Row) -> Option<&'a Row> {
    rows.iter()
        .find(|b| b.target == Target::Baseline && b.stream == row.stream && b.load == row.load)
}

/// The scenario table.
pub fn scenario_table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str("| mode | load | target | ok RPS | errors | p50 ms | p90 ms | p99 ms | added p50 | added p90 | added p99 | TTFB p50 ms | TTFB p99 ms | added TTFB p50 | added TTFB p99 |\n");
    out.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for row in rows {
        let base = baseline_of(rows, row);
        let t = &row.stats.total;
        let f = &row.stats.ttfb;
        let (ttfb50, ttfb99, add50, add99) = if row.stream {
            (
                format!("{:.3}", ms(pct(f, 0.5))),
                format!("{:.3}", ms(pct(f, 0.99))),
                fmt_opt(added(row, base, true, 0.5)),
                fmt_opt(added(row, base, true, 0.99)),
            )
        } else {
            ("–".into(), "–".into(), "–".into(), "–".into())
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.2}% | {:.3} | {:.3} | {:.3} | {} | {} | {} | {} | {} | {} | {} |",
            if row.stream { "stream" } else { "non-stream" },
            row.load.label(),
            row.target.label(),
            row.stats.throughput(),
            row.stats.error_rate() * 100.0,
            ms(pct(t, 0.5)),
            ms(pct(t, 0.9)),
            ms(pct(t, 0.99)),
            fmt_opt(added(row, base, false, 0.5)),
            fmt_opt(added(row, base, false, 0.9)),
            fmt_opt(added(row, base, false, 0.99)),
            ttfb50,
            ttfb99,
            add50,
            add99,
        );
    }
    out
}

/// One row as JSON (milliseconds).
pub fn row_json(rows: &[Row], row: &Row) -> Value {
    let base = baseline_of(rows, row);
    let t = &row.stats.total;
    let f = &row.stats.ttfb;
    json!({
        "stream": row.stream,
        "load": row.load.label(),
        "target": row.target.short(),
        "ok": row.stats.ok,
        "errors": row.stats.errors,
        "error_rate": row.stats.error_rate(),
        "rps": row.stats.throughput(),
        "p50_ms": ms(pct(t, 0.5)),
        "p90_ms": ms(pct(t, 0.9)),
        "p99_ms": ms(pct(t, 0.99)),
        "added_p50_ms": added(row, base, false, 0.5),
        "added_p90_ms": added(row, base, false, 0.9),
        "added_p99_ms": added(row, base, false, 0.99),
        "ttfb_p50_ms": ms(pct(f, 0.5)),
        "ttfb_p99_ms": ms(pct(f, 0.99)),
        "added_ttfb_p50_ms": if row.stream { added(row, base, true, 0.5) } else { None },
        "added_ttfb_p99_ms": if row.stream { added(row, base, true, 0.99) } else { None },
    })
}

/// Finds a row.
pub fn find(rows: &[Row], stream: bool, load: Load, target: Target) -> Option<&Row> {
    rows.iter()
        .find(|r| r.stream == stream && r.load == load && r.target == target)
}

/// Added latency at quantile `q` (total, or TTFB) of one scenario, in ms.
pub fn added_of(
    rows: &[Row],
    stream: bool,
    load: Load,
    target: Target,
    ttfb: bool,
    q: f64,
) -> Option<f64> {
    let row = find(rows, stream, load, target)?;
    added(row, baseline_of(rows, row), ttfb, q)
}
