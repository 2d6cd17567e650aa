//! Request and response bodies of the HTTP API, shared by the server and the SDK so they
//! cannot drift. Field names are the JSON names.

mod accounts;
mod admin;
mod analysis;
mod courses;
mod insights;
mod page;
mod problem;
mod recovery;

pub use accounts::*;
pub use admin::*;
pub use analysis::*;
pub use courses::*;
pub use insights::*;
pub use page::*;
pub use problem::*;
pub use recovery::*;
