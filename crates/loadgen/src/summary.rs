//! The whole Markdown report of `loadgen bench`: run parameters, the scenario table, memory,
//! and the targets side by side with the measured values.

use std::fmt::Write as _;

use serde_json::Value;

use crate::report::{added_of, find, scenario_table, Load, Row};
use crate::workload::Target;

/// Memory figures, already formatted (MiB).
pub struct MemoryView {
    pub idle: String,
    pub after_load: String,
    /// `(streams open, RSS, peak RSS after the hold, errors)`.
    pub hold: Option<(usize, String, String, u64)>,
    /// `(samples, first after warm-up, last, max, ok, errors)`.
    pub soak: Option<(String, String, String, String, u64, u64)>,
}

fn ms_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:+.3} ms"))
}

/// Renders the report.
pub fn render(
    secs: f64,
    connections: usize,
    settings: &Value,
    rows: &[Row],
    mem: MemoryView,
    loadavgs: &[f64],
) -> String {
    let mut out = String::new();
    let (lo, hi) = loadavgs
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let _ = writeln!(
        out,
        "\n## Results\n\n{secs} s per scenario; open loop at fixed rates (latency from the intended send \
         time), closed loop over {connections} connections for max; runtime settings {settings}; \
         1-minute load average during the scenarios {:.2}–{:.2}.\n",
        if lo == f64::MAX { 0.0 } else { lo },
        hi
    );
    out.push_str(&scenario_table(rows));
    let _ = writeln!(out, "\n### Memory (switchyard-server VmRSS, MiB)\n");
    out.push_str("| when | RSS MiB |\n|---|--:|\n");
    let _ = writeln!(
        out,
        "| idle (accounts imported, key created, before load) | {} |",
        mem.idle
    );
    let _ = writeln!(out, "| idle after all scenarios | {} |", mem.after_load);
    if let Some((open, rss, peak, errors)) = &mem.hold {
        let _ = writeln!(
            out,
            "| with {open} concurrent streams open, all past their first byte ({errors} errors) | {rss} |"
        );
        let _ = writeln!(
            out,
            "| process peak so far (VmHWM, read when those streams ended) | {peak} |"
        );
    }
    if let Some((_, first, last, max, ok, errors)) = &mem.soak {
        let _ = writeln!(
            out,
            "| soak: first sample after warm-up / last / max | {first} / {last} / {max} |"
        );
        let _ = writeln!(out, "\nSoak: {ok} ok, {errors} errors.");
    }
    if let Some((samples, ..)) = &mem.soak {
        let _ = writeln!(out, "Soak samples: {samples}.");
    }
    out.push_str(&targets(rows, &mem, connections));
    out
}

fn targets(rows: &[Row], mem: &MemoryView, connections: usize) -> String {
    let mut out =
        String::from("\n### Targets (issue 9)\n\n| target | goal | measured |\n|---|---|---|\n");
    let max_chat = find(rows, false, Load::Max(connections), Target::Chat)
        .map(|r| format!("{:.0} RPS", r.stats.throughput()));
    let max_base = find(rows, false, Load::Max(connections), Target::Baseline)
        .map(|r| format!("{:.0} RPS", r.stats.throughput()));
    let _ = writeln!(
        out,
        "| non-streaming chat throughput, gateway on one core | ≥ 10,000 RPS | {} (mock direct: {}) |",
        max_chat.unwrap_or_else(|| "n/a".into()),
        max_base.unwrap_or_else(|| "n/a".into())
    );
    let at = Load::Rate(1000.0);
    for (label, target) in [
        ("chat", Target::Chat),
        ("responses", Target::Responses),
        ("messages", Target::Messages),
    ] {
        let _ = writeln!(
            out,
            "| added latency @ 1,000 RPS, non-streaming {label} | p50 ≤ 0.2 ms, p99 ≤ 1 ms | p50 {}, p99 {} |",
            ms_opt(added_of(rows, false, at, target, false, 0.5)),
            ms_opt(added_of(rows, false, at, target, false, 0.99)),
        );
    }
    for (label, target) in [
        ("chat", Target::Chat),
        ("responses", Target::Responses),
        ("messages", Target::Messages),
    ] {
        let _ = writeln!(
            out,
            "| streaming added TTFB @ 1,000 RPS, {label} | p99 ≤ 1 ms | p50 {}, p99 {} |",
            ms_opt(added_of(rows, true, at, target, true, 0.5)),
            ms_opt(added_of(rows, true, at, target, true, 0.99)),
        );
    }
    let _ = writeln!(out, "| RSS idle | ≤ 30 MB | {} MiB |", mem.idle);
    if let Some((open, rss, peak, _)) = &mem.hold {
        let _ = writeln!(
            out,
            "| RSS with 1,000 concurrent streams | ≤ 150 MB | {rss} MiB with {open} open, peak {peak} MiB |"
        );
    }
    if let Some((_, first, last, max, ..)) = &mem.soak {
        let _ = writeln!(
            out,
            "| RSS over the soak | flat | {first} → {last} MiB (max {max}) |"
        );
    }
    out
}
