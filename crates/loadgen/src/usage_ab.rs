//! The usage-log A/B (issue 6: logging must not add to request p99): chat, non-streaming,
//! open loop at a fixed rate, with `usage_log_mode` switched between `full` and `off`
//! through the admin API, in one run so both sides share the machine's noise. The pairs
//! alternate their order (on/off, off/on, on/off, ...) so a drift in background load over
//! the run falls on both sides alike. With the server's pid, each run also reads the
//! server's CPU time per thread: the log's cost in CPU, free of the latency noise. The
//! writer's counters (`/api/admin/ops/overview`) before and after show that every request
//! made with the log on was written once and none was dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::drive::{open_loop, Stats};
use crate::http::{Call, Pool};
use crate::sys::thread_cpu_ns;

pub struct UsageAb {
    rate: f64,
    secs: f64,
    /// In the order they ran.
    runs: Vec<AbRun>,
    /// The writer's `(written, dropped)` growth over the A/B, once it had caught up.
    rows: Option<(u64, u64)>,
}

struct AbRun {
    log_on: bool,
    stats: Stats,
    /// 1-minute load average right after the run.
    loadavg: f64,
    /// Server threads by name: (ns on a CPU, ns runnable but waiting) during the run.
    cpu: BTreeMap<String, (u64, u64)>,
}

/// Runs `pairs` on/off pairs of `secs` each at `rate`; leaves the log on (`full`).
pub async fn run(
    admin: &Pool,
    admin_secret: &str,
    gateway: &Arc<Pool>,
    calls: Arc<Vec<Call>>,
    server_pid: Option<u32>,
    (pairs, rate, secs): (usize, f64, f64),
) -> Result<UsageAb, String> {
    let snapshot = || server_pid.map(thread_cpu_ns).unwrap_or_default();
    let mut ab = UsageAb {
        rate,
        secs,
        runs: Vec::new(),
        rows: None,
    };
    // Rows of the warm-up are written first, so the counters below see only the A/B's.
    let start = settled(admin, admin_secret, None).await;
    let mut logged = 0;
    for pair in 0..pairs {
        let order = if pair % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for log_on in order {
            set_mode(admin, admin_secret, log_on).await?;
            let before = snapshot();
            let stats = open_loop(gateway.clone(), calls.clone(), rate, secs).await;
            let loadavg = crate::bench::loadavg();
            if log_on {
                // The last partial batch waits for the flush interval: let it be written
                // before the next run, so an "off" run never carries the log's work and the
                // CPU below is all of this run's.
                logged += stats.ok + stats.errors;
                if let Some((written, _)) = start {
                    settled(admin, admin_secret, Some(written + logged)).await;
                }
            }
            let cpu = delta(&before, &snapshot());
            eprintln!(
                "loadgen: usage log {:<3} chat non-stream {rate:.0} RPS p50={:.3}ms p99={:.3}ms err={} (loadavg {loadavg:.2})",
                if log_on { "on" } else { "off" },
                ms(&stats, 0.5),
                ms(&stats, 0.99),
                stats.errors
            );
            ab.runs.push(AbRun {
                log_on,
                stats,
                loadavg,
                cpu,
            });
        }
    }
    if let Some((written, dropped)) = start {
        if let Some((w, d)) = settled(admin, admin_secret, Some(written + logged)).await {
            ab.rows = Some((w.saturating_sub(written), d.saturating_sub(dropped)));
        }
    }
    set_mode(admin, admin_secret, true).await?;
    Ok(ab)
}

/// The writer's `(written, dropped)` once it has caught up: with `want`, once it has written
/// that many in total; without, once nothing more was written for longer than its flush
/// interval (a partial batch waits that long). Gives up after 30 s.
async fn settled(admin: &Pool, admin_secret: &str, want: Option<u64>) -> Option<(u64, u64)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last: Option<((u64, u64), Instant)> = None;
    loop {
        let ops = crate::setup::admin(
            admin,
            admin_secret,
            hyper::Method::GET,
            "/ops/overview",
            &Value::Null,
        )
        .await
        .ok()?;
        let log = &ops["usage_log"];
        let counters = (log["written"].as_u64()?, log["dropped"].as_u64()?);
        let interval = Duration::from_secs(log["flush_interval_seconds"].as_u64().unwrap_or(5));
        let done = match (want, last) {
            (Some(n), _) => counters.0 >= n,
            (None, Some((seen, since))) => seen == counters && since.elapsed() > interval,
            (None, None) => false,
        };
        if done || Instant::now() > deadline {
            return Some(counters);
        }
        if last.is_none_or(|(seen, _)| seen != counters) {
            last = Some((counters, Instant::now()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn set_mode(admin: &Pool, admin_secret: &str, log_on: bool) -> Result<(), String> {
    let body = json!({"usage_log_mode": if log_on { "full" } else { "off" }});
    crate::setup::admin(admin, admin_secret, hyper::Method::PUT, "/settings", &body).await?;
    Ok(())
}

fn delta(
    before: &BTreeMap<String, (u64, u64)>,
    after: &BTreeMap<String, (u64, u64)>,
) -> BTreeMap<String, (u64, u64)> {
    after
        .iter()
        .map(|(name, &(run, wait))| {
            let (run0, wait0) = before.get(name).copied().unwrap_or_default();
            (
                name.clone(),
                (run.saturating_sub(run0), wait.saturating_sub(wait0)),
            )
        })
        .collect()
}

fn ms(s: &Stats, q: f64) -> f64 {
    s.total.value_at_quantile(q) as f64 / 1e6
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

impl UsageAb {
    fn side(&self, log_on: bool) -> impl Iterator<Item = &AbRun> {
        self.runs.iter().filter(move |r| r.log_on == log_on)
    }

    /// Per pair, p99 with the log on minus p99 with it off.
    fn pair_deltas(&self) -> Vec<f64> {
        self.runs
            .chunks(2)
            .filter_map(|pair| {
                let on = pair.iter().find(|r| r.log_on)?;
                let off = pair.iter().find(|r| !r.log_on)?;
                Some(ms(&on.stats, 0.99) - ms(&off.stats, 0.99))
            })
            .collect()
    }

    /// All requests of one side in one histogram.
    fn pooled(&self, log_on: bool) -> Option<Stats> {
        let mut runs = self.side(log_on);
        let mut all = runs.next()?.stats.clone();
        for r in runs {
            // Same bounds on every histogram, so adding cannot fail.
            let _ = all.total.add(&r.stats.total);
            all.errors += r.stats.errors;
            all.ok += r.stats.ok;
        }
        Some(all)
    }

    pub fn render(&self) -> String {
        let mut out = format!(
            "\n### Usage log on vs off (chat, non-streaming, {:.0} RPS, {} s per run, alternated)\n\n\
             | run | usage log | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | load avg |\n\
             |--:|---|--:|--:|--:|--:|--:|--:|\n",
            self.rate, self.secs
        );
        for (i, r) in self.runs.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {} | {:.2} |",
                i + 1,
                if r.log_on { "on" } else { "off" },
                ms(&r.stats, 0.5),
                ms(&r.stats, 0.9),
                ms(&r.stats, 0.99),
                ms(&r.stats, 0.999),
                r.stats.errors,
                r.loadavg
            );
        }
        out.push_str(
            "\n| usage log | median of the runs' p50 ms | median of the runs' p99 ms | runs' p99 min–max ms | all requests pooled: p99 ms |\n\
             |---|--:|--:|--:|--:|\n",
        );
        for log_on in [true, false] {
            let p50s: Vec<f64> = self.side(log_on).map(|r| ms(&r.stats, 0.5)).collect();
            let p99s: Vec<f64> = self.side(log_on).map(|r| ms(&r.stats, 0.99)).collect();
            let lo = p99s.iter().copied().fold(f64::MAX, f64::min);
            let hi = p99s.iter().copied().fold(0.0, f64::max);
            let pooled = self.pooled(log_on).map_or(0.0, |s| ms(&s, 0.99));
            let _ = writeln!(
                out,
                "| {} | {:.3} | {:.3} | {:.3}–{:.3} | {:.3} |",
                if log_on { "on" } else { "off" },
                median(p50s),
                median(p99s.clone()),
                if p99s.is_empty() { 0.0 } else { lo },
                hi,
                pooled
            );
        }
        let deltas = self.pair_deltas();
        let _ = writeln!(
            out,
            "\np99 on − off per pair (ms): {}; median {:+.3}.",
            deltas
                .iter()
                .map(|d| format!("{d:+.3}"))
                .collect::<Vec<_>>()
                .join(", "),
            median(deltas.clone())
        );
        if let Some((written, dropped)) = self.rows {
            let logged: u64 = self.side(true).map(|r| r.stats.ok + r.stats.errors).sum();
            let _ = writeln!(
                out,
                "\nRows: {logged} requests made with the log on; the writer wrote {written} rows and dropped {dropped} meanwhile."
            );
        }
        self.render_cpu(&mut out);
        out
    }

    /// Server CPU per request by thread name, summed over each side's runs.
    fn render_cpu(&self, out: &mut String) {
        let mut names: Vec<&String> = self.runs.iter().flat_map(|r| r.cpu.keys()).collect();
        names.sort();
        names.dedup();
        if names.is_empty() {
            return;
        }
        let side = |log_on: bool| {
            let requests: u64 = self.side(log_on).map(|r| r.stats.ok + r.stats.errors).sum();
            let mut per: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
            for r in self.side(log_on) {
                for (name, (run, wait)) in &r.cpu {
                    let e = per.entry(name.as_str()).or_default();
                    e.0 += run;
                    e.1 += wait;
                }
            }
            (requests.max(1), per)
        };
        let (on_n, on) = side(true);
        let (off_n, off) = side(false);
        out.push_str(
            "\n| server thread | CPU µs/request, log on | log off | on − off | runnable-wait µs/request, on | off |\n\
             |---|--:|--:|--:|--:|--:|\n",
        );
        let us = |ns: u64, n: u64| ns as f64 / 1e3 / n as f64;
        let (mut sum_on, mut sum_off) = (0.0, 0.0);
        for name in names {
            let a = on.get(name.as_str()).copied().unwrap_or_default();
            let b = off.get(name.as_str()).copied().unwrap_or_default();
            if a.0 + b.0 == 0 {
                continue;
            }
            sum_on += us(a.0, on_n);
            sum_off += us(b.0, off_n);
            let _ = writeln!(
                out,
                "| {name} | {:.2} | {:.2} | {:+.2} | {:.2} | {:.2} |",
                us(a.0, on_n),
                us(b.0, off_n),
                us(a.0, on_n) - us(b.0, off_n),
                us(a.1, on_n),
                us(b.1, off_n)
            );
        }
        let _ = writeln!(
            out,
            "| all | {sum_on:.2} | {sum_off:.2} | {:+.2} | | |",
            sum_on - sum_off
        );
    }

    pub fn to_json(&self) -> Value {
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|r| {
                json!({
                    "usage_log": if r.log_on { "on" } else { "off" },
                    "p50_ms": ms(&r.stats, 0.5),
                    "p90_ms": ms(&r.stats, 0.9),
                    "p99_ms": ms(&r.stats, 0.99),
                    "p999_ms": ms(&r.stats, 0.999),
                    "ok": r.stats.ok,
                    "errors": r.stats.errors,
                    "loadavg": r.loadavg,
                    "cpu_ns": r.cpu.iter().map(|(k, v)| (k.clone(), json!({"run": v.0, "wait": v.1}))).collect::<serde_json::Map<_, _>>(),
                })
            })
            .collect();
        json!({
            "rate": self.rate,
            "secs": self.secs,
            "runs": runs,
            "rows_written": self.rows.map(|r| r.0),
            "rows_dropped": self.rows.map(|r| r.1),
        })
    }
}
