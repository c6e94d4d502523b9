//! Integration tests: the real server on a real PostGIS, spoken to over HTTP.

mod audit;
mod auth;
mod cases;
mod embedded;
mod errors;
mod gpx;
mod handoff;
mod helpers;
mod ingest;
mod matrix;
mod operations;
mod sharing;
mod statistics;
mod tracking;
