//! SeaORM entities, one module per table, added as the features that use them arrive.

pub mod user;
