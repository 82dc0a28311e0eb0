//! File formats: one module per format, each a reader and/or writer over typed records.
//! `detect` recognises an incoming file by its content.

pub mod aia_csv;
pub mod aia_pdf;
pub mod detect;
pub mod models;
