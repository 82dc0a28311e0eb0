//! File formats: one module per format, each a reader and/or writer over typed records.
//! `detect` recognises an incoming file by its content.

pub mod aia_csv;
pub mod aia_pdf;
pub mod amount;
pub mod csv_write;
pub mod detect;
pub mod ifc_guid;
// Generated data, kept one entry a line (see scripts/gen_ifc_pset_types.py).
#[rustfmt::skip]
pub mod ifc_pset_types;
pub mod ifc_psets;
pub mod ifc_read;
pub mod ifc_schema;
pub mod ifc_write;
pub mod iif_read;
pub mod iif_write;
pub mod models;
pub mod mspdi_read;
pub mod mspdi_write;
pub mod pmxml_read;
pub mod procore_csv;
pub mod qbo_csv;
pub mod sage_csv;
pub mod sheet_read;
pub mod step_read;
pub mod step_string;
pub mod table;
pub mod xer_read;
pub mod xer_write;

use std::path::Path;

use crate::error::DataError;
use crate::schedule::model::Schedule;
use detect::ScheduleFormat;

/// Reads a schedule file of a detected format.
pub fn read_schedule(
    format: ScheduleFormat,
    path: &Path,
    bytes: &[u8],
) -> Result<Schedule, DataError> {
    let result = match format {
        ScheduleFormat::Xer => xer_read::read_xer(path, bytes).map_err(|e| e.to_string()),
        ScheduleFormat::Mspdi => mspdi_read::read_mspdi(path, bytes).map_err(|e| e.to_string()),
        ScheduleFormat::P6Xml => pmxml_read::read_pmxml(path, bytes).map_err(|e| e.to_string()),
    };
    result.map_err(|message| {
        // The readers' messages start with the path (and line); keep them whole.
        let prefix = format!("{}:", path.display());
        let (line, rest) = match message.strip_prefix(&prefix) {
            Some(r) => {
                let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
                (
                    digits.parse::<usize>().ok(),
                    r[digits.len()..].trim_start_matches(':').trim().to_string(),
                )
            }
            None => (None, message.clone()),
        };
        let mut e = DataError::new(
            path,
            rest,
            format!(
                "the file is not a readable {} file; export it again from the tool",
                format.name()
            ),
        );
        e.line = line.and_then(|l| u32::try_from(l).ok());
        e
    })
}
