//! The `sweep` command.

use clap::Parser;
use sweep::cli::{init_logging, run, Cli};

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    sweep::install_crypto_provider();
    init_logging(&cli.config);
    match run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("sweep: {error:#}");
            std::process::exit(2);
        }
    }
}
