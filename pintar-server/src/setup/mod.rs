//! Process set-up: the state every request shares, the application (routes and
//! layers) and serving it, and the background workers.

pub mod app;
pub mod secrets;
pub mod state;
pub mod workers;
