//! `loadgen`: the load harness behind `scripts/bench.sh` (issue 9). `loadgen bench` prepares
//! a running `switchyard-server` (accounts, settings, an API key) and drives it and the mock
//! it relays to, side by side; `loadgen coldstart` times spawn → first `/health` 200.
//! Progress goes to stderr; the Markdown report goes to stdout.

mod bench;
mod drive;
mod http;
mod report;
mod setup;
mod summary;
mod sys;
mod usage_ab;
mod workload;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    about = "Switchyard load harness",
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prepare the gateway and run every scenario against it and the mock.
    Bench(Box<bench::BenchArgs>),
    /// Time spawn → first 200 from /health of fresh server processes.
    Coldstart(ColdstartArgs),
}

#[derive(Debug, clap::Args)]
struct ColdstartArgs {
    /// The `switchyard-server` binary.
    #[arg(long)]
    server_bin: PathBuf,
    /// Runs (each: a fresh data dir, then a restart on it).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Pin the server with `taskset -c <cpu>`.
    #[arg(long)]
    pin_cpu: Option<String>,
    /// Scratch directory for the data dirs.
    #[arg(long)]
    work_dir: PathBuf,
    /// The mock (upstream and OAuth URLs point at it; nothing is called at start).
    #[arg(long)]
    mock: SocketAddr,
    /// Write the result as JSON here.
    #[arg(long)]
    json_out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Bench(args) => bench::run(*args).await,
            Command::Coldstart(args) => coldstart(args).await.map(|r| (r, None)),
        }
    });
    match result {
        Ok((report, failure)) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(report.as_bytes()).is_err() || out.flush().is_err() {
                return ExitCode::FAILURE;
            }
            match failure {
                Some(why) => fail(&format!("error rate above the limit: {why}")),
                None => ExitCode::SUCCESS,
            }
        }
        Err(message) => fail(&message),
    }
}

async fn coldstart(args: ColdstartArgs) -> Result<String, String> {
    let cfg = sys::ColdStart {
        server_bin: args.server_bin,
        pin_cpu: args.pin_cpu,
        work_dir: args.work_dir,
        upstream_base_url: format!("http://{}/backend-api/codex", args.mock),
        oauth_token_url: format!("http://{}/oauth/token", args.mock),
    };
    let (fresh, existing) = sys::cold_start(&cfg, args.runs).await?;
    let list = |v: &[std::time::Duration]| {
        v.iter()
            .map(|d| format!("{:.1}", d.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (fm, em) = (sys::median(&fresh), sys::median(&existing));
    if let Some(path) = args.json_out {
        let value = serde_json::json!({
            "fresh_median_ms": fm.as_secs_f64() * 1e3,
            "existing_median_ms": em.as_secs_f64() * 1e3,
        });
        std::fs::write(&path, value.to_string()).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(format!(
        "\n### Cold start (spawn → first 200 from /health, {} runs)\n\n\
         | data dir | median ms | runs ms |\n|---|--:|---|\n\
         | fresh (migrations run) | {:.1} | {} |\n| existing | {:.1} | {} |\n",
        fresh.len(),
        fm.as_secs_f64() * 1e3,
        list(&fresh),
        em.as_secs_f64() * 1e3,
        list(&existing),
    ))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("loadgen: {message}");
    ExitCode::FAILURE
}
