//! `switchyard-server`: the headless gateway. Reads its settings from the environment
//! (codex2api-compatible names), opens the store and cache, and serves until SIGINT/SIGTERM.
//! Every startup failure ends with one line naming the setting to fix and a non-zero exit.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use gateway_core::config::Config;
use tracing_subscriber::EnvFilter;

/// mimalloc rather than glibc malloc (docs/BENCHMARKS.md): allocation and free were about a
/// fifth of the CPU per relayed request, and glibc's per-thread arenas kept the resident
/// set at its soak peak. Only this binary: the library leaves the choice to its embedder.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "switchyard-server",
    version,
    about = "Switchyard gateway (headless server)"
)]
struct Args {
    /// Port to listen on; overrides CODEX_PORT.
    #[arg(long)]
    port: Option<u16>,
    /// Address to bind; overrides CODEX_BIND.
    #[arg(long)]
    bind: Option<std::net::IpAddr>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => return fail(&format!("cannot start the async runtime: {err}")),
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

async fn run(args: Args) -> Result<(), String> {
    let mut config = Config::from_process_env().map_err(|e| e.to_string())?;
    if let Some(port) = args.port {
        config.port = port;
    }
    if let Some(bind) = args.bind {
        config.bind = bind;
    }
    let addr = SocketAddr::new(config.bind, config.port);
    let grace = config.shutdown_grace;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (check CODEX_PORT / CODEX_BIND): {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let state = gateway_core::build_state(config)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        store = state.store().driver(),
        cache = state.cache().driver(),
        "switchyard-server {} listening on http://{local} (dashboard at /admin/)",
        env!("CARGO_PKG_VERSION")
    );
    let router = gateway_core::build_router(state.clone());
    let served =
        gateway_core::serve(listener, router, gateway_core::shutdown_signal(), grace).await;
    state.shutdown().await;
    served.map_err(|e| format!("server error: {e}"))?;
    tracing::info!("stopped cleanly");
    Ok(())
}

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}

fn fail(message: &str) -> ExitCode {
    eprintln!("switchyard-server: {message}");
    ExitCode::FAILURE
}
