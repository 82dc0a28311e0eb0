//! Reads the first non-empty worksheet of an Excel workbook (.xlsx through its zip
//! container, .xls through its OLE2 container) with calamine, into the same row stream
//! a CSV gives (`table::Table`), so import mappings apply unchanged.
//!
//! Cells become the text a person sees: numbers to at most 15 significant digits (what
//! Excel itself shows and stores exactly), dates as `YYYY-MM-DD`, booleans as
//! `TRUE`/`FALSE`, error cells as their code (`#N/A`). Row numbers are the sheet's own.
//! Must not interpret the cells (amounts and dates are the mapping's business) and must
//! not panic on a damaged file.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xls, Xlsx};
use rust_decimal::Decimal;

use super::table::{Table, TableRow};
use crate::error::DataError;

/// Which workbook container a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SheetKind {
    Xlsx,
    Xls,
}

impl SheetKind {
    /// Recognises a workbook by its bytes: a zip holding `xl/workbook.xml` or an OLE2
    /// compound file (the .xls container).
    pub fn sniff(bytes: &[u8]) -> Option<SheetKind> {
        if bytes.starts_with(b"PK\x03\x04")
            && memchr::memmem::find(bytes, b"xl/workbook.xml").is_some()
        {
            Some(SheetKind::Xlsx)
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            Some(SheetKind::Xls)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SheetKind::Xlsx => "xlsx",
            SheetKind::Xls => "xls",
        }
    }
}

fn bad(path: &Path, kind: SheetKind, what: impl std::fmt::Display) -> DataError {
    DataError::new(
        path,
        format!("not a readable .{} workbook: {what}", kind.name()),
        "open the file in Excel and save it again as .xlsx, or export CSV instead",
    )
}

/// Reads the first worksheet that has any cell.
pub fn read_sheet(path: &Path, bytes: &[u8], kind: SheetKind) -> Result<Table, DataError> {
    // calamine is third-party code over untrusted bytes: a panic inside it becomes a
    // rejected file, never a crash of the import.
    let result = std::panic::catch_unwind(|| read_unguarded(path, bytes, kind));
    result.unwrap_or_else(|_| Err(bad(path, kind, "the workbook structure is damaged")))
}

/// Widest sheet accepted: cost exports have tens of columns; a cell far to the right is
/// damage (or hostile), and refusing it keeps memory bounded by the cells in the file.
pub const MAX_COLUMNS: u32 = 1024;

fn read_unguarded(path: &Path, bytes: &[u8], kind: SheetKind) -> Result<Table, DataError> {
    let cursor = Cursor::new(bytes);
    match kind {
        SheetKind::Xlsx => {
            // Streamed cell by cell: calamine's ranges are dense, so one cell at a huge
            // row or column would allocate the whole rectangle.
            let mut book: Xlsx<_> =
                calamine::open_workbook_from_rs(cursor).map_err(|e| bad(path, kind, e))?;
            for name in book.sheet_names() {
                let mut cells = Vec::new();
                let mut reader = book
                    .worksheet_cells_reader(&name)
                    .map_err(|e| bad(path, kind, format!("sheet {name:?}: {e}")))?;
                while let Some(cell) = reader
                    .next_cell()
                    .map_err(|e| bad(path, kind, format!("sheet {name:?}: {e}")))?
                {
                    let text = cell_text(&Data::from(cell.get_value().clone()));
                    cells.push((cell.get_position(), text));
                }
                if let Some(t) = sparse_table(path, &name, cells)? {
                    return Ok(t);
                }
            }
        }
        SheetKind::Xls => {
            check_cfb(bytes).map_err(|why| bad(path, kind, why))?;
            // .xls sheets are at most 65,536 × 256 cells by format.
            let mut book: Xls<_> =
                calamine::open_workbook_from_rs(cursor).map_err(|e| bad(path, kind, e))?;
            for name in book.sheet_names() {
                let range = book
                    .worksheet_range(&name)
                    .map_err(|e| bad(path, kind, format!("sheet {name:?}: {e}")))?;
                let cells = range
                    .cells()
                    .filter(|(_, _, c)| !matches!(c, Data::Empty))
                    .map(|(r, c, v)| {
                        let (r0, c0) = range.start().unwrap_or((0, 0));
                        ((r0 + r as u32, c0 + c as u32), cell_text(v))
                    })
                    .collect();
                if let Some(t) = sparse_table(path, &name, cells)? {
                    return Ok(t);
                }
            }
        }
    }
    Err(DataError::new(
        path,
        "the workbook has no sheet with data",
        "export the data again; the file may have been saved empty",
    ))
}

/// Sector ids at and above this are markers (end of chain, free, FAT, DIFAT), not sectors.
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;

/// Checks the sector chains of an OLE2 compound file (the .xls container) before calamine
/// walks them: a chain that loops back on itself would make it read forever (and grow
/// its buffer until memory runs out). Every DIFAT, FAT and mini-FAT chain must end.
fn check_cfb(bytes: &[u8]) -> Result<(), String> {
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |b: &[u8], o: usize| {
        b.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let size: usize = match u16_at(30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Err("the compound file header is damaged (sector size)".into()),
    };
    let sectors = bytes.len() / size;
    // As calamine reads a sector: possibly cut short by the end of the file.
    let sector = |id: u32| -> Option<&[u8]> {
        if id as usize > sectors {
            return None;
        }
        let start = (id as usize + 1) * size;
        Some(
            bytes
                .get(start..bytes.len().min(start + size))
                .unwrap_or(&[]),
        )
    };
    let words =
        |b: &[u8]| -> Vec<u32> { (0..b.len() / 4).filter_map(|i| u32_at(b, i * 4)).collect() };
    // calamine reserves memory for these header counts before reading anything.
    let fat_len = u32_at(bytes, 44).unwrap_or(u32::MAX) as usize;
    let reserved = u32_at(bytes, 62).unwrap_or(u32::MAX) as usize;
    if fat_len > sectors || reserved > 1 << 24 {
        return Err("the compound file header is damaged (table sizes beyond the file)".into());
    }
    let looped = || {
        "a sector chain of the compound file loops back on itself (the file is damaged)".to_string()
    };
    // DIFAT: 109 entries in the header, then a chain of DIFAT sectors, each one's last
    // entry naming the next (walked exactly as calamine walks it).
    let mut difat = words(bytes.get(76..512).unwrap_or(&[]));
    let mut next = u32_at(bytes, 68).unwrap_or(u32::MAX);
    let mut steps = 0;
    while next < MAX_REGULAR_SECTOR {
        steps += 1;
        if steps > sectors + 1 {
            return Err(looped());
        }
        let Some(b) = sector(next) else { break };
        difat.extend(words(b));
        next = difat.pop().unwrap_or(u32::MAX);
    }
    let fat: Vec<u32> = difat
        .iter()
        .filter(|id| **id < MAX_REGULAR_SECTOR)
        .filter_map(|id| sector(*id))
        .flat_map(words)
        .collect();
    acyclic(&fat).map_err(|_| looped())?;
    // The mini FAT is stored in a regular chain (now known to end).
    let mut mini = Vec::new();
    let mut id = u32_at(bytes, 60).unwrap_or(u32::MAX);
    while id < MAX_REGULAR_SECTOR {
        let Some(b) = sector(id) else { break };
        mini.extend(words(b));
        id = fat.get(id as usize).copied().unwrap_or(u32::MAX);
    }
    acyclic(&mini).map_err(|_| looped())?;
    // The workbook stream, read as calamine will read it, for its sheet dimensions.
    let chain = |start: u32, next: &[u32], get: &dyn Fn(u32) -> Option<Vec<u8>>, len: usize| {
        let mut out = Vec::new();
        let mut id = start;
        while id < MAX_REGULAR_SECTOR && out.len() < len {
            let Some(b) = get(id) else { break };
            out.extend(b);
            id = next.get(id as usize).copied().unwrap_or(u32::MAX);
        }
        out.truncate(len);
        out
    };
    let regular = |id: u32| sector(id).map(<[u8]>::to_vec);
    let dir_start = u32_at(bytes, 48).unwrap_or(u32::MAX);
    let dirs = chain(dir_start, &fat, &regular, usize::MAX);
    let entry = |d: &[u8]| -> (String, u32, usize) {
        let name: String = char::decode_utf16(
            (0..32)
                .map(|i| u16::from_le_bytes([d[2 * i], d[2 * i + 1]]))
                .take_while(|u| *u != 0),
        )
        .map(|c| c.unwrap_or('\u{FFFD}'))
        .collect();
        let start = u32_at(d, 116).unwrap_or(u32::MAX);
        let len = if size == 512 {
            u32_at(d, 120).unwrap_or(0) as usize
        } else {
            d.get(120..128)
                .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize)
                .unwrap_or(0)
        };
        (name, start, len)
    };
    let entries: Vec<(String, u32, usize)> = dirs.chunks_exact(128).map(entry).collect();
    let Some(root) = entries.first() else {
        return Ok(()); // calamine refuses it (no root directory)
    };
    let Some((_, start, len)) = ["Workbook", "Book"]
        .iter()
        .find_map(|n| entries.iter().find(|e| e.0 == *n))
    else {
        return Ok(()); // calamine refuses it (no workbook stream)
    };
    let stream = if *len < 4096 {
        let ministream = chain(root.1, &fat, &regular, root.2);
        let mini_sector = |id: u32| {
            let at = id as usize * 64;
            ministream
                .get(at..(at + 64).min(ministream.len()))
                .map(<[u8]>::to_vec)
        };
        chain(*start, &mini, &mini_sector, *len)
    } else {
        chain(*start, &fat, &regular, *len)
    };
    check_biff_dimensions(&stream)
}

/// The largest sheet an .xls can hold: 65,536 rows × 256 columns.
const XLS_MAX_ROWS: u64 = 65_536;
const XLS_MAX_COLUMNS: u64 = 256;

/// Walks the BIFF records of the workbook globals and of every sheet they point at, and
/// refuses a DIMENSIONS record larger than an .xls sheet can be (calamine reserves room
/// for every cell it declares before reading any).
fn check_biff_dimensions(stream: &[u8]) -> Result<(), String> {
    let records = |from: usize| {
        let mut at = from;
        std::iter::from_fn(move || {
            let h = stream.get(at..at + 4)?;
            let typ = u16::from_le_bytes([h[0], h[1]]);
            let len = u16::from_le_bytes([h[2], h[3]]) as usize;
            let data = stream.get(at + 4..at + 4 + len)?;
            at += 4 + len;
            Some((typ, data))
        })
    };
    let mut starts = vec![0usize];
    for (typ, data) in records(0) {
        match typ {
            0x0085 if data.len() >= 4 => {
                starts.push(u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize)
            }
            0x000A => break, // end of the globals
            _ => {}
        }
    }
    for start in starts {
        for (typ, d) in records(start) {
            if typ == 0x000A {
                break;
            }
            if typ != 0x0200 {
                continue;
            }
            let (first_row, last_row, first_col, last_col) = match d.len() {
                10 => (
                    u64::from(u16::from_le_bytes([d[0], d[1]])),
                    u64::from(u16::from_le_bytes([d[2], d[3]])),
                    u64::from(u16::from_le_bytes([d[4], d[5]])),
                    u64::from(u16::from_le_bytes([d[6], d[7]])),
                ),
                14 => (
                    u64::from(u32::from_le_bytes([d[0], d[1], d[2], d[3]])),
                    u64::from(u32::from_le_bytes([d[4], d[5], d[6], d[7]])),
                    u64::from(u16::from_le_bytes([d[8], d[9]])),
                    u64::from(u16::from_le_bytes([d[10], d[11]])),
                ),
                _ => continue,
            };
            let first_col = if first_col > 0xFF || last_col < first_col {
                0
            } else {
                first_col
            };
            if last_row >= 1 && last_col >= 1 {
                let rows = (last_row - 1).wrapping_sub(first_row).wrapping_add(1);
                let cols = (last_col - 1).wrapping_sub(first_col).wrapping_add(1);
                if rows > XLS_MAX_ROWS || cols > XLS_MAX_COLUMNS {
                    return Err(format!(
                        "a sheet declares {rows} rows × {cols} columns, more than an .xls sheet holds (the file is damaged)"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// True when following `next[i]` from every `i` ends (at a marker or out of range).
fn acyclic(next: &[u32]) -> Result<(), ()> {
    // 0 = unseen, 1 = on the current walk, 2 = known to end.
    let mut state = vec![0u8; next.len()];
    for start in 0..next.len() {
        let mut path = Vec::new();
        let mut i = start;
        loop {
            match state.get(i) {
                None | Some(2) => break,
                Some(1) => return Err(()),
                _ => {}
            }
            state[i] = 1;
            path.push(i);
            let n = next[i];
            if n >= MAX_REGULAR_SECTOR {
                break;
            }
            i = n as usize;
        }
        for p in path {
            state[p] = 2;
        }
    }
    Ok(())
}

/// Rows of a sheet from its non-empty cells ((row, column) 0-based → text), or `None`
/// for a sheet without any. Each row runs from the sheet's first used column to its own
/// last cell (an importer treats missing trailing cells as empty).
fn sparse_table(
    path: &Path,
    sheet: &str,
    cells: Vec<((u32, u32), String)>,
) -> Result<Option<Table>, DataError> {
    let mut rows: std::collections::BTreeMap<u32, Vec<(u32, String)>> = Default::default();
    for ((r, c), text) in cells {
        if text.trim().is_empty() {
            continue;
        }
        if c >= MAX_COLUMNS {
            return Err(DataError::new(
                path,
                format!(
                    "sheet {sheet:?} has a value in column {} (row {}); aecos reads sheets up to {MAX_COLUMNS} columns wide",
                    c + 1,
                    r + 1
                ),
                "delete what is far to the right of the data, or export just the data",
            )
            .at(r as usize + 1, c as usize + 1));
        }
        rows.entry(r).or_default().push((c, text));
    }
    let Some(first) = rows.values().flatten().map(|(c, _)| *c).min() else {
        return Ok(None);
    };
    let rows = rows
        .into_iter()
        .map(|(r, mut cells)| {
            cells.sort_by_key(|(c, _)| *c);
            let width = cells.last().map_or(0, |(c, _)| c - first + 1) as usize;
            let mut out = vec![String::new(); width];
            for (c, text) in cells {
                out[(c - first) as usize] = text;
            }
            TableRow {
                line: r as usize + 1,
                cells: out,
            }
        })
        .collect();
    Ok(Some(Table {
        rows,
        first_column: first as usize + 1,
        sheet: Some(sheet.to_string()),
    }))
}

/// The text of a cell as Excel shows it (see the module comment).
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            // calamine converts the serial in the workbook's own date system (1900/1904).
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => float_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// A stored double as the decimal Excel displays: rounded to 15 significant digits,
/// trailing zeros dropped (`0.1 + 0.2` → `0.3`, `1234.56` → `1234.56`).
fn float_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let sci = format!("{f:.14e}");
    match Decimal::from_scientific(&sci) {
        Ok(d) => d.normalize().to_string(),
        Err(_) => f.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_excel_shows_them() {
        assert_eq!(float_text(1234.56), "1234.56");
        assert_eq!(float_text(0.1 + 0.2), "0.3");
        assert_eq!(float_text(-600.71), "-600.71");
        assert_eq!(float_text(3500.0), "3500");
        assert_eq!(float_text(1e-7), "0.0000001");
        assert_eq!(float_text(0.0), "0");
        assert_eq!(float_text(f64::NAN), "NaN");
    }

    #[test]
    fn sniffs_containers() {
        assert_eq!(
            SheetKind::sniff(b"PK\x03\x04....xl/workbook.xml...."),
            Some(SheetKind::Xlsx)
        );
        assert_eq!(SheetKind::sniff(b"PK\x03\x04....markup.bcf"), None);
        assert_eq!(
            SheetKind::sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(SheetKind::Xls)
        );
        assert_eq!(SheetKind::sniff(b"a,b,c"), None);
    }

    #[test]
    fn looping_sector_chains_are_found() {
        assert_eq!(acyclic(&[1, 2, 0xFFFF_FFFE, 7]), Ok(()));
        assert_eq!(acyclic(&[1, 2, 0]), Err(()));
        assert_eq!(acyclic(&[0]), Err(()));
        assert_eq!(acyclic(&[]), Ok(()));
    }

    #[test]
    fn damaged_workbooks_are_errors() {
        let p = Path::new("x.xlsx");
        let e = read_sheet(p, b"PK\x03\x04 xl/workbook.xml garbage", SheetKind::Xlsx).unwrap_err();
        assert!(e.message.contains("not a readable .xlsx"), "{e}");
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.extend([0u8; 600]);
        assert!(read_sheet(p, &ole, SheetKind::Xls).is_err());
    }
}
