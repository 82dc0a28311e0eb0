//! Cost records: cost codes and types, budget, vendors, commitments and actual costs
//! (`model`), and their files under `records/costs/` (`records`).
//!
//! Must not know any platform's file format (that is `formats`).

pub mod ledger;
pub mod model;
pub mod reconcile;
pub mod records;
