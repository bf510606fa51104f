//! The `mock-upstream` binary: starts the mock, prints one JSON line per seeded account and a
//! ready line (its stdout is its interface), then serves until SIGINT/SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use mock_upstream::{MockConfig, MockUpstream, UnknownRefreshReply};
use serde_json::json;

/// A fake Codex backend and OpenAI OAuth server.
#[derive(Parser, Debug)]
#[command(name = "mock-upstream", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port (reported in the ready line).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Accounts to seed at start.
    #[arg(long, default_value_t = 1)]
    accounts: usize,
    /// Plan of the seeded accounts.
    #[arg(long, default_value = "plus")]
    plan: String,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// Pause between streamed deltas, in milliseconds.
    #[arg(long, default_value_t = 0)]
    delta_delay_ms: u64,
    /// Answer unknown refresh tokens with a 400 `invalid_grant` instead of a 401
    /// `refresh_token_invalidated`.
    #[arg(long)]
    invalid_grant_for_unknown: bool,
    /// Refuse `/responses` without a matching `chatgpt-account-id` header.
    #[arg(long)]
    require_account_header: bool,
    /// Request-log capacity (0 disables the log).
    #[arg(long, default_value_t = 10_000)]
    log_capacity: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config = MockConfig {
        access_token_ttl: Duration::from_secs(args.token_ttl),
        delta_delay: Duration::from_millis(args.delta_delay_ms),
        default_plan: args.plan,
        unknown_refresh_reply: if args.invalid_grant_for_unknown {
            UnknownRefreshReply::InvalidGrant
        } else {
            UnknownRefreshReply::Invalidated
        },
        require_account_header: args.require_account_header,
        log_capacity: args.log_capacity,
    };
    let mock = MockUpstream::start_on(args.listen, config).await?;
    {
        let mut out = std::io::stdout().lock();
        for account in mock.seed_accounts(args.accounts) {
            writeln!(out, "{}", serde_json::to_string(&account)?)?;
        }
        let ready = json!({
            "ready": true,
            "addr": mock.addr().to_string(),
            "upstream_base_url": mock.upstream_base_url(),
            "oauth_token_url": mock.oauth_token_url(),
            "wham_usage_url": mock.wham_usage_url(),
            "control_url": mock.control_url(),
        });
        writeln!(out, "{ready}")?;
        out.flush()?;
    }
    wait_for_signal().await?;
    mock.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
