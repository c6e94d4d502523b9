//! Integration tests: the real server on a real PostGIS, spoken to over HTTP.

mod audit;
mod auth;
mod callouts;
mod cases;
mod coverage;
mod embedded;
mod errors;
mod faults;
mod field;
mod field_alerts;
mod gpx;
mod grid;
mod handoff;
mod helpers;
mod hostile;
mod ingest;
mod live_map;
mod matrix;
mod operations;
mod registry;
mod schema;
mod sharing;
mod sim;
mod statistics;
mod tasks;
mod tracking;
