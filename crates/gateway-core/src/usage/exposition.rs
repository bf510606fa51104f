//! `/metrics` in the Prometheus text exposition format (version 0.0.4), written by hand:
//! the set of series is small and fixed, and a registry crate would add a second place
//! where metrics are defined.

use std::fmt::Write;

use super::metrics::{Histogram, LATENCY_BUCKETS, TOKEN_KINDS};
use super::UsageRecorder;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders every series. `uptime_seconds` comes from the state.
pub fn render(recorder: &UsageRecorder, uptime_seconds: f64, now_ms: i64) -> String {
    let m = recorder.metrics();
    let series = m.series();
    let mut out = String::with_capacity(4096);

    header(
        &mut out,
        "switchyard_requests_total",
        "counter",
        "Finished requests by inbound route, status code and model.",
    );
    for ((route, status, model), n) in &series.requests {
        let labels = format!(
            "route=\"{}\",status=\"{status}\",model=\"{}\"",
            esc(route),
            esc(model)
        );
        sample(&mut out, "switchyard_requests_total", &labels, *n as f64);
    }
    header(
        &mut out,
        "switchyard_request_duration_seconds",
        "histogram",
        "Request duration from start to the last byte.",
    );
    for (route, h) in &series.duration {
        histogram(&mut out, "switchyard_request_duration_seconds", route, h);
    }
    header(
        &mut out,
        "switchyard_first_token_seconds",
        "histogram",
        "Time to the first content byte.",
    );
    for (route, h) in &series.first_token {
        histogram(&mut out, "switchyard_first_token_seconds", route, h);
    }
    header(
        &mut out,
        "switchyard_tokens_total",
        "counter",
        "Tokens by kind (cached is part of input, reasoning part of output).",
    );
    for (kind, n) in TOKEN_KINDS.iter().zip(series.tokens) {
        sample(
            &mut out,
            "switchyard_tokens_total",
            &format!("kind=\"{kind}\""),
            n as f64,
        );
    }
    header(
        &mut out,
        "switchyard_requests_in_flight",
        "gauge",
        "Requests started and not yet finished.",
    );
    sample(
        &mut out,
        "switchyard_requests_in_flight",
        "",
        m.in_flight() as f64,
    );

    let windows = recorder.quota().all();
    header(
        &mut out,
        "switchyard_account_quota_used_percent",
        "gauge",
        "Latest observed quota use per account and window.",
    );
    for w in &windows {
        let labels = format!(
            "account_id=\"{}\",window=\"{}\"",
            w.account_id,
            w.kind.as_str()
        );
        sample(
            &mut out,
            "switchyard_account_quota_used_percent",
            &labels,
            w.used_percent,
        );
    }
    header(
        &mut out,
        "switchyard_account_quota_reset_seconds",
        "gauge",
        "Seconds until the quota window resets (0 when past).",
    );
    for w in windows.iter().filter(|w| w.reset_at.is_some()) {
        let labels = format!(
            "account_id=\"{}\",window=\"{}\"",
            w.account_id,
            w.kind.as_str()
        );
        let left = (w.reset_at.unwrap_or(now_ms) - now_ms).max(0) as f64 / 1000.0;
        sample(
            &mut out,
            "switchyard_account_quota_reset_seconds",
            &labels,
            left,
        );
    }
    header(
        &mut out,
        "switchyard_refresh_failures_total",
        "counter",
        "Token refreshes that failed, by reason.",
    );
    for (reason, n) in m.refresh_failures() {
        sample(
            &mut out,
            "switchyard_refresh_failures_total",
            &format!("reason=\"{reason}\""),
            n as f64,
        );
    }
    header(
        &mut out,
        "switchyard_usage_log_queue_depth",
        "gauge",
        "Usage rows waiting for the writer.",
    );
    sample(
        &mut out,
        "switchyard_usage_log_queue_depth",
        "",
        recorder.queue_depth() as f64,
    );
    header(
        &mut out,
        "switchyard_usage_log_dropped_total",
        "counter",
        "Usage rows lost (queue full, writer stopped, database failing).",
    );
    sample(
        &mut out,
        "switchyard_usage_log_dropped_total",
        "",
        recorder.dropped() as f64,
    );
    header(
        &mut out,
        "switchyard_usage_log_written_total",
        "counter",
        "Usage rows committed by the writer.",
    );
    sample(
        &mut out,
        "switchyard_usage_log_written_total",
        "",
        recorder.written() as f64,
    );
    header(
        &mut out,
        "switchyard_uptime_seconds",
        "gauge",
        "Seconds since the gateway state was built.",
    );
    sample(&mut out, "switchyard_uptime_seconds", "", uptime_seconds);
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &str, value: f64) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

fn histogram(out: &mut String, name: &str, route: &str, h: &Histogram) {
    let route = esc(route);
    let mut cumulative = 0u64;
    for (bound, count) in LATENCY_BUCKETS.iter().zip(h.counts) {
        cumulative += count;
        let labels = format!("route=\"{route}\",le=\"{bound}\"");
        sample(out, &format!("{name}_bucket"), &labels, cumulative as f64);
    }
    let labels = format!("route=\"{route}\",le=\"+Inf\"");
    sample(out, &format!("{name}_bucket"), &labels, h.count as f64);
    sample(
        out,
        &format!("{name}_sum"),
        &format!("route=\"{route}\""),
        h.sum_seconds,
    );
    sample(
        out,
        &format!("{name}_count"),
        &format!("route=\"{route}\""),
        h.count as f64,
    );
}

/// Label-value escaping: backslash, double quote and newline.
fn esc(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
