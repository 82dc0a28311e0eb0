//! Recognises an incoming file by its content, never by its extension: checks the
//! encoding, sniffs the container (CSV, XLSX/XLS workbook, XML, JSON, XER, IFC, zip,
//! IIF) and, for tables (CSV or the first worksheet), matches the header row against
//! the import mappings' `[detect]` tables.
//!
//! Must not parse the body: it reads only what it needs to decide (a workbook is read
//! whole, as its container cannot be read in part).

use std::path::Path;

use super::sheet_read::{read_sheet, SheetKind};
use super::table::{read_csv_rows, Table, HEADER_SEARCH_ROWS};
use crate::error::DataError;
use crate::mapping::Mapping;

/// What a file turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// A table (CSV, or the first worksheet of an .xlsx/.xls) whose header row, at
    /// `header_line` (the sheet's row number for a workbook), matches this import
    /// mapping (index into the list given).
    Table { mapping: usize, header_line: usize },
    /// A QuickBooks IIF file.
    Iif,
    /// A schedule file.
    Schedule(ScheduleFormat),
    /// An IFC model: a STEP physical file, or an ifcZIP holding one.
    Ifc,
    /// Recognised, but no importer for it exists in this version.
    Unsupported(&'static str),
}

/// Schedule file formats aecos reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScheduleFormat {
    /// Primavera P6 XER.
    Xer,
    /// Microsoft Project XML.
    Mspdi,
    /// Primavera P6 XML (PMXML).
    P6Xml,
}

impl ScheduleFormat {
    pub fn name(self) -> &'static str {
        match self {
            ScheduleFormat::Xer => "p6-xer",
            ScheduleFormat::Mspdi => "mspdi",
            ScheduleFormat::P6Xml => "p6-xml",
        }
    }
    /// The platform its data flows to and from (for the data-flow rules).
    pub fn platform(self) -> &'static str {
        match self {
            ScheduleFormat::Xer | ScheduleFormat::P6Xml => "p6",
            ScheduleFormat::Mspdi => "msproject",
        }
    }
}

/// The name of the first element of an XML document (skipping the prolog, comments,
/// processing instructions and a namespace prefix).
fn xml_root(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        let i = rest.find('<')?;
        rest = &rest[i + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        let name = &rest[..end];
        return Some(name.rsplit(':').next().unwrap_or(name));
    }
}

/// Strips a UTF-8 BOM and checks the bytes are UTF-8, naming the first bad byte's line.
pub fn utf8_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, DataError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| {
        let upto = &body[..e.valid_up_to()];
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        DataError::new(
            path,
            format!(
                "the file is not UTF-8 (byte 0x{:02X} at offset {})",
                body[e.valid_up_to()],
                e.valid_up_to()
            ),
            "save or export the file as UTF-8 CSV",
        )
        .line(line)
    })
}

/// Detects the format of `bytes` among the given import mappings.
pub fn detect(path: &Path, bytes: &[u8], mappings: &[&Mapping]) -> Result<Detected, DataError> {
    if bytes.is_empty() {
        return Err(DataError::new(
            path,
            "the file is empty",
            "export the file again; it may have been cut off",
        ));
    }
    let head = &bytes[..bytes.len().min(64)];
    if let Some(kind) = SheetKind::sniff(bytes) {
        let table = read_sheet(path, bytes, kind)?;
        return match_header(path, &table, mappings);
    }
    if head.starts_with(b"PK\x03\x04") {
        // An ifcZIP holds a .ifc file; read the archive's directory only.
        let names: Vec<String> = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map(|a| a.file_names().map(str::to_ascii_lowercase).collect())
            .unwrap_or_default();
        return Ok(if names.iter().any(|n| n.ends_with(".ifc")) {
            Detected::Ifc
        } else if names.iter().any(|n| n.ends_with(".ifcxml")) {
            Detected::Unsupported("an ifcZIP holding ifcXML (aecos reads IFC STEP files)")
        } else {
            Detected::Unsupported(
                "a zip archive that is neither an Excel workbook nor an ifcZIP (BCF?)",
            )
        });
    }
    if head.starts_with(b"ERMHDR") || head.starts_with(b"\xEF\xBB\xBFERMHDR") {
        return Ok(Detected::Schedule(ScheduleFormat::Xer));
    }
    if head.starts_with(b"ISO-10303-21") || head.starts_with(b"\xEF\xBB\xBFISO-10303-21") {
        return Ok(Detected::Ifc);
    }
    if head.starts_with(b"!") || head.starts_with(b"\xEF\xBB\xBF!") {
        return Ok(Detected::Iif);
    }
    let text = utf8_text(path, bytes)?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        return Ok(match xml_root(&trimmed[..trimmed.len().min(4096)]) {
            Some("Project") => Detected::Schedule(ScheduleFormat::Mspdi),
            Some("APIBusinessObjects") => Detected::Schedule(ScheduleFormat::P6Xml),
            _ => Detected::Unsupported("an XML file that is neither MS Project XML nor P6 XML"),
        });
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return Ok(Detected::Unsupported("a JSON file"));
    }
    let table = read_csv_rows(path, bytes, Some(HEADER_SEARCH_ROWS)).map_err(|e| {
        DataError::new(
            path,
            format!("not readable as CSV: {}", e.message),
            "the file must be a comma-separated text file with a header row",
        )
    })?;
    match_header(path, &table, mappings)
}

/// The import mapping whose `[detect]` headers all appear in one of the table's first
/// rows; the row nearest the top wins, then the mapping naming the most headers.
fn match_header(path: &Path, table: &Table, mappings: &[&Mapping]) -> Result<Detected, DataError> {
    let best_for = |cols: &[String]| -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize)> = None;
        for (i, m) in mappings.iter().enumerate() {
            if let Some(d) = &m.detect {
                if d.headers.iter().all(|h| cols.iter().any(|c| c == h))
                    && best.is_none_or(|(_, n)| d.headers.len() > n)
                {
                    best = Some((i, d.headers.len()));
                }
            }
        }
        best
    };
    let Some(index) = table.header_index(|cols| best_for(cols).is_some()) else {
        return Err(DataError::new(
            path,
            "no header row found",
            "the file must start with a header row",
        ));
    };
    let row = &table.rows[index];
    let cols: Vec<String> = row.cells.iter().map(|c| c.trim().to_string()).collect();
    match best_for(&cols) {
        Some((mapping, _)) => Ok(Detected::Table {
            mapping,
            header_line: row.line,
        }),
        None => Err(DataError::new(
            path,
            format!(
                "unrecognised {}; its header is `{}`",
                if table.sheet.is_some() { "worksheet" } else { "CSV" },
                cols.join(",")
            ),
            "no import mapping matches these columns: add a mapping with a [detect] headers list to <project>/mappings/",
        )
        .line(row.line)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(name: &str) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        w.write_all(b"ISO-10303-21;").expect("write");
        w.finish().expect("finish");
        buf
    }

    #[test]
    fn ifc_is_recognised_by_content() {
        let p = Path::new("x.bin");
        assert_eq!(detect(p, b"ISO-10303-21;\nHEADER;", &[]), Ok(Detected::Ifc));
        assert_eq!(
            detect(p, b"\xEF\xBB\xBFISO-10303-21;", &[]),
            Ok(Detected::Ifc)
        );
        assert_eq!(detect(p, &zip_of("dir/Model.IFC"), &[]), Ok(Detected::Ifc));
        assert!(
            matches!(detect(p, &zip_of("m.ifcxml"), &[]), Ok(Detected::Unsupported(w)) if w.contains("ifcXML"))
        );
        assert!(
            matches!(detect(p, &zip_of("markup.bcf"), &[]), Ok(Detected::Unsupported(w)) if w.contains("BCF"))
        );
    }
}
