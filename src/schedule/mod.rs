//! Schedules: the canonical model every schedule reader and writer shares, and the
//! project's schedule records. File formats live in `formats`.

pub mod merge;
pub mod model;
pub mod normalize;
pub mod problem;
pub mod records;
