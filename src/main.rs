use clap::Parser;
use tracing_subscriber::EnvFilter;

use mlgrade::config::{ChallengesAction, Cli, Command, RuntimesAction};
use mlgrade::startup::{Application, WorkerNode};
use mlgrade::{bench, cli};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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
