//! Browser tests: the console in a real headless Chromium against the real server.

#[path = "../api/helpers.rs"]
mod helpers;

mod callouts;
mod cases;
mod console;
mod driver;
mod live_map;
mod phone;
mod squares;
