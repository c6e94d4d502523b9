//! `sweep-sim`: simulated volunteers walking a line search and sending their fixes to a Sweep
//! server over the phone protocol, one per device token.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use mobile_api::sim::{self, SimConfig};
use mobile_api::Point;

/// Walks simulated volunteers in a line search (поиск цепью) over a square and sends their fixes
/// to a Sweep server, as their phones would: batched, with GPS noise and signal gaps.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Options {
    /// The server's base URL.
    #[arg(long, env = "SWEEP_SIM_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A device token (from the dispatcher's link for a volunteer); one volunteer walks per token.
    #[arg(long = "token", env = "SWEEP_SIM_TOKENS", value_delimiter = ',')]
    tokens: Vec<String>,
    /// A file of device tokens, one a line; `#` starts a comment.
    #[arg(long)]
    tokens_file: Option<PathBuf>,
    /// The centre of the square searched, LAT,LON.
    #[arg(long, default_value = "56.10,36.80", value_parser = parse_point)]
    center: Point,
    /// The side of the square, metres.
    #[arg(long, default_value_t = 500.0)]
    square_m: f64,
    /// Distance between neighbours in the chain, metres.
    #[arg(long, default_value_t = 20.0)]
    spacing_m: f64,
    /// Walking speed, metres per second.
    #[arg(long, default_value_t = 1.2)]
    speed_mps: f64,
    /// A fix every this many seconds (sim time).
    #[arg(long, default_value_t = 1.0)]
    fix_every_s: f64,
    /// A batch every this many seconds (sim time).
    #[arg(long, default_value_t = 5.0)]
    batch_every_s: f64,
    /// GPS error, metres (reported as the fixes' accuracy).
    #[arg(long, default_value_t = 4.0)]
    noise_m: f64,
    /// Mean time between a volunteer's signal gaps, seconds (sim time; 0: no gaps).
    #[arg(long, default_value_t = 300.0)]
    gap_every_s: f64,
    /// Mean length of a signal gap, seconds (sim time).
    #[arg(long, default_value_t = 60.0)]
    gap_length_s: f64,
    /// Run the sim clock this many times faster than real time (needs --duration-s to go faster:
    /// the walk then starts in the past and ends now, since no fix may be from the future).
    #[arg(long, default_value_t = 1.0)]
    speedup: f64,
    /// How long to walk, seconds of sim time (0: until Ctrl-C).
    #[arg(long, default_value_t = 0.0)]
    duration_s: f64,
    /// Seed for the walks, to repeat one (default: a random seed, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// How long the final flush may wait for acknowledgements, seconds.
    #[arg(long, default_value_t = 30)]
    flush_timeout_s: u64,
}

fn parse_point(text: &str) -> Result<Point, String> {
    let (lat, lon) = text.split_once(',').ok_or("expected LAT,LON, for example 56.10,36.80")?;
    let number = |s: &str| s.trim().parse::<f64>().map_err(|e| format!("{s:?}: {e}"));
    Ok(Point { lat: number(lat)?, lon: number(lon)? })
}

/// The tokens in a tokens file: one a line, blank lines and `#` comments skipped.
fn read_tokens(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|token| !token.is_empty())
        .map(String::from)
        .collect()
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    let mut tokens: Vec<String> =
        options.tokens.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
    if let Some(path) = &options.tokens_file {
        match std::fs::read_to_string(path) {
            Ok(text) => tokens.extend(read_tokens(&text)),
            Err(error) => {
                eprintln!("sweep-sim: cannot read the tokens file {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if tokens.is_empty() {
        eprintln!("sweep-sim: no device tokens: give --token (once per volunteer) or --tokens-file");
        return ExitCode::from(2);
    }
    let seed = options.seed.unwrap_or_else(rand::random);
    let config = SimConfig {
        server: options.server,
        center: options.center,
        square_m: options.square_m,
        spacing_m: options.spacing_m,
        speed_mps: options.speed_mps,
        fix_every_s: options.fix_every_s,
        batch_every_s: options.batch_every_s,
        noise_m: options.noise_m,
        gap_every_s: options.gap_every_s,
        gap_length_s: options.gap_length_s,
        speedup: options.speedup,
        duration_s: options.duration_s,
        seed,
        report_every: Duration::from_secs(10),
        flush_timeout: Duration::from_secs(options.flush_timeout_s),
    };
    let search = sim::LineSearch::new(config.center, config.square_m, tokens.len(), config.spacing_m);
    println!(
        "sweep-sim: {} volunteers, {:.0} m apart, sweeping a {:.0} m square at {},{} in {} strips (seed {seed}) → {}",
        tokens.len(),
        search.spacing_m(),
        config.square_m,
        config.center.lat,
        config.center.lon,
        search.strips(),
        config.server
    );
    if config.speedup > 1.0 && config.duration_s == 0.0 {
        println!("sweep-sim: without --duration-s the walk cannot start in the past, so it goes at real speed");
    }

    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
        println!("sweep-sim: stopping; sending what is left (Ctrl-C again to quit at once)");
        tokio::spawn(async {
            let _ = tokio::signal::ctrl_c().await;
            std::process::exit(130);
        });
    };
    let report = |progress: &sim::Progress| {
        for notice in &progress.notices {
            println!("  {notice}");
        }
        println!("{progress}");
    };
    match sim::run_reporting(config, tokens, stop, report).await {
        Ok(summary) => {
            for notice in &summary.last.notices {
                println!("  {notice}");
            }
            println!("{summary}");
            if summary.flushed && summary.last.stopped == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("sweep-sim: {error}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tokens_file_has_one_token_a_line_and_comments() {
        let text = "# team 1\ndev_A\n\n  dev_B  # Илья\n#dev_C\n";
        assert_eq!(read_tokens(text), vec!["dev_A", "dev_B"]);
    }

    #[test]
    fn the_centre_is_lat_comma_lon() {
        assert_eq!(parse_point("56.10, 36.80"), Ok(Point { lat: 56.10, lon: 36.80 }));
        assert!(parse_point("56.10").is_err());
    }

    #[test]
    fn the_options_are_consistent() {
        use clap::CommandFactory;
        Options::command().debug_assert();
    }
}
