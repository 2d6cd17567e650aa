//! Courses and learning, without HTTP: loading a course's structure, the catalog, progress
//! roll-up, quiz grading, certificates, course documents, the demo seed, and the learning
//! events with the platform analytics computed from them.

pub mod activity;
pub mod catalog;
pub mod certificate;
pub mod document;
pub mod progress;
pub mod quiz;
pub mod seed;
pub mod structure;
