//! `loadgen bench`: prepare the gateway, warm up, then for non-streaming and streaming, at
//! each fixed rate and at maximum throughput, drive the mock directly (baseline) and each
//! public route; then hold N concurrent streams, soak, and render the report.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::drive::{closed_loop, hold_streams, open_loop, Stats};
use crate::http::{Call, Pool};
use crate::report::{self, Load, Row};
use crate::setup::{prepare_gateway, read_mock_accounts, set_mock_delay, wait_healthy};
use crate::sys::{mib, rss_kib};
use crate::usage_ab;
use crate::workload::{call, Creds, Target};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The gateway (`switchyard-server`) address.
    #[arg(long)]
    gateway: SocketAddr,
    /// The `mock-upstream` address.
    #[arg(long)]
    mock: SocketAddr,
    /// The saved stdout of `mock-upstream` (its account lines).
    #[arg(long)]
    mock_accounts: String,
    /// The gateway's `ADMIN_SECRET`.
    #[arg(long, env = "ADMIN_SECRET")]
    admin_secret: String,
    /// The gateway's pid, for RSS.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    secs: f64,
    /// Open-loop rates.
    #[arg(long, value_delimiter = ',', default_values_t = [500.0, 1000.0, 2000.0])]
    rates: Vec<f64>,
    /// Connections of the closed-loop (maximum throughput) scenarios.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Concurrent streams held for the memory figure.
    #[arg(long, default_value_t = 1000)]
    streams: usize,
    /// The mock's delay between deltas while the streams are held.
    #[arg(long, default_value_t = 1000)]
    hold_delay_ms: u64,
    /// Soak duration (mixed traffic at `soak_rps`); 0 skips it.
    #[arg(long, default_value_t = 600)]
    soak_secs: u64,
    /// Soak rate.
    #[arg(long, default_value_t = 1000.0)]
    soak_rps: f64,
    /// Closed-loop warm-up per target before the scenarios.
    #[arg(long, default_value_t = 2.0)]
    warmup_secs: f64,
    /// Fail (exit 1, after the report) when a scenario's error rate exceeds this.
    #[arg(long, default_value_t = 0.01)]
    max_error_rate: f64,
    /// Run only these targets (baseline, chat, responses, messages); default all.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Skip the streaming (or non-streaming) half: `stream`, `non-stream`; default both.
    #[arg(long)]
    mode: Option<String>,
    /// Write every figure as JSON here.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// On/off pairs of the usage-log A/B (issue 6); 0 skips it.
    #[arg(long, default_value_t = 3)]
    usage_ab_pairs: usize,
    /// Rate of the usage-log A/B (chat, non-streaming, open loop).
    #[arg(long, default_value_t = 1000.0)]
    usage_ab_rate: f64,
    /// Seconds per run of the usage-log A/B; default `--secs`.
    #[arg(long)]
    usage_ab_secs: Option<f64>,
    /// Only warm up chat and run the usage-log A/B: no scenario matrix, hold or soak.
    #[arg(long)]
    usage_ab_only: bool,
    /// More runtime settings to write before the scenarios, as a JSON object (e.g.
    /// `{"usage_log_batch_size":50}`).
    #[arg(long)]
    extra_settings: Option<String>,
}

pub(crate) fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

fn rss_now(pid: Option<u32>) -> Option<u64> {
    pid.and_then(rss_kib).map(|(rss, _)| rss)
}

fn calls_for(target: Target, stream: bool, creds: &Creds) -> Arc<Vec<Call>> {
    let n = if target == Target::Baseline {
        creds.mock_tokens.len().max(1)
    } else {
        1
    };
    Arc::new((0..n).map(|i| call(target, stream, creds, i)).collect())
}

/// Runs everything; returns the report and, when a scenario failed too often, why.
pub async fn run(args: BenchArgs) -> Result<(String, Option<String>), String> {
    wait_healthy(args.gateway, Duration::from_secs(60)).await?;
    wait_healthy_mock(args.mock).await?;
    let accounts = read_mock_accounts(&args.mock_accounts)?;
    let mut settings = json!({"max_concurrency": 0, "global_rpm": 0});
    if let Some(extra) = &args.extra_settings {
        let extra: Value =
            serde_json::from_str(extra).map_err(|e| format!("--extra-settings: {e}"))?;
        let (Some(all), Some(extra)) = (settings.as_object_mut(), extra.as_object()) else {
            return Err("--extra-settings: not a JSON object".into());
        };
        all.extend(extra.clone());
    }
    let prepared = prepare_gateway(args.gateway, &args.admin_secret, &accounts, &settings).await?;
    let creds = Creds {
        api_key: prepared.api_key.clone(),
        mock_tokens: accounts
            .iter()
            .map(|a| (a.account_id.clone(), a.access_token.clone()))
            .collect(),
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle = rss_now(args.server_pid);
    let gw = Arc::new(Pool::new(args.gateway));
    let mock = Arc::new(Pool::new(args.mock));
    let targets: Vec<Target> = Target::ALL
        .into_iter()
        .filter(|t| {
            if args.usage_ab_only {
                *t == Target::Chat
            } else {
                args.only.is_empty() || args.only.iter().any(|o| o == t.short())
            }
        })
        .collect();
    let modes: Vec<bool> = match args.mode.as_deref() {
        _ if args.usage_ab_only => vec![false],
        Some("stream") => vec![true],
        Some("non-stream") => vec![false],
        _ => vec![false, true],
    };
    let pool_of = |t: Target| {
        if t.is_gateway() {
            gw.clone()
        } else {
            mock.clone()
        }
    };

    eprintln!("loadgen: warm-up {}s per target", args.warmup_secs);
    for &target in &targets {
        for &stream in &modes {
            let _ = closed_loop(
                pool_of(target),
                calls_for(target, stream, &creds),
                8,
                args.warmup_secs / 2.0,
            )
            .await;
        }
    }

    let mut loads: Vec<Load> = args.rates.iter().map(|&r| Load::Rate(r)).collect();
    loads.push(Load::Max(args.connections));
    if args.usage_ab_only {
        loads.clear();
    }
    let mut rows = Vec::new();
    let mut loadavgs = Vec::new();
    for &stream in &modes {
        for &load in &loads {
            for &target in &targets {
                let calls = calls_for(target, stream, &creds);
                let stats = match load {
                    Load::Rate(r) => open_loop(pool_of(target), calls, r, args.secs).await,
                    Load::Max(c) => closed_loop(pool_of(target), calls, c, args.secs).await,
                };
                let la = loadavg();
                loadavgs.push(la);
                eprintln!(
                    "loadgen: {:>10} {:>16} {:<24} ok={:<7} err={:<4} {:>8.0} RPS p50={:.3}ms p99={:.3}ms (loadavg {la:.2})",
                    if stream { "stream" } else { "non-stream" },
                    load.label(),
                    target.label(),
                    stats.ok,
                    stats.errors,
                    stats.throughput(),
                    stats.total.value_at_quantile(0.5) as f64 / 1e6,
                    stats.total.value_at_quantile(0.99) as f64 / 1e6,
                );
                rows.push(Row {
                    stream,
                    load,
                    target,
                    stats,
                });
            }
        }
    }
    let rss_after_load = rss_now(args.server_pid);
    let usage_ab = if args.usage_ab_pairs > 0 {
        let admin = Pool::new(args.gateway);
        let shape = (
            args.usage_ab_pairs,
            args.usage_ab_rate,
            args.usage_ab_secs.unwrap_or(args.secs),
        );
        let calls = calls_for(Target::Chat, false, &creds);
        Some(
            usage_ab::run(
                &admin,
                &args.admin_secret,
                &gw,
                calls,
                args.server_pid,
                shape,
            )
            .await?,
        )
    } else {
        None
    };

    let (hold, soak) = if args.usage_ab_only {
        (None, None)
    } else {
        (
            hold(&args, &gw, &creds).await?,
            soak(&args, &gw, &creds).await,
        )
    };

    let mut failures = Vec::new();
    for row in &rows {
        if row.stats.error_rate() > args.max_error_rate {
            failures.push(format!(
                "{} {} {}: error rate {:.2}%",
                if row.stream { "stream" } else { "non-stream" },
                row.load.label(),
                row.target.label(),
                row.stats.error_rate() * 100.0
            ));
        }
    }
    if let Some(s) = &soak {
        if s.stats.error_rate() > args.max_error_rate {
            failures.push(format!(
                "soak: error rate {:.2}%",
                s.stats.error_rate() * 100.0
            ));
        }
    }
    let mem = Memory {
        idle: rss_idle,
        after_load: rss_after_load,
        hold,
        soak,
    };
    let mut text = render(&args, &prepared.settings, &rows, &mem, &loadavgs);
    if let Some(ab) = &usage_ab {
        text.push_str(&ab.render());
    }
    if let Some(path) = &args.json_out {
        let value = json!({
            "settings": prepared.settings,
            "rows": rows.iter().map(|r| report::row_json(&rows, r)).collect::<Vec<_>>(),
            "rss_idle_kib": mem.idle,
            "rss_after_load_kib": mem.after_load,
            "hold": mem.hold.as_ref().map(|h| json!({"open": h.open, "rss_kib": h.rss, "peak_kib": h.peak, "errors": h.stats.errors})),
            "soak": mem.soak.as_ref().map(|s| json!({"samples_kib": s.samples, "errors": s.stats.errors, "ok": s.stats.ok})),
            "usage_ab": usage_ab.as_ref().map(usage_ab::UsageAb::to_json),
        });
        std::fs::write(path, value.to_string()).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let failure = (!failures.is_empty()).then(|| failures.join("; "));
    Ok((text, failure))
}

async fn wait_healthy_mock(addr: SocketAddr) -> Result<(), String> {
    let pool = Pool::new(addr);
    let probe = Call {
        method: hyper::Method::GET,
        path: "/__control/health".into(),
        headers: Vec::new(),
        body: bytes::Bytes::new(),
        terminal: b"",
    };
    match pool.fetch(&probe).await {
        Ok((200, _)) => Ok(()),
        other => Err(format!("mock {addr} not healthy: {other:?}")),
    }
}

struct Hold {
    open: usize,
    rss: Option<u64>,
    /// `VmHWM` once the streams ended: the process's peak so far.
    peak: Option<u64>,
    stats: Stats,
}

async fn hold(args: &BenchArgs, gw: &Arc<Pool>, creds: &Creds) -> Result<Option<Hold>, String> {
    if args.streams == 0 {
        return Ok(None);
    }
    eprintln!("loadgen: holding {} concurrent streams", args.streams);
    set_mock_delay(args.mock, args.hold_delay_ms).await?;
    let pid = args.server_pid;
    let call = call(Target::Chat, true, creds, 0);
    let wait = Duration::from_secs(30);
    let (open, rss, stats) =
        hold_streams(gw.clone(), call, args.streams, wait, || rss_now(pid)).await;
    // The peak comes after the sample, while all streams deliver their deltas.
    let peak = pid.and_then(rss_kib).map(|(_, hwm)| hwm);
    set_mock_delay(args.mock, 0).await?;
    eprintln!(
        "loadgen: {open} streams open, RSS {:?} KiB, errors {}",
        rss, stats.errors
    );
    Ok(Some(Hold {
        open,
        rss,
        peak,
        stats,
    }))
}

struct Soak {
    /// `(seconds since start, RSS KiB)`.
    samples: Vec<(u64, u64)>,
    stats: Stats,
}

async fn soak(args: &BenchArgs, gw: &Arc<Pool>, creds: &Creds) -> Option<Soak> {
    if args.soak_secs == 0 {
        return None;
    }
    eprintln!(
        "loadgen: soak {}s at {} RPS (mixed routes and modes)",
        args.soak_secs, args.soak_rps
    );
    let mut calls = Vec::new();
    for target in [Target::Chat, Target::Responses, Target::Messages] {
        for stream in [false, true] {
            calls.push(call(target, stream, creds, 0));
        }
    }
    let samples = Arc::new(Mutex::new(Vec::new()));
    let every = Duration::from_secs((args.soak_secs / 10).max(1));
    let (pid, sink) = (args.server_pid, samples.clone());
    let begin = Instant::now();
    let sampler = tokio::spawn(async move {
        loop {
            if let Some(rss) = rss_now(pid) {
                let mut s = sink.lock().unwrap_or_else(PoisonError::into_inner);
                s.push((begin.elapsed().as_secs(), rss));
            }
            tokio::time::sleep(every).await;
        }
    });
    let stats = open_loop(
        gw.clone(),
        Arc::new(calls),
        args.soak_rps,
        args.soak_secs as f64,
    )
    .await;
    sampler.abort();
    let mut samples = samples
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if let Some(rss) = rss_now(pid) {
        samples.push((begin.elapsed().as_secs(), rss));
    }
    Some(Soak { samples, stats })
}

struct Memory {
    idle: Option<u64>,
    after_load: Option<u64>,
    hold: Option<Hold>,
    soak: Option<Soak>,
}

fn render(
    args: &BenchArgs,
    settings: &Value,
    rows: &[Row],
    mem: &Memory,
    loadavgs: &[f64],
) -> String {
    crate::summary::render(
        args.secs,
        args.connections,
        settings,
        rows,
        mem_view(mem),
        loadavgs,
    )
}

fn mem_view(mem: &Memory) -> crate::summary::MemoryView {
    let opt = |v: Option<u64>| v.map_or_else(|| "n/a".to_owned(), mib);
    let soak = mem.soak.as_ref().map(|s| {
        let first = s
            .samples
            .get(s.samples.len() / 10)
            .or(s.samples.first())
            .map(|x| x.1);
        let last = s.samples.last().map(|x| x.1);
        let max = s.samples.iter().map(|x| x.1).max();
        (
            s.samples
                .iter()
                .map(|(t, r)| format!("{t}s {}", mib(*r)))
                .collect::<Vec<_>>()
                .join(", "),
            opt(first),
            opt(last),
            opt(max),
            s.stats.ok,
            s.stats.errors,
        )
    });
    crate::summary::MemoryView {
        idle: opt(mem.idle),
        after_load: opt(mem.after_load),
        hold: mem
            .hold
            .as_ref()
            .map(|h| (h.open, opt(h.rss), opt(h.peak), h.stats.errors)),
        soak,
    }
}
