//! Workspace-level examples and tests live beside this crate.
