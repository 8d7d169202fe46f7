use clap::Parser;
use tracing_subscriber::EnvFilter;

use mlgrade::config::{ChallengesAction, Cli, Command, RuntimesAction};
use mlgrade::startup::{Application, WorkerNode};
use mlgrade::{bench, cli};

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(start())
}

/// glibc gives each thread that allocates an arena of its own and keeps what those arenas freed. A
/// server's start (publishing the catalogue, generating data on blocking threads) left it at rest at
/// about 105 MB; two arenas leave it at 40 MB, and grading a large table is no slower. Set before any
/// thread starts; `MALLOC_ARENA_MAX` in the environment still decides when given.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes the allocator's settings; no other thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

async fn start() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let args = Cli::parse();
    let done = run(args).await;
    // Runs hand their containers' removal off so it does not delay their results; none is left behind.
    mlgrade::sandbox::removals_done().await;
    done
}

async fn run(args: Cli) -> anyhow::Result<()> {
    match args.command {
        Command::Serve(config) => {
            let app = Application::build(&config, &args.paths).await?;
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Worker(config) => {
            let node = WorkerNode::build(&config, &args.paths).await?;
            node.run_until_stopped(shutdown_signal()).await
        }
        Command::Grade { challenge, file } => cli::grade(&args.paths, &challenge, &file).await,
        Command::Runtimes { action: RuntimesAction::Build { names, force } } => {
            cli::build_runtimes(&args.paths, &names, force).await
        }
        Command::Challenges { action: ChallengesAction::Check { slugs } } => cli::check_challenges(&args.paths, &slugs).await,
        Command::Challenges { action: ChallengesAction::Calibrate { slugs, panel, seeds, json } } => {
            cli::calibrate(&args.paths, &slugs, &panel, seeds, json.as_deref()).await
        }
        Command::Bench(config) => bench::run(&args.paths, &config).await,
        Command::Users { action } => mlgrade::accounts::cli::run(&args.paths.data_dir, action).await,
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}
