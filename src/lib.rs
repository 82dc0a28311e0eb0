//! aecos: file exchange between an AEC OS construction project and the platforms
//! contractors use (Procore, ACC, Sage 300, QuickBooks, P6, MS Project, BIM tools).
//!
//! The modules follow the data's way through the tool: `project` (read the project) →
//! `mapping` (declarative mapping files) → `payapp` (pay-application math) → `formats`
//! (one module per file format) → `exchange` (export to the outbox, import from the
//! inbox, rules, approvals) with `audit` recording every exchange.

pub mod audit;
pub mod costs;
pub mod demo;
pub mod error;
pub mod exchange;
pub mod formats;
pub mod heap;
pub mod inspect;
pub mod mapping;
pub mod money;
pub mod payapp;
pub mod project;
pub mod schedule;

pub use error::{DataError, Error, Result};
