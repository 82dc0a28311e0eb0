//! Primavera P6 XER reader: turns the bytes of one `.xer` export into the canonical
//! [`Schedule`].
//!
//! It only reads. It writes nothing and guesses nothing: a value it cannot read is an
//! [`XerError`] naming the file, the 1-based line, the table and column, and a hint.
//! Where the file is silent the model's defaults apply (listed below), and where the file
//! points at a row it does not hold, the pointer is dropped (as MPXJ does).
//!
//! # File structure
//! * Encoding: bytes that are valid UTF-8 and hold multi-byte sequences (or start with a
//!   UTF-8 BOM) are read as UTF-8; anything else as Windows-1252, P6's encoding (0x80–0x9F
//!   through the cp1252 table, the five unassigned bytes and everything else as Latin-1).
//! * Line 1 is `ERMHDR␉version␉date␉…␉currency`; the currency is the 9th field.
//! * Then `%T␉TABLE`, `%F␉column…`, `%R␉value…` repeated, and a `%E` line. A file without
//!   `%E` is truncated (error at its last line). Lines end in CRLF or LF; blank lines are
//!   skipped; anything after `%E` is ignored.
//! * A `%R` row with more values than its `%F` has columns is an error; missing trailing
//!   values are empty. Table and column names compare case-insensitively; column order
//!   is whatever `%F` says. A table that appears twice contributes the rows of both.
//! * Text values: `0x7F 0x7F` (P6's CRLF inside memos) and a lone `0x7F` become `\n`, and
//!   `""` becomes `"` (P6 doubles quotes; MPXJ undoes it too). Nothing else is changed:
//!   HTML memos stay HTML.
//! * Dates: `yyyy-MM-dd HH:mm`, with or without `:ss`, or `yyyy-MM-dd` (midnight); also
//!   Oracle's `dd-MON-yy` / `dd-MON-yyyy` (English month abbreviations; two-digit years
//!   follow Oracle's RR rule: 00–49 → 20xx, 50–99 → 19xx). Numbers are read straight into
//!   [`Decimal`] (never through `f64`); the decimal mark is `.`, or also the
//!   `decimal_symbol` of the CURRTYPE row named in ERMHDR when that is not `.`.
//!
//! # Mapping
//! | XER | model |
//! |---|---|
//! | ERMHDR currency | `Schedule.currency` |
//! | PROJECT proj_id, proj_short_name | `Project.key`, `.id` |
//! | PROJWBS row with proj_node_flag=Y, wbs_name | `Project.name` (else proj_short_name, as MPXJ) |
//! | PROJECT plan_start_date, plan_end_date ("must finish by"), last_recalc_date, clndr_id | `planned_start`, `must_finish`, `data_date`, `calendar` |
//! | CALENDAR clndr_id, clndr_name, base_clndr_id, day_hr_cnt, clndr_data | `Calendar` (in `Project.calendars` when proj_id names a project in the file, else `Schedule.calendars`) |
//! | PROJWBS (not the project node) wbs_id, parent_wbs_id, wbs_short_name, wbs_name, seq_num | `Wbs` (parent None under the project node) |
//! | TASK task_id, task_code, task_name, wbs_id, clndr_id, task_type, status_code | `Activity.key`, `code`, `name`, `wbs`, `calendar`, `kind`, `status` |
//! | TASK target_drtn_hr_cnt, remain_drtn_hr_cnt | `duration_hours`, `remaining_hours` |
//! | TASK complete_pct_type (else PROJECT def_complete_pct_type, else CP_Drtn) | `percent_complete`: CP_Phys → phys_complete_pct; CP_Drtn → (target − remaining) / target; CP_Units → actual / (actual + remaining) work + equipment quantities (MPXJ's formulas, rounded to 2 places) |
//! | TASK act_start_date, restart_date, target_start_date, early_start_date (first non-empty) | `start` (likewise `finish` from act_end_date, reend_date, target_end_date, early_end_date); this is P6's Start/Finish and MPXJ's order: P6 sets the early dates of finished activities to the data date |
//! | TASK act_start_date/act_end_date, target_start_date/target_end_date | `actual_*`, `baseline_*` |
//! | TASK cstr_type + cstr_date | `constraint` (the secondary constraint is not read) |
//! | TASKMEMO task_memo | `Activity.notes` (several memos joined by `\n`, in file order) |
//! | TASKPRED pred_task_id, task_id, pred_type, lag_hr_cnt | `Relationship` in the successor's project |
//! | RSRC rsrc_id, rsrc_short_name, rsrc_name, rsrc_type, clndr_id, unit_id (→ UMEASURE unit_abbrev) | `Schedule.resources` |
//! | TASKRSRC taskrsrc_id, task_id, rsrc_id, target_qty, act_reg_qty + act_ot_qty, remain_qty | `Assignment` in the activity's project |
//!
//! Empty values take the model defaults: task_type → Task, status_code → NotStarted,
//! pred_type → FinishToStart, rsrc_type → Labor, numbers → 0, seq_num → 0. Status is never
//! inferred from actual dates. Rows keep file order. `Activity.elements` stays empty (an
//! XER holds no AEC OS element ids).
//!
//! # Rules for rows that do not fit
//! * The PROJECT table is required (error otherwise). Rows of PROJWBS and TASK go to the
//!   project named by proj_id; a proj_id not in PROJECT is an error; an empty or absent
//!   proj_id is accepted only when the file holds exactly one project (MPXJ drops such
//!   rows). TASKPRED rows go to the successor's project (also when the predecessor is in
//!   another project of the file), TASKRSRC and TASKMEMO rows to the activity's.
//! * A wbs_id, clndr_id, base_clndr_id, parent_wbs_id or unit_id the file does not hold is
//!   dropped (None). A relationship or assignment whose activity or resource is not in the
//!   file (P6's external relationships, role-only assignments) is left out, as MPXJ
//!   leaves it out of the project. Two relationships between the same activities are
//!   both kept (P6 does not export such pairs; MPXJ merges exact repeats).
//! * A repeated key (PROJECT, CALENDAR, PROJWBS, RSRC, TASK, TASKRSRC) whose row is
//!   byte-identical to the first is skipped; a differing one is an error.
//! * Enumerations outside P6's sets are errors. A constraint other than CS_ALAP needs a
//!   cstr_date. `pred_type` also accepts the bare `FS`/`SS`/`FF`/`SF`.
//! * clndr_data (P6's nested `(0||Name(attr|value…)(children…))` text) is read as far as
//!   it parses, like MPXJ; it never causes an error. DaysOfWeek day 1 is Sunday; an absent
//!   day is non-working; shifts are `s|HH:mm|f|HH:mm` in either order (12-hour `h:mm AM`
//!   is accepted, `24:00` reads as 00:00, and 00:00 as an end time means midnight, as P6
//!   writes it). Exceptions are `d|<days since 1899-12-30>` with optional shifts (none =
//!   holiday). An empty day_hr_cnt is derived from the week (average over working days).
//!
//! # Speed
//! One parallel pass over the file (line-aligned 1 MiB chunks, with rayon) checks the
//! encoding and records every line end and the `%T`/`%E` lines; the table structure is
//! then read from those lines alone. Rows are split on tabs a word (8 bytes) at a time
//! straight from the input, only up to the last column the reader uses (the other tabs
//! are counted, for the too-many-values check), and only the kept values are decoded or
//! parsed. TASK, TASKPRED and TASKRSRC rows are parsed in parallel straight into the
//! vectors the projects keep (no per-chunk vectors to copy out of); TASKPRED and TASKRSRC
//! are read side by side while the activities move into their projects. Unmapped tables
//! are only checked for structure. Integer keys are parsed once and indexed in a flat
//! table when their range is compact (a hash map otherwise). Line numbers are only
//! counted when an error is reported. Memory: the input plus the model plus the line
//! index (8 bytes a line).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use memchr::{memchr, memchr_iter, memrchr};
use rayon::prelude::*;
use rust_decimal::Decimal;
use time::{Date, Duration, Month, PrimitiveDateTime, Time};

use crate::schedule::model::*;

/// Why an XER file could not be read. Every variant names the file, the 1-based line,
/// what is wrong and a hint for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XerError {
    /// The bytes are not an XER export at all.
    #[error("{}:{line}: not a Primavera P6 XER file: {what} (hint: {hint})", .path.display())]
    NotXer {
        path: PathBuf,
        line: usize,
        what: String,
        hint: &'static str,
    },
    /// The file stops before the `%E` end line.
    #[error("{}:{line}: truncated XER file: {what} (hint: {hint})", .path.display())]
    Truncated {
        path: PathBuf,
        line: usize,
        what: String,
        hint: &'static str,
    },
    /// A line that does not belong where it is (`%T`/`%F`/`%R` structure).
    #[error("{}:{line}: malformed XER: {what} (hint: {hint})", .path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        what: String,
        hint: &'static str,
    },
    /// A `%R` row with more values than its table's `%F` line has columns.
    #[error(
        "{}:{line}: row of table {table} has {found} values but its %F line names {declared} columns (hint: {hint})",
        .path.display()
    )]
    TooManyFields {
        path: PathBuf,
        line: usize,
        table: String,
        declared: usize,
        found: usize,
        hint: &'static str,
    },
    /// A table the schedule cannot do without.
    #[error("{}:{line}: no {table} rows in the file: {what} (hint: {hint})", .path.display())]
    MissingTable {
        path: PathBuf,
        line: usize,
        table: &'static str,
        what: String,
        hint: &'static str,
    },
    /// A value that cannot be read as what its column holds.
    #[error("{}:{line}: {table}.{column} = {value:?}: {what} (hint: {hint})", .path.display())]
    BadValue {
        path: PathBuf,
        line: usize,
        table: &'static str,
        column: &'static str,
        value: String,
        what: &'static str,
        hint: &'static str,
    },
    /// A row that points at a row the file must hold but does not.
    #[error("{}:{line}: {table}.{column} = {value:?}: {what} (hint: {hint})", .path.display())]
    BadReference {
        path: PathBuf,
        line: usize,
        table: &'static str,
        column: &'static str,
        value: String,
        what: &'static str,
        hint: &'static str,
    },
    /// The same key twice with different rows.
    #[error(
        "{}:{line}: {table} key {key:?} already defined at line {first_line} with different values (hint: {hint})",
        .path.display()
    )]
    Duplicate {
        path: PathBuf,
        line: usize,
        table: &'static str,
        key: String,
        first_line: usize,
        hint: &'static str,
    },
}

impl XerError {
    /// The 1-based line the error is about.
    pub fn line(&self) -> usize {
        match self {
            XerError::NotXer { line, .. }
            | XerError::Truncated { line, .. }
            | XerError::Malformed { line, .. }
            | XerError::TooManyFields { line, .. }
            | XerError::MissingTable { line, .. }
            | XerError::BadValue { line, .. }
            | XerError::BadReference { line, .. }
            | XerError::Duplicate { line, .. } => *line,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            XerError::NotXer { path, .. }
            | XerError::Truncated { path, .. }
            | XerError::Malformed { path, .. }
            | XerError::TooManyFields { path, .. }
            | XerError::MissingTable { path, .. }
            | XerError::BadValue { path, .. }
            | XerError::BadReference { path, .. }
            | XerError::Duplicate { path, .. } => path,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            XerError::NotXer { hint, .. }
            | XerError::Truncated { hint, .. }
            | XerError::Malformed { hint, .. }
            | XerError::TooManyFields { hint, .. }
            | XerError::MissingTable { hint, .. }
            | XerError::BadValue { hint, .. }
            | XerError::BadReference { hint, .. }
            | XerError::Duplicate { hint, .. } => hint,
        }
    }
}

/// Reads one XER file. `path` is only used in error messages; `bytes` is the whole file.
pub fn read_xer(path: &Path, bytes: &[u8]) -> Result<Schedule, XerError> {
    read_bytes(bytes).map_err(|fail| fail.into_error(path, bytes))
}

// ---------------------------------------------------------------------------------------
// Internal error: a byte offset (turned into a line number only when reported).

#[derive(Debug)]
struct Fail {
    at: usize,
    kind: Box<FailKind>,
}

#[derive(Debug)]
enum FailKind {
    NotXer {
        what: String,
        hint: &'static str,
    },
    Truncated {
        what: String,
        hint: &'static str,
    },
    Malformed {
        what: String,
        hint: &'static str,
    },
    TooManyFields {
        table: String,
        declared: usize,
        found: usize,
    },
    MissingTable {
        table: &'static str,
        what: String,
        hint: &'static str,
    },
    BadValue {
        table: &'static str,
        column: &'static str,
        value: String,
        what: &'static str,
        hint: &'static str,
    },
    BadReference {
        table: &'static str,
        column: &'static str,
        value: String,
        what: &'static str,
        hint: &'static str,
    },
    Duplicate {
        table: &'static str,
        key: String,
        first_at: usize,
    },
}

fn line_at(bytes: &[u8], at: usize) -> usize {
    1 + memchr_iter(b'\n', &bytes[..at.min(bytes.len())]).count()
}

impl Fail {
    fn new(at: usize, kind: FailKind) -> Fail {
        Fail {
            at,
            kind: Box::new(kind),
        }
    }

    fn malformed(at: usize, what: impl Into<String>, hint: &'static str) -> Fail {
        Fail::new(
            at,
            FailKind::Malformed {
                what: what.into(),
                hint,
            },
        )
    }

    fn into_error(self, path: &Path, bytes: &[u8]) -> XerError {
        let path = path.to_path_buf();
        let line = line_at(bytes, self.at);
        match *self.kind {
            FailKind::NotXer { what, hint } => XerError::NotXer {
                path,
                line,
                what,
                hint,
            },
            FailKind::Truncated { what, hint } => XerError::Truncated {
                path,
                line,
                what,
                hint,
            },
            FailKind::Malformed { what, hint } => XerError::Malformed {
                path,
                line,
                what,
                hint,
            },
            FailKind::TooManyFields {
                table,
                declared,
                found,
            } => XerError::TooManyFields {
                path,
                line,
                table,
                declared,
                found,
                hint: "a value holds a tab, or the %F line lost columns; P6 never writes \
                       tabs inside values, so the file was edited by hand or by another tool",
            },
            FailKind::MissingTable { table, what, hint } => XerError::MissingTable {
                path,
                line,
                table,
                what,
                hint,
            },
            FailKind::BadValue {
                table,
                column,
                value,
                what,
                hint,
            } => XerError::BadValue {
                path,
                line,
                table,
                column,
                value,
                what,
                hint,
            },
            FailKind::BadReference {
                table,
                column,
                value,
                what,
                hint,
            } => XerError::BadReference {
                path,
                line,
                table,
                column,
                value,
                what,
                hint,
            },
            FailKind::Duplicate {
                table,
                key,
                first_at,
            } => XerError::Duplicate {
                path,
                line,
                table,
                key,
                first_line: line_at(bytes, first_at),
                hint: "P6 keys are unique per table; the file was merged or edited by hand. \
                       Remove one of the two rows or re-export from P6",
            },
        }
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers: a fast hasher for byte-slice keys, trimming, text decoding.

/// FxHash-style hasher for [`Key`]s (short ids taken from the file itself).
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

const HASH_K: u64 = 0xf135_7aea_2e62_a9c5;

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        let mut w = [0u8; 8];
        let rest = chunks.remainder();
        w[..rest.len()].copy_from_slice(rest);
        self.write_u64(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(HASH_K);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak; hashbrown indexes with them.
        self.0.rotate_left(26)
    }
}

/// A key column value: P6 ids are integers, kept as numbers so that lookups compare
/// machine words; anything else (or with a leading zero) stays bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key<'a> {
    Num(u64),
    Text(&'a [u8]),
}

impl<'a> Key<'a> {
    fn of(raw: &'a [u8]) -> Key<'a> {
        if !raw.is_empty()
            && raw.len() <= 19
            && (raw[0] != b'0' || raw.len() == 1)
            && raw.iter().all(u8::is_ascii_digit)
        {
            Key::Num(raw.iter().fold(0u64, |n, &b| n * 10 + u64::from(b - b'0')))
        } else {
            Key::Text(raw)
        }
    }
}

impl<'a> From<&'a [u8]> for Key<'a> {
    fn from(raw: &'a [u8]) -> Key<'a> {
        Key::of(raw)
    }
}

impl Key<'_> {
    /// The key as [`show`] renders the bytes it was read from.
    fn show(self, enc: Encoding) -> String {
        match self {
            Key::Num(n) => n.to_string(),
            Key::Text(raw) => show(raw, enc),
        }
    }
}

impl std::hash::Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Key::Num(n) => state.write_u64(*n),
            Key::Text(t) => state.write(t),
        }
    }
}

/// Map from key-column values (borrowed from the input) to `V`.
struct KeyMap<'a, V>(HashMap<Key<'a>, V, BuildHasherDefault<KeyHasher>>);

impl<'a, V> KeyMap<'a, V> {
    fn get(&self, raw: &'a [u8]) -> Option<&V> {
        self.0.get(&Key::of(raw))
    }

    fn contains_key(&self, raw: &'a [u8]) -> bool {
        self.0.contains_key(&Key::of(raw))
    }

    fn insert(&mut self, raw: &'a [u8], value: V) {
        self.0.insert(Key::of(raw), value);
    }

    fn insert_if_absent(&mut self, raw: &'a [u8], value: V) {
        self.0.entry(Key::of(raw)).or_insert(value);
    }
}

/// Index from key-column values to entry numbers: a flat table when the keys are
/// integers in a compact range (P6 ids usually are; lookups then stay in cache), a hash
/// map for everything else.
struct IdIndex<'a> {
    base: u64,
    dense: Vec<u32>,
    sparse: KeyMap<'a, usize>,
}

impl<'a> IdIndex<'a> {
    fn new<K: Into<Key<'a>>>(keys: impl Iterator<Item = K>) -> IdIndex<'a> {
        let (mut min, mut max, mut count) = (u64::MAX, 0u64, 0u64);
        for k in keys {
            if let Key::Num(v) = k.into() {
                min = min.min(v);
                max = max.max(v);
                count += 1;
            }
        }
        let span = max.wrapping_sub(min);
        let dense = if count > 0
            && count < u64::from(u32::MAX / 2)
            && span <= count.saturating_mul(4).saturating_add(1024)
        {
            vec![0u32; usize::try_from(span).unwrap_or(0).saturating_add(1)]
        } else {
            Vec::new()
        };
        IdIndex {
            base: min,
            dense,
            sparse: key_map(0),
        }
    }

    fn slot(&self, key: Key<'_>) -> Option<usize> {
        match key {
            Key::Num(v) if v >= self.base => usize::try_from(v - self.base)
                .ok()
                .filter(|&i| i < self.dense.len()),
            _ => None,
        }
    }

    fn get(&self, key: impl Into<Key<'a>>) -> Option<usize> {
        let key = key.into();
        match self.slot(key) {
            Some(i) => self.dense[i].checked_sub(1).map(|e| e as usize),
            None => self.sparse.0.get(&key).copied(),
        }
    }

    fn insert(&mut self, key: impl Into<Key<'a>>, entry: usize) {
        let key = key.into();
        match (self.slot(key), u32::try_from(entry + 1)) {
            (Some(i), Ok(e)) => self.dense[i] = e,
            _ => {
                self.sparse.0.insert(key, entry);
            }
        }
    }
}

fn key_map<'a, V>(capacity: usize) -> KeyMap<'a, V> {
    KeyMap(HashMap::with_capacity_and_hasher(
        capacity,
        BuildHasherDefault::default(),
    ))
}

fn trim(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

fn strip_cr(s: &[u8]) -> &[u8] {
    match s {
        [rest @ .., b'\r'] => rest,
        _ => s,
    }
}

/// The line starting at `at`, without its line end.
fn line_from(bytes: &[u8], at: usize) -> &[u8] {
    let at = at.min(bytes.len());
    let end = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |p| at + p);
    strip_cr(&bytes[at..end])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Cp1252,
}

/// Windows-1252 0x80–0x9F. The five bytes the code page leaves unassigned map to the C1
/// controls of the same value (as Windows and the WHATWG decoder do).
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// Decodes Windows-1252 bytes (shared with the other ANSI formats, e.g. QuickBooks IIF).
pub(crate) fn decode_cp1252(raw: &[u8]) -> String {
    raw.iter().map(|&b| cp1252_char(b)).collect()
}

fn cp1252_char(b: u8) -> char {
    if (0x80..0xA0).contains(&b) {
        CP1252_HIGH[usize::from(b - 0x80)]
    } else {
        char::from(b)
    }
}

/// Decodes one kept text value (see the module doc for what changes).
fn decode_text(raw: &[u8], enc: Encoding) -> String {
    if raw.iter().all(|&b| b < 0x7F && b != b'"') {
        // Plain ASCII: nothing to translate.
        return match std::str::from_utf8(raw) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(raw).into_owned(),
        };
    }
    let decoded: String = match enc {
        Encoding::Utf8 => String::from_utf8_lossy(raw).into_owned(),
        Encoding::Cp1252 => decode_cp1252(raw),
    };
    let mut out = String::with_capacity(decoded.len());
    let mut chars = decoded.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{7F}' => {
                if chars.peek() == Some(&'\u{7F}') {
                    chars.next();
                }
                out.push('\n');
            }
            '"' => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// A short, printable rendering of raw bytes for error messages.
fn show(raw: &[u8], enc: Encoding) -> String {
    let text = decode_text(raw, enc);
    let mut out: String = text
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '·' } else { c })
        .collect();
    if text.chars().count() > 80 {
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------------------
// Values.

/// Reads a decimal number: optional sign, digits with at most one decimal mark.
fn parse_decimal(raw: &[u8], mark: u8) -> Option<Decimal> {
    let s = trim(raw);
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    let mut mantissa: u64 = 0;
    let mut scale: u32 = 0;
    let mut count = 0usize;
    let mut seen_mark = false;
    for &b in digits {
        if b.is_ascii_digit() {
            count += 1;
            if count > 18 {
                return parse_decimal_long(s, mark);
            }
            mantissa = mantissa * 10 + u64::from(b - b'0');
            if seen_mark {
                scale += 1;
            }
        } else if (b == b'.' || b == mark) && !seen_mark {
            seen_mark = true;
        } else {
            return None;
        }
    }
    if count == 0 {
        return None;
    }
    let signed = if neg {
        -i128::from(mantissa)
    } else {
        i128::from(mantissa)
    };
    Decimal::try_from_i128_with_scale(signed, scale).ok()
}

/// More than 18 digits: let rust_decimal do it (it keeps up to 28 significant digits).
fn parse_decimal_long(s: &[u8], mark: u8) -> Option<Decimal> {
    let mut text = String::with_capacity(s.len());
    let mut seen_mark = false;
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'0'..=b'9' => text.push(char::from(b)),
            b'-' | b'+' if i == 0 => text.push(char::from(b)),
            _ if (b == b'.' || b == mark) && !seen_mark => {
                seen_mark = true;
                text.push('.');
            }
            _ => return None,
        }
    }
    Decimal::from_str(&text).ok()
}

fn parse_int(raw: &[u8]) -> Option<i64> {
    let s = trim(raw);
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

fn two_digits(s: &[u8], at: usize) -> Option<u8> {
    match s.get(at..at + 2) {
        Some([a, b]) if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some((a - b'0') * 10 + (b - b'0'))
        }
        _ => None,
    }
}

fn four_digits(s: &[u8], at: usize) -> Option<i32> {
    let hi = two_digits(s, at)?;
    let lo = two_digits(s, at + 2)?;
    Some(i32::from(hi) * 100 + i32::from(lo))
}

fn month_abbrev(s: &[u8]) -> Option<u8> {
    const NAMES: [&[u8; 3]; 12] = [
        b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV",
        b"DEC",
    ];
    NAMES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(s))
        .and_then(|i| u8::try_from(i + 1).ok())
}

/// Reads a date-time (see the module doc for the accepted shapes). `Ok(None)` = empty.
fn parse_datetime(raw: &[u8]) -> Result<Option<PrimitiveDateTime>, ()> {
    let s = trim(raw);
    if s.is_empty() {
        return Ok(None);
    }
    let (year, month, day, hour, minute, second) = match s.len() {
        10 | 16 | 19 if s[4] == b'-' && s[7] == b'-' => {
            let year = four_digits(s, 0).ok_or(())?;
            let month = two_digits(s, 5).ok_or(())?;
            let day = two_digits(s, 8).ok_or(())?;
            let (mut h, mut m, mut sec) = (0, 0, 0);
            if s.len() >= 16 {
                if !(s[10] == b' ' || s[10] == b'T') || s[13] != b':' {
                    return Err(());
                }
                h = two_digits(s, 11).ok_or(())?;
                m = two_digits(s, 14).ok_or(())?;
                if s.len() == 19 {
                    if s[16] != b':' {
                        return Err(());
                    }
                    sec = two_digits(s, 17).ok_or(())?;
                }
            }
            (year, month, day, h, m, sec)
        }
        9 | 11 if s[2] == b'-' && s[6] == b'-' => {
            let day = two_digits(s, 0).ok_or(())?;
            let month = month_abbrev(&s[3..6]).ok_or(())?;
            let year = if s.len() == 9 {
                let yy = i32::from(two_digits(s, 7).ok_or(())?);
                if yy < 50 {
                    2000 + yy
                } else {
                    1900 + yy
                }
            } else {
                four_digits(s, 7).ok_or(())?
            };
            (year, month, day, 0, 0, 0)
        }
        _ => return Err(()),
    };
    let month = Month::try_from(month).map_err(|_| ())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| ())?;
    let time = Time::from_hms(hour, minute, second).map_err(|_| ())?;
    Ok(Some(PrimitiveDateTime::new(date, time)))
}

// ---------------------------------------------------------------------------------------
// File structure: header, tables, rows.

struct Table<'a> {
    /// Table name as written after `%T`.
    name: &'a [u8],
    /// The name this reader knows the table by ("" for tables it does not map).
    canon: &'static str,
    /// Column names from `%F`.
    cols: Vec<&'a [u8]>,
    /// Offsets of the row lines: [start, end).
    start: usize,
    end: usize,
    /// How many of a row's fields the reader looks at (the marker and every column asked
    /// for with [`Table::col`]); the rest of a row is only counted.
    need: AtomicUsize,
}

#[derive(Clone, Copy)]
struct Col {
    /// Index into a row's fields (0 is the `%R` marker).
    ix: Option<usize>,
    name: &'static str,
}

impl Table<'_> {
    fn col(&self, name: &'static str) -> Col {
        let ix = self
            .cols
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name.as_bytes()))
            .map(|i| i + 1);
        if let Some(i) = ix {
            self.need.fetch_max(i + 1, Ordering::Relaxed);
        }
        Col { ix, name }
    }

    fn is(&self, name: &str) -> bool {
        self.canon == name
    }
}

struct Header<'a> {
    currency: Option<&'a [u8]>,
    export_type: &'a [u8],
    body: usize,
}

fn is_marker(line: &[u8], marker: &[u8; 2]) -> bool {
    line.starts_with(marker) && line.get(2).is_none_or(|b| b.is_ascii_whitespace())
}

fn is_end_line(line: &[u8]) -> bool {
    line.starts_with(b"%E") && line[2..].iter().all(u8::is_ascii_whitespace)
}

fn read_header(bytes: &[u8], start: usize, enc: Encoding) -> Result<Header<'_>, Fail> {
    let not_xer = |what: String| {
        Fail::new(
            start,
            FailKind::NotXer {
                what,
                hint: "a P6 XER export starts with an ERMHDR line; check that this is the \
                       .xer file itself (not P6 XML, an .mpp, a zip or a spreadsheet)",
            },
        )
    };
    if start >= bytes.len() {
        return Err(not_xer("the file is empty".into()));
    }
    let line = line_from(bytes, start);
    if !(line.starts_with(b"ERMHDR") && line.get(6).is_none_or(|&b| b == b'\t' || b == b' ')) {
        return Err(not_xer(format!(
            "the first line is {:?}, not an ERMHDR header",
            show(line, enc)
        )));
    }
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    let currency = fields.get(8).map(|c| trim(c)).filter(|c| !c.is_empty());
    let export_type = fields.get(3).map_or(&b""[..], |c| trim(c));
    let body = memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p + 1);
    Ok(Header {
        currency,
        export_type,
        body,
    })
}

/// What one parallel pass over the whole file finds: whether it is ASCII, whether it is
/// valid UTF-8, where every line ends, and where the lines that start with `%T` or `%E`
/// begin (in order).
struct Survey {
    ascii: bool,
    utf8: bool,
    line_ends: Vec<usize>,
    markers: Vec<usize>,
}

fn survey(bytes: &[u8], start: usize) -> Survey {
    // Line-aligned chunks: a newline is a character boundary in UTF-8, so each chunk can
    // be validated on its own.
    let chunks = chunk_ranges(bytes, start, bytes.len(), CHUNK);
    let parts: Vec<(bool, bool, Vec<usize>, Vec<usize>)> = chunks
        .par_iter()
        .map(|&(s, e)| {
            let chunk = &bytes[s..e];
            // Both looks at a piece while it is in cache: the file is read from memory once.
            const PIECE: usize = 1 << 16;
            let mut ascii = true;
            let mut ends: Vec<usize> = Vec::new();
            for (k, piece) in chunk.chunks(PIECE).enumerate() {
                ascii &= piece.is_ascii();
                let base = s + k * PIECE;
                ends.extend(memchr_iter(b'\n', piece).map(|p| base + p));
            }
            let utf8 = ascii || std::str::from_utf8(chunk).is_ok();
            let markers = ends
                .iter()
                .map(|&p| p + 1)
                .filter(|&q| {
                    bytes.get(q) == Some(&b'%') && matches!(bytes.get(q + 1), Some(b'T' | b'E'))
                })
                .collect();
            (ascii, utf8, ends, markers)
        })
        .collect();
    let mut out = Survey {
        ascii: true,
        utf8: true,
        line_ends: Vec::with_capacity(parts.iter().map(|p| p.2.len()).sum()),
        markers: Vec::new(),
    };
    for (ascii, utf8, ends, markers) in parts {
        out.ascii &= ascii;
        out.utf8 &= utf8;
        out.line_ends.extend(ends);
        out.markers.extend(markers);
    }
    out
}

/// One pass over the structure lines: table boundaries and the `%E` line. `markers` are
/// the starts of the lines that begin with `%T` or `%E` (from [`survey`]).
fn scan_tables<'a>(
    bytes: &'a [u8],
    body: usize,
    enc: Encoding,
    markers: &[usize],
) -> Result<(Vec<Table<'a>>, usize), Fail> {
    let n = bytes.len();
    let mut tables: Vec<Table<'_>> = Vec::new();
    let mut expect_fields = false;
    // Rows are checked later, in parallel, by `par_rows` and `rows_in_place`: after a
    // table's %F line the scan jumps straight to the next line that starts with %T or %E.
    let next_marker = |from: usize| -> usize {
        markers
            .get(markers.partition_point(|&q| q < from))
            .copied()
            .unwrap_or(n)
    };
    let mut ls = body;
    while ls < n {
        let le = memchr(b'\n', &bytes[ls..]).map_or(n, |p| ls + p);
        let next = if le < n { le + 1 } else { n };
        let line = strip_cr(&bytes[ls..le]);
        if expect_fields {
            expect_fields = false;
            if is_marker(line, b"%F") {
                if let Some(t) = tables.last_mut() {
                    t.cols = line
                        .get(3..)
                        .unwrap_or(&[])
                        .split(|&b| b == b'\t')
                        .map(trim)
                        .collect();
                    if line.len() <= 3 {
                        t.cols.clear();
                    }
                    t.start = next;
                }
                ls = next_marker(next);
                continue;
            }
            if !(is_marker(line, b"%T") || is_end_line(line)) {
                let name = tables.last().map_or(String::new(), |t| show(t.name, enc));
                return Err(Fail::malformed(
                    ls,
                    format!("table {name}: the line after %T is not the %F column-name line"),
                    "each %T table line must be followed by a %F line naming the columns; \
                     the file was damaged or hand-edited, re-export it from P6",
                ));
            }
        }
        if line.first() == Some(&b'%') {
            if is_marker(line, b"%T") {
                if let Some(t) = tables.last_mut() {
                    t.end = ls;
                }
                let name = trim(line.get(2..).unwrap_or(&[]));
                if name.is_empty() {
                    return Err(Fail::malformed(
                        ls,
                        "%T line without a table name",
                        "write the table name after %T and a tab, e.g. %T<tab>TASK",
                    ));
                }
                tables.push(Table {
                    name,
                    canon: MAPPED
                        .iter()
                        .find(|m| name.eq_ignore_ascii_case(m.as_bytes()))
                        .copied()
                        .unwrap_or(""),
                    cols: Vec::new(),
                    start: next,
                    end: n,
                    need: AtomicUsize::new(1),
                });
                expect_fields = true;
            } else if is_end_line(line) {
                if let Some(t) = tables.last_mut() {
                    t.end = ls;
                }
                return Ok((tables, ls));
            } else if tables.is_empty() {
                return Err(Fail::malformed(
                    ls,
                    format!("{:?} before the first %T table line", show(line, enc)),
                    "after the ERMHDR line an XER file continues with %T<tab>TABLE lines",
                ));
            }
        } else if tables.is_empty() && !trim(line).is_empty() {
            return Err(Fail::malformed(
                ls,
                format!("{:?} before the first %T table line", show(line, enc)),
                "after the ERMHDR line an XER file continues with %T<tab>TABLE lines",
            ));
        }
        ls = next;
    }
    // The last line with text on it, for the message.
    let mut last_text_line = body.min(n);
    let mut le = n;
    while le > body {
        let ls = memrchr(b'\n', &bytes[body..le]).map_or(body, |p| body + p + 1);
        if !trim(strip_cr(&bytes[ls..le])).is_empty() {
            last_text_line = ls;
            break;
        }
        le = ls.saturating_sub(1);
    }
    let last_line = line_from(bytes, last_text_line);
    Err(Fail::new(
        last_text_line,
        FailKind::Truncated {
            what: format!(
                "no %E end line; the file stops at this line: {:?}",
                show(last_line, enc)
            ),
            hint: "the export was cut short (interrupted download or copy, full disk); \
                   export the project from P6 again",
        },
    ))
}

/// Splits `[start, end)` into line-aligned ranges of about `size` bytes.
fn chunk_ranges(bytes: &[u8], start: usize, end: usize, size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = start;
    while s < end {
        let target = s.saturating_add(size);
        if target >= end {
            out.push((s, end));
            break;
        }
        let e = memchr(b'\n', &bytes[target..end]).map_or(end, |p| target + p + 1);
        out.push((s, e));
        s = e;
    }
    out
}

/// High bit set in the bytes of the 8 starting at `at` that are tabs (bytes past the end
/// count as zero, which is not a tab).
fn tab_mask(line: &[u8], at: usize) -> u64 {
    let word = match line.get(at..at + 8) {
        Some(w) => <[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes),
        None => {
            let mut w = [0u8; 8];
            let rest = line.get(at..).unwrap_or(&[]);
            w[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(w)
        }
    };
    zero_bytes(word ^ 0x0909_0909_0909_0909)
}

/// High bit set in exactly the bytes of `x` that are zero.
fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// Splits one line (without its line end) on tabs into `fields`, keeping at most `cap`
/// values (found 8 bytes at a time: values are short, so a word-at-a-time scan beats a
/// vector search that restarts at every hit); the tabs after those are only counted.
/// Returns the number of tabs.
fn split_line<'a>(line: &'a [u8], cap: usize, fields: &mut Vec<&'a [u8]>) -> usize {
    let mut field_start = 0;
    let mut word = 0;
    while word < line.len() {
        let mut mask = tab_mask(line, word);
        while mask != 0 {
            let pos = word + (mask.trailing_zeros() / 8) as usize;
            mask &= mask - 1;
            fields.push(&line[field_start..pos]);
            field_start = pos + 1;
            if fields.len() == cap {
                let rest = line.get(word + 8..).unwrap_or(&[]);
                return fields.len()
                    + mask.count_ones() as usize
                    + rest.iter().filter(|&&b| b == b'\t').count();
            }
        }
        word += 8;
    }
    fields.push(&line[field_start..]);
    fields.len() - 1
}

/// `Ok(true)` for a data row, `Ok(false)` for a blank line. `found` counts the row's
/// values (its tabs).
fn check_row(
    fields: &[&[u8]],
    found: usize,
    at: usize,
    t: &Table<'_>,
    enc: Encoding,
) -> Result<bool, Fail> {
    let first = fields.first().copied().unwrap_or(&[]);
    if found == 0 && trim(first).is_empty() {
        return Ok(false);
    }
    if first != b"%R" {
        return Err(Fail::malformed(
            at,
            format!(
                "table {}: expected a %R row, found {:?}",
                show(t.name, enc),
                show(first, enc)
            ),
            "inside a table every line is %R<tab>values…; the file was damaged or \
             hand-edited, re-export it from P6",
        ));
    }
    if found > t.cols.len() {
        return Err(Fail::new(
            at,
            FailKind::TooManyFields {
                table: show(t.name, enc),
                declared: t.cols.len(),
                found,
            },
        ));
    }
    Ok(true)
}

const CHUNK: usize = 1 << 20;

/// The lines of one table, from the survey's line index: each ends at one of `ends`,
/// and a last one may run to the table's end without a newline.
struct TableLines<'c> {
    ends: &'c [usize],
    start: usize,
    end: usize,
    tail: bool,
    /// How many of a row's fields are kept (`Table::need`).
    cap: usize,
}

impl<'c> TableLines<'c> {
    fn of(ctx: &Ctx<'c>, t: &Table<'_>) -> TableLines<'c> {
        let ends = &ctx.line_ends[ctx.line_ends.partition_point(|&p| p < t.start)..];
        let ends = &ends[..ends.partition_point(|&p| p < t.end)];
        TableLines {
            ends,
            start: t.start,
            end: t.end,
            tail: ends.last().map_or(t.start, |&p| p + 1) < t.end,
            cap: t.need.load(Ordering::Relaxed).max(1),
        }
    }

    fn len(&self) -> usize {
        self.ends.len() + usize::from(self.tail)
    }

    /// Splits line `i` into `fields` (`fields[0]` the `%R` marker, `fields[k]` the value
    /// of column `k` for the columns the reader asked for; the other values are only
    /// counted, so a freak line cannot eat memory) and gives a data row to `f`; a blank
    /// line gives None.
    fn row<'a, T>(
        &self,
        ctx: &Ctx<'a>,
        t: &Table<'a>,
        i: usize,
        fields: &mut Vec<&'a [u8]>,
        f: impl Fn(&Row<'_, 'a>) -> Result<Option<T>, Fail>,
    ) -> Result<Option<T>, Fail> {
        let at = match i {
            0 => self.start,
            _ => self.ends[i - 1] + 1,
        };
        let le = self.ends.get(i).copied().unwrap_or(self.end);
        fields.clear();
        let found = split_line(strip_cr(&ctx.bytes[at..le]), self.cap, fields);
        if !check_row(fields, found, at, t, ctx.enc)? {
            return Ok(None);
        }
        f(&Row {
            ctx,
            table: t,
            at,
            fields,
        })
    }
}

/// Parses the rows of a big table in parallel straight into one vector in file order
/// (no per-chunk vectors to copy out of; the lines are known from [`survey`]): `f` gives a row's value and where it goes
/// (`None` leaves the row out; its slot then holds `T::default()`, for [`distribute`] to
/// drop). The first error in file order wins.
fn rows_in_place<'a, T, M, F>(
    ctx: &Ctx<'a>,
    t: &Table<'a>,
    f: F,
) -> Result<(Vec<T>, Vec<Option<M>>), Fail>
where
    T: Send + Default,
    M: Send,
    F: Fn(&Row<'_, 'a>) -> Result<Option<(T, M)>, Fail> + Sync,
{
    let lines = TableLines::of(ctx, t);
    let first_fail: Mutex<Option<Fail>> = Mutex::new(None);
    let (mut values, mut places) = (Vec::new(), Vec::new());
    (0..lines.len())
        .into_par_iter()
        .map_init(
            || Vec::with_capacity(lines.cap),
            |fields: &mut Vec<&'a [u8]>, i| match lines.row(ctx, t, i, fields, &f) {
                Ok(Some((value, place))) => (value, Some(place)),
                Ok(None) => (T::default(), None),
                Err(e) => {
                    let mut first = first_fail.lock().unwrap_or_else(PoisonError::into_inner);
                    if first.as_ref().is_none_or(|f| e.at < f.at) {
                        *first = Some(e);
                    }
                    (T::default(), None)
                }
            },
        )
        .unzip_into_vecs(&mut values, &mut places);
    match first_fail
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok((values, places)),
    }
}

/// Moves `values[i]` to the end of `out[p]` for each `places[i] == Some(p)`, in order,
/// and drops the rest. With one destination the vector itself is kept (no copy).
fn distribute<T>(mut values: Vec<T>, places: &[Option<usize>], out: &mut [Vec<T>]) {
    if let [only] = out {
        if places.iter().any(Option::is_none) {
            let mut place = places.iter();
            values.retain(|_| place.next().is_some_and(Option::is_some));
        }
        if only.is_empty() {
            *only = values;
        } else {
            only.append(&mut values);
        }
        return;
    }
    let mut counts = vec![0usize; out.len()];
    for &p in places.iter().flatten() {
        counts[p] += 1;
    }
    for (v, n) in out.iter_mut().zip(counts) {
        v.reserve(n);
    }
    for (value, place) in values.into_iter().zip(places) {
        if let Some(p) = *place {
            out[p].push(value);
        }
    }
}

/// Lines parsed per parallel chunk by [`par_rows`].
const ROWS_PER_CHUNK: usize = 8192;

/// Parses the rows of one table in chunks of lines in parallel; the results come back
/// per chunk in file order, and the first error (in file order) wins.
fn par_rows<'a, T, F>(ctx: &Ctx<'a>, t: &Table<'a>, f: F) -> Result<Vec<Vec<T>>, Fail>
where
    T: Send,
    F: Fn(&Row<'_, 'a>) -> Result<Option<T>, Fail> + Sync,
{
    let lines = TableLines::of(ctx, t);
    let run = |first: usize| -> Result<Vec<T>, Fail> {
        let last = (first + ROWS_PER_CHUNK).min(lines.len());
        let mut out = Vec::with_capacity(last - first);
        let mut fields = Vec::with_capacity(lines.cap);
        for i in first..last {
            if let Some(v) = lines.row(ctx, t, i, &mut fields, &f)? {
                out.push(v);
            }
        }
        Ok(out)
    };
    let firsts: Vec<usize> = (0..lines.len()).step_by(ROWS_PER_CHUNK).collect();
    let parts: Vec<Result<Vec<T>, Fail>> = if firsts.len() > 1 {
        firsts.into_par_iter().map(run).collect()
    } else {
        firsts.into_iter().map(run).collect()
    };
    parts.into_iter().collect()
}

struct Ctx<'a> {
    bytes: &'a [u8],
    /// Offsets of every newline in the file (from [`survey`]).
    line_ends: &'a [usize],
    enc: Encoding,
    /// Decimal mark besides `.` (from CURRTYPE), or `.`.
    mark: u8,
}

/// One data row with typed accessors that produce located errors.
struct Row<'r, 'a> {
    ctx: &'r Ctx<'a>,
    table: &'r Table<'a>,
    at: usize,
    fields: &'r [&'a [u8]],
}

impl<'a> Row<'_, 'a> {
    fn raw(&self, c: Col) -> &'a [u8] {
        c.ix.and_then(|i| self.fields.get(i).copied())
            .unwrap_or(&[])
    }

    /// Trimmed raw value (ids, enumerations).
    fn id(&self, c: Col) -> &'a [u8] {
        trim(self.raw(c))
    }

    fn text(&self, c: Col) -> String {
        decode_text(self.raw(c), self.ctx.enc)
    }

    fn opt_text(&self, c: Col) -> Option<String> {
        let raw = self.raw(c);
        if trim(raw).is_empty() {
            None
        } else {
            Some(decode_text(raw, self.ctx.enc))
        }
    }

    fn fail_value(&self, c: Col, what: &'static str, hint: &'static str) -> Fail {
        Fail::new(
            self.at,
            FailKind::BadValue {
                table: self.table.canon,
                column: c.name,
                value: show(self.raw(c), self.ctx.enc),
                what,
                hint,
            },
        )
    }

    fn fail_ref(&self, c: Col, what: &'static str, hint: &'static str) -> Fail {
        Fail::new(
            self.at,
            FailKind::BadReference {
                table: self.table.canon,
                column: c.name,
                value: show(self.raw(c), self.ctx.enc),
                what,
                hint,
            },
        )
    }

    fn opt_dec(&self, c: Col) -> Result<Option<Decimal>, Fail> {
        let raw = self.raw(c);
        if trim(raw).is_empty() {
            return Ok(None);
        }
        parse_decimal(raw, self.ctx.mark).map(Some).ok_or_else(|| {
            self.fail_value(
                c,
                "not a decimal number",
                "P6 writes numbers like 8 or -16.5 (hours for *_hr_cnt columns)",
            )
        })
    }

    fn dec(&self, c: Col) -> Result<Decimal, Fail> {
        Ok(self.opt_dec(c)?.unwrap_or(Decimal::ZERO))
    }

    fn int(&self, c: Col) -> Result<i64, Fail> {
        let raw = self.raw(c);
        if trim(raw).is_empty() {
            return Ok(0);
        }
        parse_int(raw)
            .ok_or_else(|| self.fail_value(c, "not a whole number", "P6 writes e.g. 10 here"))
    }

    fn date(&self, c: Col) -> Result<Option<PrimitiveDateTime>, Fail> {
        parse_datetime(self.raw(c)).map_err(|()| {
            self.fail_value(
                c,
                "not a date",
                "P6 writes dates as yyyy-MM-dd HH:mm (e.g. 2024-03-01 08:00)",
            )
        })
    }

    /// The row's key column: must not be empty.
    fn key(&self, c: Col) -> Result<&'a [u8], Fail> {
        let k = self.id(c);
        if k.is_empty() {
            let what = if c.ix.is_none() {
                "the table has no such column"
            } else {
                "the key is empty"
            };
            return Err(self.fail_value(c, what, "every row of this table needs its id"));
        }
        Ok(k)
    }

    fn enumeration<T: Copy>(&self, c: Col, e: &Enumeration<T>, default: T) -> Result<T, Fail> {
        let v = self.id(c);
        if v.is_empty() {
            return Ok(default);
        }
        e.values
            .iter()
            .find(|(name, _)| name.as_bytes() == v)
            .map(|&(_, value)| value)
            .ok_or_else(|| self.fail_value(c, "not a value P6 uses here", e.hint))
    }
}

// ---------------------------------------------------------------------------------------
// Enumerations.

/// A closed set of values a column may hold, and the hint listing them.
struct Enumeration<T: 'static> {
    values: &'static [(&'static str, T)],
    hint: &'static str,
}

const TASK_TYPES: Enumeration<ActivityKind> = Enumeration {
    values: &[
        ("TT_Task", ActivityKind::Task),
        ("TT_Mile", ActivityKind::StartMilestone),
        ("TT_FinMile", ActivityKind::FinishMilestone),
        ("TT_LOE", ActivityKind::LevelOfEffort),
        ("TT_WBS", ActivityKind::WbsSummary),
        ("TT_Rsrc", ActivityKind::ResourceDependent),
    ],
    hint: "P6 activity types are TT_Task, TT_Mile, TT_FinMile, TT_LOE, TT_WBS and TT_Rsrc",
};

const STATUSES: Enumeration<Status> = Enumeration {
    values: &[
        ("TK_NotStart", Status::NotStarted),
        ("TK_Active", Status::InProgress),
        ("TK_Complete", Status::Complete),
    ],
    hint: "P6 activity statuses are TK_NotStart, TK_Active and TK_Complete",
};

const CONSTRAINTS: Enumeration<Option<ConstraintKind>> = Enumeration {
    values: &[
        ("CS_MSO", Some(ConstraintKind::StartOn)),
        ("CS_MSOA", Some(ConstraintKind::StartOnOrAfter)),
        ("CS_MSOB", Some(ConstraintKind::StartOnOrBefore)),
        ("CS_MEO", Some(ConstraintKind::FinishOn)),
        ("CS_MEOA", Some(ConstraintKind::FinishOnOrAfter)),
        ("CS_MEOB", Some(ConstraintKind::FinishOnOrBefore)),
        ("CS_MANDSTART", Some(ConstraintKind::MandatoryStart)),
        ("CS_MANDFIN", Some(ConstraintKind::MandatoryFinish)),
        ("CS_ALAP", Some(ConstraintKind::AsLateAsPossible)),
    ],
    hint: "P6 constraint types are CS_MSO, CS_MSOA, CS_MSOB, CS_MEO, CS_MEOA, CS_MEOB, \
           CS_MANDSTART, CS_MANDFIN and CS_ALAP",
};

const LINK_TYPES: Enumeration<LinkKind> = Enumeration {
    values: &[
        ("PR_FS", LinkKind::FinishToStart),
        ("PR_SS", LinkKind::StartToStart),
        ("PR_FF", LinkKind::FinishToFinish),
        ("PR_SF", LinkKind::StartToFinish),
        ("FS", LinkKind::FinishToStart),
        ("SS", LinkKind::StartToStart),
        ("FF", LinkKind::FinishToFinish),
        ("SF", LinkKind::StartToFinish),
    ],
    hint: "P6 relationship types are PR_FS, PR_SS, PR_FF and PR_SF (FS, SS, FF, SF also read)",
};

const RESOURCE_TYPES: Enumeration<ResourceKind> = Enumeration {
    values: &[
        ("RT_Labor", ResourceKind::Labor),
        ("RT_Equip", ResourceKind::Nonlabor),
        ("RT_Mat", ResourceKind::Material),
    ],
    hint: "P6 resource types are RT_Labor, RT_Equip and RT_Mat",
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PercentType {
    Duration,
    Units,
    Physical,
}

const PERCENT_TYPES: Enumeration<Option<PercentType>> = Enumeration {
    values: &[
        ("CP_Drtn", Some(PercentType::Duration)),
        ("CP_Units", Some(PercentType::Units)),
        ("CP_Phys", Some(PercentType::Physical)),
    ],
    hint: "P6 percent-complete types are CP_Drtn, CP_Units and CP_Phys",
};

// ---------------------------------------------------------------------------------------
// Calendars: P6 structured text.

#[derive(Default)]
struct StNode<'a> {
    name: &'a [u8],
    attrs: Vec<(&'a [u8], &'a [u8])>,
    children: Vec<StNode<'a>>,
}

impl<'a> StNode<'a> {
    fn attr(&self, key: &str) -> Option<&'a [u8]> {
        self.attrs
            .iter()
            .find(|(k, _)| trim(k).eq_ignore_ascii_case(key.as_bytes()))
            .map(|&(_, v)| v)
    }

    fn child(&self, name: &str) -> Option<&StNode<'a>> {
        self.children
            .iter()
            .find(|c| trim(c.name).eq_ignore_ascii_case(name.as_bytes()))
    }
}

const MAX_DEPTH: usize = 16;

struct StParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> StParser<'a> {
    fn skip_space(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            if b <= b' ' || b == 0x7F {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Parses the record at `pos` (which holds `(`). Returns the record, complete or as
    /// far as it parsed, and whether it parsed completely.
    fn record(&mut self, depth: usize) -> (StNode<'a>, bool) {
        let mut node = StNode::default();
        self.pos += 1; // '('
        let digits = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            return (node, false);
        }
        self.skip_space();
        let bars = self.pos;
        while self.peek() == Some(b'|') {
            self.pos += 1;
        }
        if self.pos - bars != 2 {
            return (node, false);
        }
        self.skip_space();
        let name_start = self.pos;
        match memchr(b'(', &self.s[self.pos..]) {
            Some(p) => {
                node.name = &self.s[name_start..self.pos + p];
                self.pos += p + 1;
            }
            None => return (node, false),
        }
        // Attributes: name|value|name|value)
        loop {
            let rest = &self.s[self.pos.min(self.s.len())..];
            let Some(p) = rest.iter().position(|&b| b == b'|' || b == b')') else {
                return (node, false);
            };
            if rest[p] == b')' {
                self.pos += p + 1;
                break;
            }
            let key = &rest[..p];
            self.pos += p + 1;
            let rest = &self.s[self.pos.min(self.s.len())..];
            let Some(q) = rest.iter().position(|&b| b == b'|' || b == b')') else {
                node.attrs.push((key, rest));
                return (node, false);
            };
            node.attrs.push((key, &rest[..q]));
            self.pos += q;
            if rest[q] == b'|' {
                self.pos += 1;
            }
        }
        self.skip_space();
        if self.peek() != Some(b'(') {
            return (node, false);
        }
        self.pos += 1;
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'(') if depth < MAX_DEPTH => {
                    let (child, ok) = self.record(depth + 1);
                    node.children.push(child);
                    if !ok {
                        return (node, false);
                    }
                }
                Some(b')') => {
                    self.pos += 1;
                    break;
                }
                _ => return (node, false),
            }
        }
        self.skip_space();
        if self.peek() == Some(b')') {
            self.pos += 1;
            (node, true)
        } else {
            (node, false)
        }
    }
}

fn parse_structured(s: &[u8]) -> Option<StNode<'_>> {
    let mut p = StParser { s, pos: 0 };
    p.skip_space();
    if p.peek() == Some(b'(') {
        Some(p.record(0).0)
    } else {
        None
    }
}

/// `HH:mm`, `H:mm`, optionally `:ss`, optionally ` AM`/` PM`; `24:00` reads as 00:00.
fn parse_clock(raw: &[u8]) -> Option<Time> {
    let s = trim(raw);
    let (clock, pm) = match s.len().checked_sub(2).map(|i| (&s[..i], &s[i..])) {
        Some((c, ap)) if ap.eq_ignore_ascii_case(b"AM") => (trim(c), Some(false)),
        Some((c, ap)) if ap.eq_ignore_ascii_case(b"PM") => (trim(c), Some(true)),
        _ => (s, None),
    };
    let mut parts = clock.split(|&b| b == b':');
    let h = parse_int(parts.next()?)?;
    let m = parse_int(parts.next()?)?;
    let sec = match parts.next() {
        Some(p) => parse_int(p)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let h = match pm {
        Some(pm) if (1..=12).contains(&h) => (h % 12) + if pm { 12 } else { 0 },
        Some(_) => return None,
        None => h,
    };
    if h == 24 && m == 0 && sec == 0 {
        return Some(Time::MIDNIGHT);
    }
    let h = u8::try_from(h).ok()?;
    let m = u8::try_from(m).ok()?;
    let sec = u8::try_from(sec).ok()?;
    Time::from_hms(h, m, sec).ok()
}

fn shifts_of(node: &StNode<'_>) -> Shifts {
    node.children
        .iter()
        .filter_map(|c| Some((parse_clock(c.attr("s")?)?, parse_clock(c.attr("f")?)?)))
        .collect()
}

const EXCEL_EPOCH: Date = time::macros::date!(1899 - 12 - 30);

/// Week (Monday = 0) and exceptions from `clndr_data`; never fails, keeps what parses.
fn parse_clndr_data(raw: &[u8]) -> ([Shifts; 7], Vec<(Date, Shifts)>) {
    let mut week: [Shifts; 7] = Default::default();
    let mut exceptions = Vec::new();
    let Some(root) = parse_structured(raw) else {
        return (week, exceptions);
    };
    if let Some(days) = root.child("DaysOfWeek") {
        for day in &days.children {
            let Some(n) = parse_int(day.name) else {
                continue;
            };
            if !(1..=7).contains(&n) {
                continue;
            }
            // P6: 1 = Sunday … 7 = Saturday; model: 0 = Monday … 6 = Sunday.
            let ix = usize::try_from((n + 5) % 7).unwrap_or(0);
            week[ix] = shifts_of(day);
        }
    }
    if let Some(list) = root.child("Exceptions") {
        for ex in &list.children {
            // Days since 1899-12-30; anything beyond the years `time` holds is skipped.
            let Some(serial) = ex
                .attr("d")
                .and_then(parse_int)
                .filter(|d| d.abs() <= 4_000_000)
            else {
                continue;
            };
            let Some(date) = EXCEL_EPOCH.checked_add(Duration::days(serial)) else {
                continue;
            };
            exceptions.push((date, shifts_of(ex)));
        }
    }
    (week, exceptions)
}

fn shift_minutes(from: Time, to: Time) -> i64 {
    let a = i64::from(from.hour()) * 60 + i64::from(from.minute());
    let b = i64::from(to.hour()) * 60 + i64::from(to.minute());
    if b > a {
        b - a
    } else {
        b + 24 * 60 - a
    }
}

/// Average working hours per working day of the week (for an empty day_hr_cnt).
fn derived_hours_per_day(week: &[Shifts; 7]) -> Decimal {
    let working: Vec<&Shifts> = week.iter().filter(|d| !d.is_empty()).collect();
    if working.is_empty() {
        return Decimal::ZERO;
    }
    let minutes: i64 = working
        .iter()
        .flat_map(|d| d.iter())
        .map(|&(a, b)| shift_minutes(a, b))
        .sum();
    let days = Decimal::from(working.len());
    (Decimal::from(minutes) / Decimal::from(60) / days).round_dp(2)
}

// ---------------------------------------------------------------------------------------
// The read.

/// What the TASK, TASKPRED and TASKRSRC rows are resolved against.
struct Lookups<'a> {
    projects: KeyMap<'a, usize>,
    project_count: usize,
    default_percent: Vec<Option<PercentType>>,
    /// PROJWBS ids → is the project node.
    wbs: KeyMap<'a, bool>,
    calendars: KeyMap<'a, ()>,
}

impl<'a> Lookups<'a> {
    fn project_of(&self, row: &Row<'_, 'a>, c: Col) -> Result<usize, Fail> {
        let raw = row.id(c);
        if raw.is_empty() {
            if self.project_count == 1 {
                return Ok(0);
            }
            return Err(row.fail_ref(
                c,
                "the row names no project and the file holds several",
                "give every row the proj_id of its PROJECT row",
            ));
        }
        self.projects.get(raw).copied().ok_or_else(|| {
            row.fail_ref(
                c,
                "no PROJECT row has this proj_id",
                "the PROJECT table must list every project whose rows the file holds",
            )
        })
    }

    fn calendar(&self, row: &Row<'_, 'a>, c: Col) -> Option<String> {
        let raw = row.id(c);
        self.calendars
            .contains_key(raw)
            .then(|| decode_text(raw, row.ctx.enc))
    }
}

/// The keys of one table seen so far, with the row each was first seen on.
struct Seen<'a> {
    index: IdIndex<'a>,
    first_at: Vec<usize>,
}

impl<'a> Seen<'a> {
    fn new<K: Into<Key<'a>>>(keys: impl Iterator<Item = K>) -> Seen<'a> {
        Seen {
            index: IdIndex::new(keys),
            first_at: Vec::new(),
        }
    }

    fn contains(&self, key: &'a [u8]) -> bool {
        self.index.get(key).is_some()
    }

    /// Records a key; `Ok(false)` when it repeats an identical row (skip it), an error
    /// when it repeats a different one.
    fn first_time(
        &mut self,
        bytes: &[u8],
        key: impl Into<Key<'a>>,
        at: usize,
        table: &'static str,
        enc: Encoding,
    ) -> Result<bool, Fail> {
        let key = key.into();
        match self.index.get(key).map(|e| self.first_at[e]) {
            None => {
                self.index.insert(key, self.first_at.len());
                self.first_at.push(at);
                Ok(true)
            }
            Some(first) if line_from(bytes, first) == line_from(bytes, at) => Ok(false),
            Some(first) => Err(Fail::new(
                at,
                FailKind::Duplicate {
                    table,
                    key: key.show(enc),
                    first_at: first,
                },
            )),
        }
    }
}

fn tables_named<'t, 'a>(tables: &'t [Table<'a>], name: &str) -> Vec<&'t Table<'a>> {
    tables.iter().filter(|t| t.is(name)).collect()
}

const MAPPED: [&str; 10] = [
    "CURRTYPE", "PROJECT", "CALENDAR", "PROJWBS", "RSRC", "UMEASURE", "TASK", "TASKPRED",
    "TASKRSRC", "TASKMEMO",
];

fn read_bytes(bytes: &[u8]) -> Result<Schedule, Fail> {
    let bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
    let start = if bom { 3 } else { 0 };
    let survey = survey(bytes, start);
    let enc = if (bom || !survey.ascii) && survey.utf8 {
        Encoding::Utf8
    } else {
        Encoding::Cp1252
    };
    let header = read_header(bytes, start, enc)?;
    let (tables, end_at) = scan_tables(bytes, header.body, enc, &survey.markers)?;
    let mut ctx = Ctx {
        bytes,
        line_ends: &survey.line_ends,
        enc,
        mark: b'.',
    };

    // Tables this reader does not map: only their structure is checked.
    let others: Vec<&Table<'_>> = tables.iter().filter(|t| t.canon.is_empty()).collect();
    others
        .par_iter()
        .map(|t| par_rows(&ctx, t, |_| Ok(None::<()>)).map(|_| ()))
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<Vec<()>, Fail>>()?;

    // CURRTYPE: the decimal mark of the header's currency.
    if let Some(currency) = header.currency {
        for t in tables_named(&tables, "CURRTYPE") {
            let (name, symbol) = (t.col("curr_short_name"), t.col("decimal_symbol"));
            let marks = par_rows(&ctx, t, |r| {
                Ok((r.id(name).eq_ignore_ascii_case(currency))
                    .then(|| r.id(symbol).first().copied()))
            })?;
            if let Some(Some(mark)) = marks.into_iter().flatten().next() {
                if mark != b'-' && !mark.is_ascii_digit() {
                    ctx.mark = mark;
                }
            }
        }
    }
    let ctx = ctx;

    // PROJECT.
    struct ProjectRow<'a> {
        at: usize,
        key: &'a [u8],
        project: Project,
        calendar: &'a [u8],
        percent: Option<PercentType>,
    }
    let mut project_rows: Vec<ProjectRow<'_>> = Vec::new();
    for t in tables_named(&tables, "PROJECT") {
        let c_id = t.col("proj_id");
        let c_short = t.col("proj_short_name");
        let c_start = t.col("plan_start_date");
        let c_end = t.col("plan_end_date");
        let c_data = t.col("last_recalc_date");
        let c_cal = t.col("clndr_id");
        let c_pct = t.col("def_complete_pct_type");
        project_rows.extend(
            par_rows(&ctx, t, |r| {
                let key = r.key(c_id)?;
                let id = r.text(c_short);
                Ok(Some(ProjectRow {
                    at: r.at,
                    key,
                    project: Project {
                        key: decode_text(key, ctx.enc),
                        name: id.clone(),
                        id,
                        planned_start: r.date(c_start)?,
                        must_finish: r.date(c_end)?,
                        data_date: r.date(c_data)?,
                        ..Project::default()
                    },
                    calendar: r.id(c_cal),
                    percent: r.enumeration(c_pct, &PERCENT_TYPES, None)?,
                }))
            })?
            .into_iter()
            .flatten(),
        );
    }
    let mut seen = Seen::new(project_rows.iter().map(|p| p.key));
    let mut projects: Vec<Project> = Vec::with_capacity(project_rows.len());
    let mut project_calendar: Vec<&[u8]> = Vec::new();
    let mut default_percent = Vec::new();
    let mut project_index: KeyMap<'_, usize> = key_map(project_rows.len());
    for p in project_rows {
        if seen.first_time(bytes, p.key, p.at, "PROJECT", enc)? {
            project_index.insert(p.key, projects.len());
            projects.push(p.project);
            project_calendar.push(p.calendar);
            default_percent.push(p.percent);
        }
    }
    if projects.is_empty() {
        let export = show(header.export_type, enc);
        let project_export = export.is_empty() || export.eq_ignore_ascii_case("Project");
        let mut what = if tables_named(&tables, "PROJECT").is_empty() {
            "the file has no PROJECT table".to_owned()
        } else {
            "the PROJECT table is empty".to_owned()
        };
        if !project_export {
            what.push_str(&format!(
                " (ERMHDR says this is a {export:?} export, which holds no schedule)"
            ));
        }
        return Err(Fail::new(
            end_at,
            FailKind::MissingTable {
                table: "PROJECT",
                what,
                hint: if project_export {
                    "a P6 project export always holds its PROJECT row; the file was \
                     filtered or hand-made, export the project from P6 again"
                } else {
                    "export the project itself from P6 (File > Export > Primavera PM \
                     (XER) > Project)"
                },
            },
        ));
    }
    let mut lk = Lookups {
        projects: project_index,
        project_count: projects.len(),
        default_percent,
        wbs: key_map(0),
        calendars: key_map(0),
    };

    // PROJWBS.
    struct WbsRow<'a> {
        at: usize,
        key: &'a [u8],
        project: usize,
        parent: &'a [u8],
        node: bool,
        wbs: Wbs,
    }
    let mut wbs_rows: Vec<WbsRow<'_>> = Vec::new();
    for t in tables_named(&tables, "PROJWBS") {
        let c_id = t.col("wbs_id");
        let c_proj = t.col("proj_id");
        let c_parent = t.col("parent_wbs_id");
        let c_node = t.col("proj_node_flag");
        let c_code = t.col("wbs_short_name");
        let c_name = t.col("wbs_name");
        let c_seq = t.col("seq_num");
        wbs_rows.extend(
            par_rows(&ctx, t, |r| {
                let key = r.key(c_id)?;
                Ok(Some(WbsRow {
                    at: r.at,
                    key,
                    project: lk.project_of(r, c_proj)?,
                    parent: r.id(c_parent),
                    node: r.id(c_node).eq_ignore_ascii_case(b"Y"),
                    wbs: Wbs {
                        key: decode_text(key, ctx.enc),
                        parent: None,
                        code: r.text(c_code),
                        name: r.text(c_name),
                        seq: r.int(c_seq)?,
                    },
                }))
            })?
            .into_iter()
            .flatten(),
        );
    }
    let mut seen = Seen::new(wbs_rows.iter().map(|w| w.key));
    let mut wbs_keep = Vec::with_capacity(wbs_rows.len());
    for w in wbs_rows {
        if seen.first_time(bytes, w.key, w.at, "PROJWBS", enc)? {
            lk.wbs.insert(w.key, w.node);
            wbs_keep.push(w);
        }
    }
    let mut named = vec![false; projects.len()];
    for w in wbs_keep {
        if w.node {
            if !named[w.project] && !w.wbs.name.is_empty() {
                projects[w.project].name = w.wbs.name;
                named[w.project] = true;
            }
            continue;
        }
        let mut wbs = w.wbs;
        wbs.parent = match lk.wbs.get(w.parent) {
            Some(false) => Some(decode_text(w.parent, enc)),
            _ => None,
        };
        projects[w.project].wbs.push(wbs);
    }

    // UMEASURE (for resource units).
    let mut units: KeyMap<'_, String> = key_map(0);
    for t in tables_named(&tables, "UMEASURE") {
        let (c_id, c_abbrev) = (t.col("unit_id"), t.col("unit_abbrev"));
        let rows = par_rows(&ctx, t, |r| Ok(Some((r.id(c_id), r.opt_text(c_abbrev)))))?;
        for (k, v) in rows.into_iter().flatten() {
            if let (false, Some(v)) = (k.is_empty(), v) {
                units.insert_if_absent(k, v);
            }
        }
    }

    // CALENDAR.
    struct CalendarRow<'a> {
        at: usize,
        key: &'a [u8],
        project: Option<usize>,
        base: &'a [u8],
        calendar: Calendar,
    }
    let mut calendar_rows: Vec<CalendarRow<'_>> = Vec::new();
    for t in tables_named(&tables, "CALENDAR") {
        let c_id = t.col("clndr_id");
        let c_name = t.col("clndr_name");
        let c_proj = t.col("proj_id");
        let c_base = t.col("base_clndr_id");
        let c_hours = t.col("day_hr_cnt");
        let c_data = t.col("clndr_data");
        calendar_rows.extend(
            par_rows(&ctx, t, |r| {
                let key = r.key(c_id)?;
                let (week, exceptions) = parse_clndr_data(r.raw(c_data));
                let hours_per_day = match r.opt_dec(c_hours)? {
                    Some(h) => h,
                    None => derived_hours_per_day(&week),
                };
                Ok(Some(CalendarRow {
                    at: r.at,
                    key,
                    project: lk.projects.get(r.id(c_proj)).copied(),
                    base: r.id(c_base),
                    calendar: Calendar {
                        key: decode_text(key, ctx.enc),
                        name: r.text(c_name),
                        base: None,
                        hours_per_day,
                        week,
                        exceptions,
                    },
                }))
            })?
            .into_iter()
            .flatten(),
        );
    }
    let mut seen = Seen::new(calendar_rows.iter().map(|c| c.key));
    let mut calendar_keep = Vec::with_capacity(calendar_rows.len());
    for c in calendar_rows {
        if seen.first_time(bytes, c.key, c.at, "CALENDAR", enc)? {
            lk.calendars.insert(c.key, ());
            calendar_keep.push(c);
        }
    }
    let mut global_calendars = Vec::new();
    for c in calendar_keep {
        let mut calendar = c.calendar;
        if !c.base.is_empty() && lk.calendars.contains_key(c.base) {
            calendar.base = Some(decode_text(c.base, enc));
        }
        match c.project {
            Some(p) => projects[p].calendars.push(calendar),
            None => global_calendars.push(calendar),
        }
    }
    for (project, raw) in projects.iter_mut().zip(project_calendar) {
        if lk.calendars.contains_key(raw) {
            project.calendar = Some(decode_text(raw, enc));
        }
    }

    // RSRC.
    let mut resource_rows = Vec::new();
    for t in tables_named(&tables, "RSRC") {
        let c_id = t.col("rsrc_id");
        let c_code = t.col("rsrc_short_name");
        let c_name = t.col("rsrc_name");
        let c_type = t.col("rsrc_type");
        let c_cal = t.col("clndr_id");
        let c_unit = t.col("unit_id");
        resource_rows.extend(
            par_rows(&ctx, t, |r| {
                let key = r.key(c_id)?;
                Ok(Some((
                    r.at,
                    key,
                    Resource {
                        key: decode_text(key, ctx.enc),
                        code: r.text(c_code),
                        name: r.text(c_name),
                        kind: r.enumeration(c_type, &RESOURCE_TYPES, ResourceKind::Labor)?,
                        calendar: lk.calendar(r, c_cal),
                        unit: units.get(r.id(c_unit)).cloned(),
                    },
                )))
            })?
            .into_iter()
            .flatten(),
        );
    }
    let mut resource_index = Seen::new(resource_rows.iter().map(|r| r.1));
    let mut resources = Vec::with_capacity(resource_rows.len());
    for (at, key, resource) in resource_rows {
        if resource_index.first_time(bytes, key, at, "RSRC", enc)? {
            resources.push(resource);
        }
    }

    // TASK.
    /// Where a TASK row's activity goes.
    struct TaskPlace<'a> {
        at: usize,
        /// Read while the row is at hand (the index is built from these).
        key: Key<'a>,
        project: usize,
    }
    let mut activities: Vec<Activity> = Vec::new();
    let mut task_places: Vec<Option<TaskPlace<'_>>> = Vec::new();
    for t in tables_named(&tables, "TASK") {
        let c = TaskCols::new(t);
        let (values, places) = rows_in_place(&ctx, t, |r| {
            let (project, activity) = task_row(r, &c, &lk)?;
            Ok(Some((
                activity,
                TaskPlace {
                    at: r.at,
                    key: Key::of(r.id(c.id)),
                    project,
                },
            )))
        })?;
        if activities.is_empty() {
            activities = values;
        } else {
            activities.extend(values);
        }
        if task_places.is_empty() {
            task_places = places;
        } else {
            task_places.extend(places);
        }
    }
    /// Where an activity went: project, position, and its row (for duplicates).
    #[derive(Clone, Copy)]
    struct TaskRef {
        project: usize,
        index: usize,
        at: usize,
    }
    // The index first (it is all TASKPRED, TASKRSRC and TASKMEMO need); the activities
    // move into their projects while those tables are read.
    let mut task_index = IdIndex::new(task_places.iter().flatten().map(|p| p.key));
    let mut task_refs: Vec<TaskRef> = Vec::with_capacity(task_places.len());
    let mut activity_counts = vec![0usize; projects.len()];
    // Rows that repeat an earlier one (left out), in order.
    let mut repeats: Vec<usize> = Vec::new();
    for (number, row) in task_places.iter().enumerate() {
        let Some(row) = row else { continue };
        if let Some(first) = task_index.get(row.key).map(|e| task_refs[e]) {
            if line_from(bytes, first.at) == line_from(bytes, row.at) {
                repeats.push(number);
                continue;
            }
            return Err(Fail::new(
                row.at,
                FailKind::Duplicate {
                    table: "TASK",
                    key: row.key.show(enc),
                    first_at: first.at,
                },
            ));
        }
        task_index.insert(row.key, task_refs.len());
        task_refs.push(TaskRef {
            project: row.project,
            index: activity_counts[row.project],
            at: row.at,
        });
        activity_counts[row.project] += 1;
    }
    let task = |raw: &[u8]| task_index.get(raw).map(|e| task_refs[e]);
    let place_activities = |projects: &mut Vec<Project>| {
        let mut repeats = repeats.iter().copied().peekable();
        let places: Vec<Option<usize>> = (task_places.iter().enumerate())
            .map(|(number, row)| match repeats.next_if_eq(&number) {
                Some(_) => None,
                None => row.as_ref().map(|r| r.project),
            })
            .collect();
        let mut per_project: Vec<Vec<Activity>> = projects.iter().map(|_| Vec::new()).collect();
        distribute(activities, &places, &mut per_project);
        for (p, a) in projects.iter_mut().zip(per_project) {
            p.activities = a;
        }
    };

    // TASKPRED and TASKRSRC, side by side: each gathers its project's rows in a vector of
    // its own (one per project), moved into the projects below.
    let project_count = projects.len();
    let relationships = || -> Result<Vec<Vec<Relationship>>, Fail> {
        let mut out: Vec<Vec<Relationship>> = (0..project_count).map(|_| Vec::new()).collect();
        for t in tables_named(&tables, "TASKPRED") {
            let c_succ = t.col("task_id");
            let c_pred = t.col("pred_task_id");
            let c_type = t.col("pred_type");
            let c_lag = t.col("lag_hr_cnt");
            let (links, places) = rows_in_place(&ctx, t, |r| {
                let kind = r.enumeration(c_type, &LINK_TYPES, LinkKind::FinishToStart)?;
                let lag_hours = r.dec(c_lag)?;
                let (succ, pred) = (r.id(c_succ), r.id(c_pred));
                let (Some(s), Some(_)) = (task(succ), task(pred)) else {
                    return Ok(None);
                };
                Ok(Some((
                    Relationship {
                        predecessor: decode_text(pred, ctx.enc),
                        successor: decode_text(succ, ctx.enc),
                        kind,
                        lag_hours,
                    },
                    s.project,
                )))
            })?;
            distribute(links, &places, &mut out);
        }
        Ok(out)
    };
    let assignments = || -> Result<Vec<Vec<Assignment>>, Fail> {
        let mut out: Vec<Vec<Assignment>> = (0..project_count).map(|_| Vec::new()).collect();
        for t in tables_named(&tables, "TASKRSRC") {
            let c_id = t.col("taskrsrc_id");
            let c_task = t.col("task_id");
            let c_rsrc = t.col("rsrc_id");
            let c_target = t.col("target_qty");
            let c_reg = t.col("act_reg_qty");
            let c_ot = t.col("act_ot_qty");
            let c_remain = t.col("remain_qty");
            let (rows, found) = rows_in_place(&ctx, t, |r| {
                let key = r.key(c_id)?;
                let planned_units = r.dec(c_target)?;
                let actual_units = r
                    .dec(c_reg)?
                    .checked_add(r.dec(c_ot)?)
                    .ok_or_else(|| r.fail_value(c_ot, "act_reg_qty + act_ot_qty overflows", ""))?;
                let remaining_units = r.dec(c_remain)?;
                let (task_id, rsrc) = (r.id(c_task), r.id(c_rsrc));
                let (Some(tr), true) = (task(task_id), resource_index.contains(rsrc)) else {
                    return Ok(None);
                };
                Ok(Some((
                    Assignment {
                        key: decode_text(key, ctx.enc),
                        activity: decode_text(task_id, ctx.enc),
                        resource: decode_text(rsrc, ctx.enc),
                        planned_units,
                        actual_units,
                        remaining_units,
                    },
                    (r.at, Key::of(key), tr.project),
                )))
            })?;
            let mut seen = Seen::new(found.iter().flatten().map(|f| f.1));
            let mut places = Vec::with_capacity(found.len());
            for f in &found {
                places.push(match *f {
                    Some((at, key, project)) => seen
                        .first_time(bytes, key, at, "TASKRSRC", enc)?
                        .then_some(project),
                    None => None,
                });
            }
            distribute(rows, &places, &mut out);
        }
        Ok(out)
    };
    let ((), (relationships, assignments)) = rayon::join(
        || place_activities(&mut projects),
        || rayon::join(relationships, assignments),
    );

    // TASKMEMO (its errors come before those of TASKPRED and TASKRSRC, as if the tables
    // were read one after the other).
    for t in tables_named(&tables, "TASKMEMO") {
        let (c_task, c_memo) = (t.col("task_id"), t.col("task_memo"));
        let memos = par_rows(&ctx, t, |r| {
            Ok(task(r.id(c_task)).map(|tr| (tr, r.opt_text(c_memo))))
        })?;
        for (tr, memo) in memos.into_iter().flatten() {
            let Some(memo) = memo else { continue };
            let notes = &mut projects[tr.project].activities[tr.index].notes;
            match notes {
                Some(existing) => {
                    existing.push('\n');
                    existing.push_str(&memo);
                }
                None => *notes = Some(memo),
            }
        }
    }
    let (relationships, assignments) = (relationships?, assignments?);
    for ((p, r), a) in projects.iter_mut().zip(relationships).zip(assignments) {
        p.relationships = r;
        p.assignments = a;
    }

    Ok(Schedule {
        projects,
        calendars: global_calendars,
        resources,
        currency: header.currency.map(|c| decode_text(c, enc)),
    })
}

struct TaskCols {
    id: Col,
    proj: Col,
    wbs: Col,
    cal: Col,
    code: Col,
    name: Col,
    kind: Col,
    status: Col,
    pct_type: Col,
    phys: Col,
    target_drtn: Col,
    remain_drtn: Col,
    act_work: Col,
    act_equip: Col,
    remain_work: Col,
    remain_equip: Col,
    early_start: Col,
    early_end: Col,
    restart: Col,
    reend: Col,
    target_start: Col,
    target_end: Col,
    act_start: Col,
    act_end: Col,
    cstr_type: Col,
    cstr_date: Col,
}

impl TaskCols {
    fn new(t: &Table<'_>) -> TaskCols {
        TaskCols {
            id: t.col("task_id"),
            proj: t.col("proj_id"),
            wbs: t.col("wbs_id"),
            cal: t.col("clndr_id"),
            code: t.col("task_code"),
            name: t.col("task_name"),
            kind: t.col("task_type"),
            status: t.col("status_code"),
            pct_type: t.col("complete_pct_type"),
            phys: t.col("phys_complete_pct"),
            target_drtn: t.col("target_drtn_hr_cnt"),
            remain_drtn: t.col("remain_drtn_hr_cnt"),
            act_work: t.col("act_work_qty"),
            act_equip: t.col("act_equip_qty"),
            remain_work: t.col("remain_work_qty"),
            remain_equip: t.col("remain_equip_qty"),
            early_start: t.col("early_start_date"),
            early_end: t.col("early_end_date"),
            restart: t.col("restart_date"),
            reend: t.col("reend_date"),
            target_start: t.col("target_start_date"),
            target_end: t.col("target_end_date"),
            act_start: t.col("act_start_date"),
            act_end: t.col("act_end_date"),
            cstr_type: t.col("cstr_type"),
            cstr_date: t.col("cstr_date"),
        }
    }
}

fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    Some(
        part.checked_mul(Decimal::ONE_HUNDRED)?
            .checked_div(whole)?
            .round_dp(2),
    )
}

fn task_row<'a>(
    r: &Row<'_, 'a>,
    c: &TaskCols,
    lk: &Lookups<'a>,
) -> Result<(usize, Activity), Fail> {
    let key = r.key(c.id)?;
    let project = lk.project_of(r, c.proj)?;
    let wbs_raw = r.id(c.wbs);
    let wbs = match lk.wbs.get(wbs_raw) {
        Some(false) => Some(decode_text(wbs_raw, r.ctx.enc)),
        _ => None,
    };
    let kind = r.enumeration(c.kind, &TASK_TYPES, ActivityKind::Task)?;
    let status = r.enumeration(c.status, &STATUSES, Status::NotStarted)?;
    let duration_hours = r.dec(c.target_drtn)?;
    let remaining_hours = r.dec(c.remain_drtn)?;
    let pct_type = r
        .enumeration(c.pct_type, &PERCENT_TYPES, None)?
        .or(lk.default_percent.get(project).copied().flatten())
        .unwrap_or(PercentType::Duration);
    let overflow = || r.fail_value(c.pct_type, "percent complete overflows", "");
    let percent_complete = match pct_type {
        PercentType::Physical => r.dec(c.phys)?,
        PercentType::Duration => {
            if duration_hours.is_zero() {
                if remaining_hours.is_zero() && status == Status::Complete {
                    Decimal::ONE_HUNDRED
                } else {
                    Decimal::ZERO
                }
            } else if remaining_hours < duration_hours {
                let done = duration_hours
                    .checked_sub(remaining_hours)
                    .ok_or_else(overflow)?;
                percent(done, duration_hours).ok_or_else(overflow)?
            } else {
                Decimal::ZERO
            }
        }
        PercentType::Units => {
            let done = r
                .dec(c.act_work)?
                .checked_add(r.dec(c.act_equip)?)
                .ok_or_else(overflow)?;
            let left = r
                .dec(c.remain_work)?
                .checked_add(r.dec(c.remain_equip)?)
                .ok_or_else(overflow)?;
            let whole = done.checked_add(left).ok_or_else(overflow)?;
            if done.is_zero() || whole.is_zero() {
                Decimal::ZERO
            } else {
                percent(done, whole).ok_or_else(overflow)?
            }
        }
    };
    let actual_start = r.date(c.act_start)?;
    let actual_finish = r.date(c.act_end)?;
    let restart = r.date(c.restart)?;
    let reend = r.date(c.reend)?;
    let baseline_start = r.date(c.target_start)?;
    let baseline_finish = r.date(c.target_end)?;
    let early_start = r.date(c.early_start)?;
    let early_finish = r.date(c.early_end)?;
    let constraint = match r.enumeration(c.cstr_type, &CONSTRAINTS, None)? {
        None => None,
        Some(ConstraintKind::AsLateAsPossible) => Some(Constraint {
            kind: ConstraintKind::AsLateAsPossible,
            date: None,
        }),
        Some(kind) => match r.date(c.cstr_date)? {
            Some(date) => Some(Constraint {
                kind,
                date: Some(date),
            }),
            None => {
                return Err(r.fail_value(
                    c.cstr_date,
                    "the constraint type needs a date",
                    "P6 writes cstr_date for every constraint except CS_ALAP",
                ))
            }
        },
    };
    Ok((
        project,
        Activity {
            key: decode_text(key, r.ctx.enc),
            code: r.text(c.code),
            name: r.text(c.name),
            wbs,
            calendar: lk.calendar(r, c.cal),
            kind,
            status,
            duration_hours,
            remaining_hours,
            percent_complete,
            start: actual_start.or(restart).or(baseline_start).or(early_start),
            finish: actual_finish.or(reend).or(baseline_finish).or(early_finish),
            actual_start,
            actual_finish,
            baseline_start,
            baseline_finish,
            constraint,
            elements: Vec::new(),
            notes: None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    /// Fixture text → XER bytes: `~` is a tab, `{HH}` a raw byte, `\n` the line end.
    fn fx(text: &str, crlf: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() + 64);
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'~' => out.push(b'\t'),
                b'\n' => {
                    if crlf {
                        out.push(b'\r');
                    }
                    out.push(b'\n');
                }
                b'{' if i + 3 < b.len() && b[i + 3] == b'}' => {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                }
                c => out.push(c),
            }
            i += 1;
        }
        out
    }

    fn read(bytes: &[u8]) -> Result<Schedule, XerError> {
        read_xer(Path::new("fixture.xer"), bytes)
    }

    /// 1-based line of the first line containing `needle`.
    fn line_of(bytes: &[u8], needle: &str) -> usize {
        let text = String::from_utf8_lossy(bytes);
        text.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const BASE: &str = "ERMHDR~20.12~2024-05-01~Project~admin~Admin~dbxDatabaseNoName~Project Management~USD
%T~CURRTYPE
%F~curr_id~decimal_symbol~digit_group_symbol~curr_short_name
%R~1~.~,~USD
%T~PROJECT
%F~proj_id~proj_short_name~clndr_id~plan_start_date~plan_end_date~last_recalc_date~def_complete_pct_type~export_flag
%R~10~P1~1~2024-01-02 08:00~2024-12-20 17:00~2024-03-01 08:00~CP_Drtn~Y
%T~CALENDAR
%F~clndr_id~clndr_name~proj_id~base_clndr_id~day_hr_cnt~clndr_data
%R~1~Standard~~~8~(0||CalendarData()({7F}{7F}  (0||DaysOfWeek()((0||1()())(0||2()((0||0(s|08:00|f|12:00)())(0||1(s|13:00|f|17:00)())))(0||7()())))(0||Exceptions()((0||0(d|45292)())))))
%R~2~Project cal~10~1~~(0||CalendarData()((0||DaysOfWeek()((0||3()((0||0(s|07:00|f|17:00)())))))))
%T~PROJWBS
%F~wbs_id~proj_id~parent_wbs_id~seq_num~proj_node_flag~wbs_short_name~wbs_name
%R~100~10~5~0~Y~P1~Project One
%R~101~10~100~10~N~A~Area A
%R~102~10~101~20~N~A.1~Level 1
%T~RSRC
%F~rsrc_id~rsrc_short_name~rsrc_name~rsrc_type~clndr_id~unit_id
%R~7~CARP~Carpenter~RT_Labor~1~
%T~TASK
%F~task_id~proj_id~wbs_id~clndr_id~task_code~task_name~task_type~status_code~complete_pct_type~phys_complete_pct~target_drtn_hr_cnt~remain_drtn_hr_cnt~act_start_date~act_end_date~restart_date~reend_date~target_start_date~target_end_date~early_start_date~early_end_date~cstr_type~cstr_date
%R~1000~10~100~1~A1000~Start~TT_Mile~TK_Complete~CP_Drtn~0~0~0~2024-01-02 08:00~~~~2024-01-02 08:00~2024-01-02 08:00~2024-03-01 08:00~2024-03-01 08:00~~
%R~1001~10~102~2~A1010~Excavate~TT_Task~TK_Active~CP_Drtn~0~40~16~2024-02-26 08:00~~2024-03-01 08:00~2024-03-04 17:00~2024-02-26 08:00~2024-03-01 17:00~2024-03-01 08:00~2024-03-04 17:00~CS_MSOA~2024-02-26 08:00
%R~1002~10~102~1~A1020~Pour~TT_Task~TK_NotStart~~~24~24~~~2024-03-05 08:00~2024-03-07 17:00~2024-03-05 08:00~2024-03-07 17:00~2024-03-06 08:00~2024-03-08 17:00~~
%T~TASKPRED
%F~task_pred_id~task_id~pred_task_id~proj_id~pred_proj_id~pred_type~lag_hr_cnt
%R~1~1001~1000~10~10~PR_FS~0
%R~2~1002~1001~10~10~PR_SS~-8
%T~TASKRSRC
%F~taskrsrc_id~task_id~proj_id~rsrc_id~target_qty~act_reg_qty~act_ot_qty~remain_qty
%R~50~1001~10~7~40~20~4~16
%T~TASKMEMO
%F~memo_id~task_id~memo_type_id~proj_id~task_memo
%R~9~1001~1~10~<p>Line 1</p>{7F}{7F}<p>Line \"\"two\"\"</p>
%E
";

    fn base() -> Vec<u8> {
        fx(BASE, true)
    }

    /// BASE with `from` replaced by `to` (exactly once).
    fn base_with(from: &str, to: &str) -> Vec<u8> {
        assert_eq!(BASE.matches(from).count(), 1, "{from}");
        fx(&BASE.replacen(from, to, 1), true)
    }

    #[test]
    fn base_fixture_maps_every_table() {
        let s = read(&base()).unwrap();
        assert_eq!(s.currency.as_deref(), Some("USD"));
        assert_eq!(s.projects.len(), 1);
        let p = &s.projects[0];
        assert_eq!(
            (p.key.as_str(), p.id.as_str(), p.name.as_str()),
            ("10", "P1", "Project One")
        );
        assert_eq!(p.planned_start, Some(datetime!(2024-01-02 08:00)));
        assert_eq!(p.must_finish, Some(datetime!(2024-12-20 17:00)));
        assert_eq!(p.data_date, Some(datetime!(2024-03-01 08:00)));
        assert_eq!(p.calendar.as_deref(), Some("1"));

        // Calendars: global 1, project 2 derived from 1.
        assert_eq!(s.calendars.len(), 1);
        let c = &s.calendars[0];
        assert_eq!(
            (c.key.as_str(), c.name.as_str(), c.base.as_deref()),
            ("1", "Standard", None)
        );
        assert_eq!(c.hours_per_day, d("8"));
        assert_eq!(
            c.week[0],
            vec![(time!(08:00), time!(12:00)), (time!(13:00), time!(17:00))]
        );
        assert!(c.week[6].is_empty() && c.week[5].is_empty() && c.week[1].is_empty());
        assert_eq!(c.exceptions, vec![(date!(2024 - 01 - 01), vec![])]);
        assert_eq!(p.calendars.len(), 1);
        let pc = &p.calendars[0];
        assert_eq!(pc.base.as_deref(), Some("1"));
        assert_eq!(pc.week[1], vec![(time!(07:00), time!(17:00))]);
        assert_eq!(
            pc.hours_per_day,
            d("10"),
            "derived from the week when day_hr_cnt is empty"
        );

        // WBS: the project node is not a WBS; its children have no parent.
        let wbs: Vec<(&str, Option<&str>, &str, &str, i64)> = p
            .wbs
            .iter()
            .map(|w| {
                (
                    w.key.as_str(),
                    w.parent.as_deref(),
                    w.code.as_str(),
                    w.name.as_str(),
                    w.seq,
                )
            })
            .collect();
        assert_eq!(
            wbs,
            vec![
                ("101", None, "A", "Area A", 10),
                ("102", Some("101"), "A.1", "Level 1", 20)
            ]
        );

        assert_eq!(s.resources.len(), 1);
        let r = &s.resources[0];
        assert_eq!(
            (r.key.as_str(), r.code.as_str(), r.name.as_str()),
            ("7", "CARP", "Carpenter")
        );
        assert_eq!(
            (r.kind, r.calendar.as_deref(), r.unit.as_deref()),
            (ResourceKind::Labor, Some("1"), None)
        );

        let a = &p.activities;
        assert_eq!(a.len(), 3);
        assert_eq!(
            (a[0].key.as_str(), a[0].code.as_str(), a[0].name.as_str()),
            ("1000", "A1000", "Start")
        );
        assert_eq!(a[0].wbs, None, "on the project node");
        assert_eq!(a[1].wbs.as_deref(), Some("102"));
        assert_eq!(a[1].calendar.as_deref(), Some("2"));
        assert_eq!(a[0].kind, ActivityKind::StartMilestone);
        assert_eq!(
            [a[0].status, a[1].status, a[2].status],
            [Status::Complete, Status::InProgress, Status::NotStarted]
        );
        assert_eq!(a[0].percent_complete, d("100"), "complete, zero duration");
        assert_eq!(a[1].percent_complete, d("60"), "(40 - 16) / 40");
        assert_eq!(a[2].percent_complete, d("0"), "project default CP_Drtn");
        assert_eq!(
            (a[1].duration_hours, a[1].remaining_hours),
            (d("40"), d("16"))
        );
        // start/finish: actual, else remaining early, else target, else early.
        assert_eq!(a[0].start, Some(datetime!(2024-01-02 08:00)));
        assert_eq!(
            a[0].finish,
            Some(datetime!(2024-01-02 08:00)),
            "target end (no actual/remaining)"
        );
        assert_eq!(a[1].start, Some(datetime!(2024-02-26 08:00)));
        assert_eq!(a[1].finish, Some(datetime!(2024-03-04 17:00)));
        assert_eq!(
            a[2].start,
            Some(datetime!(2024-03-05 08:00)),
            "restart, not early"
        );
        assert_eq!(a[1].actual_start, Some(datetime!(2024-02-26 08:00)));
        assert_eq!(a[1].actual_finish, None);
        assert_eq!(a[1].baseline_start, Some(datetime!(2024-02-26 08:00)));
        assert_eq!(a[1].baseline_finish, Some(datetime!(2024-03-01 17:00)));
        assert_eq!(
            a[1].constraint,
            Some(Constraint {
                kind: ConstraintKind::StartOnOrAfter,
                date: Some(datetime!(2024-02-26 08:00))
            })
        );
        assert_eq!(a[0].constraint, None);
        assert_eq!(
            a[1].notes.as_deref(),
            Some("<p>Line 1</p>\n<p>Line \"two\"</p>")
        );
        assert_eq!(a[0].notes, None);

        assert_eq!(
            p.relationships,
            vec![
                Relationship {
                    predecessor: "1000".into(),
                    successor: "1001".into(),
                    kind: LinkKind::FinishToStart,
                    lag_hours: d("0"),
                },
                Relationship {
                    predecessor: "1001".into(),
                    successor: "1002".into(),
                    kind: LinkKind::StartToStart,
                    lag_hours: d("-8"),
                },
            ]
        );
        assert_eq!(
            p.assignments,
            vec![Assignment {
                key: "50".into(),
                activity: "1001".into(),
                resource: "7".into(),
                planned_units: d("40"),
                actual_units: d("24"),
                remaining_units: d("16"),
            }]
        );
    }

    #[test]
    fn crlf_and_lf_read_the_same() {
        let crlf = read(&fx(BASE, true)).unwrap();
        let lf = read(&fx(BASE, false)).unwrap();
        assert_eq!(crlf, lf);
        // Mixed line ends too.
        let mut mixed = fx(BASE, false);
        let first = memchr(b'\n', &mixed).unwrap();
        mixed.insert(first, b'\r');
        assert_eq!(read(&mixed).unwrap(), lf);
    }

    #[test]
    fn del_bytes_are_newlines_and_quotes_are_undoubled() {
        let b = base_with("~Excavate~", "~Dig{7F}here \"\"now\"\"~");
        let s = read(&b).unwrap();
        assert_eq!(s.projects[0].activities[1].name, "Dig\nhere \"now\"");
        assert_eq!(
            decode_text(b"a\x7f\x7fb\x7fc\x7f\x7f\x7f\x7fd", Encoding::Cp1252),
            "a\nb\nc\n\nd"
        );
    }

    #[test]
    fn cp1252_quotes_and_euro() {
        let b = base_with("~Excavate~", "~{93}Zone A{94} {80}5 {96} caf{E9} {81}~");
        let s = read(&b).unwrap();
        assert_eq!(
            s.projects[0].activities[1].name,
            "\u{201C}Zone A\u{201D} \u{20AC}5 \u{2013} caf\u{E9} \u{81}"
        );
        for b in 0u8..=255 {
            let c = cp1252_char(b);
            if !(0x80..0xA0).contains(&b) {
                assert_eq!(c as u32, u32::from(b));
            }
        }
        assert_eq!(cp1252_char(0x9F), '\u{178}');
        assert_eq!(cp1252_char(0x8A), '\u{160}');
    }

    #[test]
    fn utf8_files_are_read_as_utf8() {
        let text = BASE.replacen("~Excavate~", "~B\u{E9}ton \u{201C}A\u{201D} \u{20AC}~", 1);
        let s = read(&fx(&text, true)).unwrap();
        assert_eq!(
            s.projects[0].activities[1].name,
            "B\u{E9}ton \u{201C}A\u{201D} \u{20AC}"
        );
        // With a BOM.
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend(fx(&text, false));
        assert_eq!(
            read(&bom).unwrap().projects[0].activities[1].name,
            "B\u{E9}ton \u{201C}A\u{201D} \u{20AC}"
        );
        // Not valid UTF-8 (a lone 0xE9): Windows-1252.
        let s = read(&base_with("~Excavate~", "~B{E9}ton~")).unwrap();
        assert_eq!(s.projects[0].activities[1].name, "B\u{E9}ton");
    }

    const MULTI: &str =
        "ERMHDR~20.12~2024-05-01~Project~admin~Admin~dbxDatabaseNoName~Project Management~USD
%T~PROJECT
%F~proj_id~proj_short_name~clndr_id
%R~10~ALPHA~1
%R~20~BETA~2
%T~CALENDAR
%F~clndr_id~clndr_name~proj_id~day_hr_cnt
%R~1~Global~~8
%R~2~Beta only~20~10
%T~PROJWBS
%F~wbs_id~proj_id~parent_wbs_id~proj_node_flag~wbs_short_name~wbs_name
%R~1~10~~Y~ALPHA~Alpha Tower
%R~2~20~~Y~BETA~Beta Bridge
%R~3~10~1~N~S~Structure
%R~4~20~2~N~D~Deck
%R~5~20~4~N~D1~Span 1
%T~RSRC
%F~rsrc_id~rsrc_short_name~rsrc_name~rsrc_type
%R~1~CR~Crane~RT_Equip
%R~2~CON~Concrete~RT_Mat
%T~TASK
%F~task_id~proj_id~wbs_id~clndr_id~task_code~task_name
%R~11~10~3~1~A-1~Alpha one
%R~21~20~5~2~B-1~Beta one
%R~12~10~3~1~A-2~Alpha two
%R~22~20~4~2~B-2~Beta two
%T~TASKPRED
%F~task_id~pred_task_id~proj_id~pred_proj_id~pred_type~lag_hr_cnt
%R~12~11~10~10~PR_FS~0
%R~22~21~20~20~PR_FF~2
%R~21~12~20~10~PR_FS~0
%R~21~999~20~30~PR_FS~0
%T~TASKRSRC
%F~taskrsrc_id~task_id~proj_id~rsrc_id~target_qty
%R~1~11~10~1~8
%R~2~22~20~2~30
%R~3~22~20~~4
%E
";

    #[test]
    fn multi_project_file() {
        let s = read(&fx(MULTI, false)).unwrap();
        assert_eq!(s.projects.len(), 2);
        let (a, b) = (&s.projects[0], &s.projects[1]);
        assert_eq!((a.id.as_str(), a.name.as_str()), ("ALPHA", "Alpha Tower"));
        assert_eq!((b.id.as_str(), b.name.as_str()), ("BETA", "Beta Bridge"));
        assert_eq!(
            a.activities
                .iter()
                .map(|x| x.code.as_str())
                .collect::<Vec<_>>(),
            ["A-1", "A-2"]
        );
        assert_eq!(
            b.activities
                .iter()
                .map(|x| x.code.as_str())
                .collect::<Vec<_>>(),
            ["B-1", "B-2"]
        );
        assert_eq!(
            a.wbs.iter().map(|w| w.key.as_str()).collect::<Vec<_>>(),
            ["3"]
        );
        assert_eq!(
            b.wbs
                .iter()
                .map(|w| (w.key.as_str(), w.parent.as_deref()))
                .collect::<Vec<_>>(),
            [("4", None), ("5", Some("4"))]
        );
        assert_eq!(
            s.calendars
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>(),
            ["1"]
        );
        assert_eq!(
            b.calendars
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>(),
            ["2"]
        );
        assert_eq!(b.calendar.as_deref(), Some("2"));
        // Relationships live with their successor; the one to a task outside the file is left out.
        assert_eq!(a.relationships.len(), 1);
        assert_eq!(
            b.relationships
                .iter()
                .map(|r| (r.predecessor.as_str(), r.successor.as_str()))
                .collect::<Vec<_>>(),
            [("21", "22"), ("12", "21")]
        );
        assert_eq!(b.relationships[0].kind, LinkKind::FinishToFinish);
        // Assignments live with their activity; the one without a resource is left out.
        assert_eq!(a.assignments.len(), 1);
        assert_eq!(b.assignments.len(), 1);
        assert_eq!(b.assignments[0].planned_units, d("30"));
        assert_eq!(
            s.resources.iter().map(|r| r.kind).collect::<Vec<_>>(),
            [ResourceKind::Nonlabor, ResourceKind::Material]
        );

        // A row without proj_id is ambiguous with two projects.
        let text = MULTI.replacen("%R~12~10~3~1~A-2", "%R~12~~3~1~A-2", 1);
        let bytes = fx(&text, false);
        let err = read(&bytes).unwrap_err();
        assert!(
            matches!(err, XerError::BadReference { column, .. } if column == "proj_id"),
            "{err}"
        );
        assert_eq!(err.line(), line_of(&bytes, "A-2"));
        // A proj_id that no PROJECT row has.
        let bytes = fx(
            &MULTI.replacen("%R~12~10~3~1~A-2", "%R~12~30~3~1~A-2", 1),
            false,
        );
        let err = read(&bytes).unwrap_err();
        assert!(matches!(err, XerError::BadReference { .. }), "{err}");
        assert_eq!(err.line(), line_of(&bytes, "A-2"));
    }

    #[test]
    fn single_project_rows_without_proj_id() {
        let text = "ERMHDR~1.0~2026-01-20
%T~PROJECT
%F~proj_id~proj_short_name
%R~1~ONLY
%T~TASK
%F~task_id~task_code~task_name~target_start_date~target_end_date
%R~5~A5~Five~2026-01-15 08:00~2026-01-16 17:00
%R~6~A6~Six
%T~TASKPRED
%F~task_id~pred_task_id~pred_type~lag_hr_cnt
%R~6~5~FS~
%E
";
        let s = read(&fx(text, false)).unwrap();
        let p = &s.projects[0];
        assert_eq!(p.activities.len(), 2);
        assert_eq!(p.activities[0].start, Some(datetime!(2026-01-15 08:00)));
        assert_eq!(
            p.activities[1].start, None,
            "missing trailing values are empty"
        );
        assert_eq!(p.relationships.len(), 1);
        assert_eq!(p.relationships[0].lag_hours, Decimal::ZERO);
        assert_eq!(s.currency, None);
    }

    #[test]
    fn truncated_file_names_its_last_line() {
        let full = base();
        // Without the %E line.
        let cut = &full[..full.len() - 4];
        assert!(cut.ends_with(b"</p>\r\n"));
        let err = read(cut).unwrap_err();
        assert!(matches!(err, XerError::Truncated { .. }), "{err}");
        assert_eq!(err.line(), line_of(&full, "<p>Line 1"));
        assert!(err.to_string().contains("fixture.xer:"), "{err}");
        // Cut in the middle of a TASK row.
        let at = line_of(&full, "A1010");
        let pos = full.windows(5).position(|w| w == b"A1010").unwrap() + 3;
        let err = read(&full[..pos]).unwrap_err();
        assert!(matches!(err, XerError::Truncated { .. }), "{err}");
        assert_eq!(err.line(), at);
        assert!(err.to_string().contains("A10"), "{err}");
    }

    #[test]
    fn more_values_than_columns_is_an_error_fewer_is_not() {
        let b = base_with(
            "~CS_MSOA~2024-02-26 08:00",
            "~CS_MSOA~2024-02-26 08:00~extra",
        );
        let err = read(&b).unwrap_err();
        match &err {
            XerError::TooManyFields {
                table,
                declared,
                found,
                line,
                ..
            } => {
                assert_eq!((table.as_str(), *declared, *found), ("TASK", 22, 23));
                assert_eq!(*line, line_of(&b, "A1010"));
            }
            other => panic!("{other}"),
        }
        // Also in a table the reader does not map.
        let b = base_with(
            "%T~TASKPRED",
            "%T~UDFVALUE\n%F~udf_type_id~fk_id\n%R~1~2~3\n%T~TASKPRED",
        );
        let err = read(&b).unwrap_err();
        assert!(
            matches!(err, XerError::TooManyFields { ref table, .. } if table == "UDFVALUE"),
            "{err}"
        );
        assert_eq!(err.line(), line_of(&b, "%R\t1\t2\t3"));
        // A very long row is counted, not stored.
        let many = format!("%R~1~2~3{}", "~".repeat(100_000));
        let b = base_with(
            "%T~TASKPRED",
            &format!("%T~UDFVALUE\n%F~udf_type_id~fk_id\n{many}\n%T~TASKPRED"),
        );
        match read(&b).unwrap_err() {
            XerError::TooManyFields {
                found, declared, ..
            } => assert_eq!((found, declared), (100_003, 2)),
            other => panic!("{other}"),
        }
        // Fewer values: the rest are empty.
        let s = read(&base_with("~CS_MSOA~2024-02-26 08:00", "")).unwrap();
        assert_eq!(s.projects[0].activities[1].constraint, None);
    }

    #[test]
    fn missing_project_table() {
        let b = base_with(
            "%T~PROJECT\n%F~proj_id~proj_short_name~clndr_id~plan_start_date~plan_end_date~last_recalc_date~def_complete_pct_type~export_flag\n%R~10~P1~1~2024-01-02 08:00~2024-12-20 17:00~2024-03-01 08:00~CP_Drtn~Y\n",
            "",
        );
        let err = read(&b).unwrap_err();
        assert!(
            matches!(err, XerError::MissingTable { table, .. } if table == "PROJECT"),
            "{err}"
        );
        assert_eq!(err.line(), line_of(&b, "%E"));
        // A resource export says so in its header.
        let text =
            "ERMHDR~20.12~2024-05-01~Resource~admin~Admin~dbxDatabaseNoName~Project Management~USD
%T~RSRC
%F~rsrc_id~rsrc_short_name
%R~1~X
%E
";
        let err = read(&fx(text, false)).unwrap_err();
        assert!(err.to_string().contains("\"Resource\" export"), "{err}");
        assert!(err.hint().contains("Project"), "{err}");
        assert_eq!(err.line(), 5);
    }

    #[test]
    fn non_xer_input_is_rejected_at_line_1() {
        for input in [
            &b""[..],
            b"\r\n",
            b"<?xml version=\"1.0\"?><APIBusinessObjects/>",
            b"PK\x03\x04\x14\x00\x00\x00",
            b"task_id,task_code\n1,A\n",
            b"\xff\xfeE\x00R\x00M\x00",
            b"ERMHDRX\t1\n%E\n",
        ] {
            let err = read(input).unwrap_err();
            assert!(matches!(err, XerError::NotXer { .. }), "{err}");
            assert_eq!(err.line(), 1);
            assert!(!err.hint().is_empty());
        }
        // Header only: no %E.
        assert!(matches!(
            read(b"ERMHDR\t8.0").unwrap_err(),
            XerError::Truncated { .. }
        ));
        // Text between the header and the first table.
        let err = read(b"ERMHDR\t8.0\nhello\n%E\n").unwrap_err();
        assert!(matches!(err, XerError::Malformed { line: 2, .. }), "{err}");
        // %T without %F.
        let err = read(b"ERMHDR\t8.0\n%T\tPROJECT\n%R\t1\n%E\n").unwrap_err();
        assert!(matches!(err, XerError::Malformed { line: 3, .. }), "{err}");
        // A stray line inside a table.
        let b = base_with("%R~7~CARP", "oops\n%R~7~CARP");
        let err = read(&b).unwrap_err();
        assert!(matches!(err, XerError::Malformed { .. }), "{err}");
        assert_eq!(err.line(), line_of(&b, "oops"));
    }

    #[test]
    fn blank_lines_and_text_after_end_are_ignored() {
        let mut b = base_with("%T~RSRC", "\n%T~RSRC");
        b.extend_from_slice(b"garbage after the end\n%R\t1\n");
        assert_eq!(read(&b).unwrap(), read(&base()).unwrap());
    }

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
    }

    #[test]
    fn fuzz_never_panics() {
        // XER_FUZZ_ROUNDS raises the number of inputs (5000 per kind by default).
        let rounds: usize = std::env::var("XER_FUZZ_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5000);
        let mut rng = Lcg(42);
        const ALPHABET: &[u8] = b"\t\n\r%TFRE0123456789-:.|()~ERMHDR_\x7f\x93\xe9\xc3 ";
        let base = base();
        for i in 0..rounds {
            let len = (rng.next() % 600) as usize;
            let mut input: Vec<u8> = Vec::with_capacity(len + 32);
            if i % 2 == 0 {
                input.extend_from_slice(b"ERMHDR\t20.12\n");
            }
            for _ in 0..len {
                let r = rng.next();
                input.push(if r % 3 == 0 {
                    (r >> 8) as u8
                } else {
                    ALPHABET[(r >> 8) as usize % ALPHABET.len()]
                });
            }
            let _ = read(&input);
        }
        // Mutations of a valid file reach the table code.
        for _ in 0..rounds {
            let mut input = base.clone();
            for _ in 0..1 + rng.next() % 4 {
                let pos = (rng.next() as usize) % input.len();
                match rng.next() % 5 {
                    0 => input[pos] = rng.next() as u8,
                    1 => input.insert(pos, b'\t'),
                    2 => input.insert(pos, b'\n'),
                    3 => {
                        input.remove(pos);
                    }
                    _ => input.truncate(pos),
                }
                if input.is_empty() {
                    break;
                }
            }
            let _ = read(&input);
        }
        // And the calendar text.
        let cal = b"(0||CalendarData()((0||DaysOfWeek()((0||1()())(0||2()((0||0(s|08:00|f|12:00)())))))(0||Exceptions()((0||0(d|45292)((0||0(s|8:00 AM|f|4:00 PM)())))))))";
        for _ in 0..rounds {
            let mut c = cal.to_vec();
            let pos = (rng.next() as usize) % c.len();
            let alphabet = b"()|0123456789dsf:\x7f";
            c[pos] = alphabet[(rng.next() as usize) % alphabet.len()];
            let cut = (rng.next() as usize) % (c.len() + 1);
            let _ = parse_clndr_data(&c[..cut]);
        }
        let deep = "(0||a()(".repeat(10_000);
        let _ = parse_clndr_data(deep.as_bytes());
        let _ = parse_clndr_data(b"(0||x()((0||Exceptions()((0||0(d|99999999999999999999)())(0||1(d|-9223372036854775808)())))))");
    }

    #[test]
    fn calendar_data() {
        let data = b"(0||CalendarData()(\x7f\x7f  (0||DaysOfWeek()(\x7f\x7f    (0||1()())\x7f\x7f    (0||2()(\x7f\x7f      (0||0(s|08:00|f|12:00)())\x7f\x7f      (0||1(f|17:00|s|13:00)())))\x7f\x7f    (0||6()((0||0(s|8:00 AM|f|4:30 PM)())))\x7f\x7f    (0||7()((0||0(s|00:00|f|00:00)())))))\x7f\x7f  (0||VIEW(ShowTotal|Y)())\x7f\x7f  (0||Exceptions()(\x7f\x7f    (0||0(d|38355)())\x7f\x7f    (0||1(d|45292)((0||0(s|09:00|f|13:00)())))\x7f\x7f    (0||2(d|bad)())))))";
        let (week, exceptions) = parse_clndr_data(data);
        // Monday (P6 day 2), Friday (6), Saturday (7), Sunday (1).
        assert_eq!(
            week[0],
            vec![(time!(08:00), time!(12:00)), (time!(13:00), time!(17:00))]
        );
        assert!(week[1].is_empty() && week[2].is_empty() && week[3].is_empty());
        assert_eq!(week[4], vec![(time!(08:00), time!(16:30))]);
        assert_eq!(week[5], vec![(time!(00:00), time!(00:00))]);
        assert!(week[6].is_empty(), "Sunday has no shifts");
        assert_eq!(
            exceptions,
            vec![
                (date!(2005 - 01 - 03), vec![]),
                (date!(2024 - 01 - 01), vec![(time!(09:00), time!(13:00))]),
            ]
        );
        // Exupery-style root without a name.
        let (week, _) =
            parse_clndr_data(b"(0||()((0||DaysOfWeek()((0||4()((0||0(s|08:00|f|16:00)())))))))");
        assert_eq!(week[2], vec![(time!(08:00), time!(16:00))]);
        // Truncated: keeps what parsed.
        let cut = &data[..data.windows(10).position(|w| w == b"Exceptions").unwrap() + 20];
        let (week, exceptions) = parse_clndr_data(cut);
        assert_eq!(week[0].len(), 2);
        assert!(exceptions.is_empty());
        // Nothing usable at all, as in MPXJ's invalid-calendar sample.
        let (week, exceptions) = parse_clndr_data(b"(0||CalendarData()(");
        assert!(week.iter().all(Vec::is_empty) && exceptions.is_empty());
        assert_eq!(derived_hours_per_day(&week), Decimal::ZERO);
        // ... and the calendar row stays in the schedule.
        let b = base_with(
            "~8~(0||CalendarData()({7F}{7F}  (0||DaysOfWeek()",
            "~8~(0||CalendarData()(\n%R~3~Broken~~~~(0||CalendarData()({7F}{7F}  (0||DaysOfWeek()",
        );
        let s = read(&b).unwrap();
        assert_eq!(
            s.calendars
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["Standard", "Broken"]
        );
        assert!(s.calendars[0].week.iter().all(Vec::is_empty));
        assert_eq!(parse_clock(b"12:00 AM"), Some(time!(00:00)));
        assert_eq!(parse_clock(b"12:30 PM"), Some(time!(12:30)));
        assert_eq!(parse_clock(b"24:00"), Some(time!(00:00)));
        assert_eq!(parse_clock(b"25:00"), None);
        assert_eq!(parse_clock(b"13:00 PM"), None);
    }

    fn with_task(cols: &str, vals: &str) -> Vec<u8> {
        let text = format!(
            "ERMHDR~20.12~2024-05-01~Project~a~b~c~d~USD
%T~PROJECT
%F~proj_id~proj_short_name
%R~1~P
%T~TASK
%F~task_id~task_code~{cols}
%R~1~A~{vals}
%E
"
        );
        fx(&text, true)
    }

    fn one_task(cols: &str, vals: &str) -> Result<Activity, XerError> {
        read(&with_task(cols, vals)).map(|mut s| s.projects.remove(0).activities.remove(0))
    }

    #[test]
    fn task_types_statuses_and_constraints() {
        for &(raw, kind) in TASK_TYPES.values {
            assert_eq!(one_task("task_type", raw).unwrap().kind, kind);
        }
        assert_eq!(one_task("task_type", "").unwrap().kind, ActivityKind::Task);
        for &(raw, status) in STATUSES.values {
            assert_eq!(one_task("status_code", raw).unwrap().status, status);
        }
        for &(raw, kind) in CONSTRAINTS.values {
            let kind = kind.unwrap();
            let a = one_task("cstr_type~cstr_date", &format!("{raw}~2024-04-01 08:00")).unwrap();
            let expected_date =
                (kind != ConstraintKind::AsLateAsPossible).then_some(datetime!(2024-04-01 08:00));
            assert_eq!(
                a.constraint,
                Some(Constraint {
                    kind,
                    date: expected_date
                }),
                "{raw}"
            );
        }
        assert_eq!(
            one_task("cstr_type~cstr_date", "CS_ALAP~")
                .unwrap()
                .constraint,
            Some(Constraint {
                kind: ConstraintKind::AsLateAsPossible,
                date: None
            })
        );
        let err = one_task("cstr_type~cstr_date", "CS_MSO~").unwrap_err();
        assert!(
            matches!(err, XerError::BadValue { column, line: 7, .. } if column == "cstr_date"),
            "{err}"
        );
        let err = one_task("task_type", "TT_Hammock").unwrap_err();
        match &err {
            XerError::BadValue {
                table,
                column,
                value,
                line,
                hint,
                ..
            } => {
                assert_eq!(
                    (*table, *column, value.as_str(), *line),
                    ("TASK", "task_type", "TT_Hammock", 7)
                );
                assert!(hint.contains("TT_FinMile"), "{hint}");
            }
            other => panic!("{other}"),
        }
        assert!(matches!(
            one_task("status_code", "Done").unwrap_err(),
            XerError::BadValue { .. }
        ));
    }

    #[test]
    fn enumeration_hints_name_every_value() {
        fn check<T>(e: &Enumeration<T>) {
            for (name, _) in e.values {
                assert!(e.hint.contains(name), "{name} missing from {:?}", e.hint);
            }
        }
        check(&TASK_TYPES);
        check(&STATUSES);
        check(&CONSTRAINTS);
        check(&LINK_TYPES);
        check(&RESOURCE_TYPES);
        check(&PERCENT_TYPES);
    }

    #[test]
    fn percent_complete_follows_its_type() {
        let cols = "status_code~complete_pct_type~phys_complete_pct~target_drtn_hr_cnt~remain_drtn_hr_cnt~act_work_qty~act_equip_qty~remain_work_qty~remain_equip_qty";
        let pct = |vals: &str| one_task(cols, vals).unwrap().percent_complete;
        assert_eq!(pct("TK_Active~CP_Phys~37.5~10~5~~~~"), d("37.5"));
        assert_eq!(pct("TK_Active~CP_Drtn~37.5~30~20~~~~"), d("33.33"));
        assert_eq!(pct("TK_Active~CP_Drtn~~8~9~~~~"), d("0"));
        assert_eq!(pct("TK_Complete~CP_Drtn~~0~0~~~~"), d("100"));
        assert_eq!(pct("TK_Active~CP_Drtn~~0~0~~~~"), d("0"));
        assert_eq!(pct("TK_Active~CP_Units~~8~8~10~5~30~15"), d("25"));
        assert_eq!(pct("TK_NotStart~CP_Units~~8~8~0~0~30~15"), d("0"));
        assert_eq!(
            pct("TK_Active~~50~8~4~~~~"),
            d("50"),
            "no type anywhere: duration"
        );
    }

    #[test]
    fn link_types_and_lags() {
        let rel = |ty: &str, lag: &str| -> Result<Relationship, XerError> {
            let text = format!(
                "ERMHDR~20.12~2024-05-01~Project~a~b~c~d~USD
%T~PROJECT
%F~proj_id~proj_short_name
%R~1~P
%T~TASK
%F~task_id~proj_id~task_code
%R~1~1~A
%R~2~1~B
%T~TASKPRED
%F~task_pred_id~task_id~pred_task_id~pred_type~lag_hr_cnt
%R~9~2~1~{ty}~{lag}
%E
"
            );
            read(&fx(&text, false)).map(|mut s| s.projects.remove(0).relationships.remove(0))
        };
        for &(raw, kind) in LINK_TYPES.values {
            assert_eq!(rel(raw, "0").unwrap().kind, kind);
        }
        assert_eq!(rel("", "").unwrap().kind, LinkKind::FinishToStart);
        assert_eq!(rel("PR_FS", "16.5").unwrap().lag_hours, d("16.5"));
        assert_eq!(rel("PR_FS", "-8").unwrap().lag_hours, d("-8"));
        assert_eq!(rel("PR_FS", " 4 ").unwrap().lag_hours, d("4"));
        assert_eq!(rel("PR_FS", "").unwrap().lag_hours, Decimal::ZERO);
        assert_eq!(rel("PR_FS", "0.0000").unwrap().lag_hours, d("0.0000"));
        assert_eq!(
            rel("PR_FS", "12345678901234567890.5").unwrap().lag_hours,
            d("12345678901234567890.5")
        );
        let err = rel("PR_FS", "8h").unwrap_err();
        assert!(
            matches!(err, XerError::BadValue { column, line: 11, .. } if column == "lag_hr_cnt"),
            "{err}"
        );
        assert!(matches!(
            rel("PR_XX", "0").unwrap_err(),
            XerError::BadValue { .. }
        ));
        assert!(parse_decimal(b"1.2.3", b'.').is_none());
        assert!(parse_decimal(b"-", b'.').is_none());
        assert!(parse_decimal(b"1e5", b'.').is_none());
        assert_eq!(parse_decimal(b"1,5", b','), Some(d("1.5")));
        assert_eq!(parse_decimal(b".5", b'.'), Some(d("0.5")));
    }

    #[test]
    fn decimal_comma_from_currtype() {
        let text = BASE.replacen("%R~1~.~,~USD", "%R~1~,~.~USD", 1).replacen(
            "%R~2~1002~1001~10~10~PR_SS~-8",
            "%R~2~1002~1001~10~10~PR_SS~-7,5",
            1,
        );
        let s = read(&fx(&text, false)).unwrap();
        assert_eq!(s.projects[0].relationships[1].lag_hours, d("-7.5"));
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_datetime(b"2024-03-01 08:00"),
            Ok(Some(datetime!(2024-03-01 08:00)))
        );
        assert_eq!(
            parse_datetime(b"2024-03-01 08:00:30"),
            Ok(Some(datetime!(2024-03-01 08:00:30)))
        );
        assert_eq!(
            parse_datetime(b"2024-03-01"),
            Ok(Some(datetime!(2024-03-01 00:00)))
        );
        assert_eq!(
            parse_datetime(b" 2024-03-01 08:00 "),
            Ok(Some(datetime!(2024-03-01 08:00)))
        );
        assert_eq!(
            parse_datetime(b"31-JAN-24"),
            Ok(Some(datetime!(2024-01-31 00:00)))
        );
        assert_eq!(
            parse_datetime(b"01-Jul-1998"),
            Ok(Some(datetime!(1998-07-01 00:00)))
        );
        assert_eq!(
            parse_datetime(b"01-JUL-98"),
            Ok(Some(datetime!(1998-07-01 00:00)))
        );
        assert_eq!(parse_datetime(b""), Ok(None));
        for bad in [
            &b"2024-02-30 08:00"[..],
            b"2024-03-01 25:00",
            b"2024/03/01",
            b"01-XYZ-24",
            b"2024-3-1",
            b"yesterday",
        ] {
            assert_eq!(
                parse_datetime(bad),
                Err(()),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let b = base_with(
            "~2024-03-07 17:00~2024-03-06 08:00",
            "~2024-03-07 17:00~2024-13-06 08:00",
        );
        let err = read(&b).unwrap_err();
        match &err {
            XerError::BadValue {
                column,
                value,
                line,
                ..
            } => {
                assert_eq!(
                    (*column, value.as_str()),
                    ("early_start_date", "2024-13-06 08:00")
                );
                assert_eq!(*line, line_of(&b, "A1020"));
            }
            other => panic!("{other}"),
        }
        assert!(
            err.to_string().starts_with(&format!(
                "fixture.xer:{}: TASK.early_start_date",
                err.line()
            )),
            "{err}"
        );
    }

    #[test]
    fn duplicate_keys() {
        // Identical row twice: read once.
        let b = base_with(
            "%R~7~CARP~Carpenter~RT_Labor~1~",
            "%R~7~CARP~Carpenter~RT_Labor~1~\n%R~7~CARP~Carpenter~RT_Labor~1~",
        );
        assert_eq!(read(&b).unwrap().resources.len(), 1);
        let row = "%R~1002~10~102~1~A1020~Pour~TT_Task~TK_NotStart~~~24~24~~~2024-03-05 08:00~2024-03-07 17:00~2024-03-05 08:00~2024-03-07 17:00~2024-03-06 08:00~2024-03-08 17:00~~";
        let b = base_with(row, &format!("{row}\n{row}"));
        assert_eq!(read(&b).unwrap().projects[0].activities.len(), 3);
        // Same key, different values: error naming both lines.
        let b = base_with(
            row,
            &format!("{row}\n{}", row.replace("~Pour~", "~Pour again~")),
        );
        let err = read(&b).unwrap_err();
        match &err {
            XerError::Duplicate {
                table,
                key,
                line,
                first_line,
                ..
            } => {
                assert_eq!((*table, key.as_str()), ("TASK", "1002"));
                assert_eq!(*first_line, line_of(&b, "\tPour\t"));
                assert_eq!(*line, line_of(&b, "Pour again"));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn big_tables_skip_blank_lines_repeat_and_report_errors_in_order() {
        let base = read(&base()).unwrap();
        // Blank lines inside TASK, TASKPRED and TASKRSRC: no placeholder rows.
        let b = base_with(
            "%R~1~1001~1000~10~10~PR_FS~0",
            "\n%R~1~1001~1000~10~10~PR_FS~0\n  ",
        );
        let b = String::from_utf8(b).unwrap();
        let b = b.replacen("%R\t50\t", "\r\n%R\t50\t", 1);
        let b = b.replacen("%R\t1000\t", "\r\n\r\n%R\t1000\t", 1);
        assert_eq!(read(b.as_bytes()).unwrap(), base);
        // A second TASKRSRC table repeating its own row: read once; a second TASK and
        // TASKPRED table add their rows after the first one's.
        let b = base_with(
            "%T~TASKMEMO",
            "%T~TASKRSRC\n%F~taskrsrc_id~task_id~proj_id~rsrc_id~target_qty~act_reg_qty~act_ot_qty~remain_qty\n%R~50~1001~10~7~40~20~4~16\n%R~50~1001~10~7~40~20~4~16\n\
             %T~TASK\n%F~task_id~proj_id~task_code\n%R~1003~10~A1030\n\
             %T~TASKPRED\n%F~task_id~pred_task_id\n%R~1003~1002\n%T~TASKMEMO",
        );
        let s = read(&b).unwrap();
        let p = &s.projects[0];
        // (Repeats are looked for within one TASKRSRC table, as before.)
        assert_eq!(p.assignments.len(), 2);
        assert!(p
            .assignments
            .iter()
            .all(|a| a == &base.projects[0].assignments[0]));
        assert_eq!(p.activities.len(), 4);
        assert_eq!(p.activities[3].code, "A1030");
        assert_eq!(p.relationships.len(), 3);
        assert_eq!(
            (
                p.relationships[2].predecessor.as_str(),
                p.relationships[2].successor.as_str()
            ),
            ("1002", "1003")
        );
        // A TASKRSRC key repeated with other values is an error.
        let b = base_with(
            "%R~50~1001~10~7~40~20~4~16",
            "%R~50~1001~10~7~40~20~4~16\n%R~50~1002~10~7~40~20~4~16",
        );
        match read(&b).unwrap_err() {
            XerError::Duplicate {
                table, first_line, ..
            } => assert_eq!((table, first_line), ("TASKRSRC", line_of(&b, "\t50\t"))),
            other => panic!("{other}"),
        }
        // Errors in TASKPRED and TASKRSRC (read side by side): TASKPRED's is reported, and
        // within a table the first one in the file.
        let b = base_with("PR_SS~-8", "PR_XX~-8")
            .into_iter()
            .collect::<Vec<u8>>();
        let b = String::from_utf8(b)
            .unwrap()
            .replacen("PR_FS\t0", "PR_FS\tzero", 1)
            .replacen("\t40\t20\t", "\tforty\t20\t", 1);
        match read(b.as_bytes()).unwrap_err() {
            XerError::BadValue { column, line, .. } => {
                assert_eq!(
                    (column, line),
                    ("lag_hr_cnt", line_of(b.as_bytes(), "zero"))
                )
            }
            other => panic!("{other}"),
        }
        let b = b.replacen("\tzero", "\t0", 1).replacen("PR_XX", "PR_SS", 1);
        match read(b.as_bytes()).unwrap_err() {
            XerError::BadValue { column, .. } => assert_eq!(column, "target_qty"),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn pointers_to_rows_the_file_lacks_are_dropped() {
        let b = base_with("%R~1002~10~102~1~A1020", "%R~1002~10~999~77~A1020");
        let a = &read(&b).unwrap().projects[0].activities[2];
        assert_eq!((a.wbs.as_deref(), a.calendar.as_deref()), (None, None));
        let b = base_with("%R~50~1001~10~7~", "%R~50~1001~10~8~");
        assert!(read(&b).unwrap().projects[0].assignments.is_empty());
        let b = base_with("%R~1~1001~1000~10", "%R~1~1001~4242~10");
        assert_eq!(read(&b).unwrap().projects[0].relationships.len(), 1);
    }

    #[test]
    fn line_split_matches_a_plain_split() {
        let mut rng = Lcg(7);
        for len in 0..200 {
            let line: Vec<u8> = (0..len)
                .map(|_| b"\ta\r\x89\x8a\x09\x0b"[(rng.next() % 7) as usize])
                .collect();
            let all: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
            for cap in [1, 2, 3, 5, 8, 9, 17, 300] {
                let mut fields = Vec::new();
                let tabs = split_line(&line, cap, &mut fields);
                assert_eq!(tabs, all.len() - 1, "{line:?} {cap}");
                assert_eq!(fields[..], all[..cap.min(all.len())], "{line:?} {cap}");
            }
        }
        for b in 0u8..=255 {
            let x = u64::from_le_bytes([b, 0, b, 1, b, 0x80, b, 0xFF]);
            let mask = zero_bytes(x);
            for (i, byte) in x.to_le_bytes().iter().enumerate() {
                assert_eq!(mask >> (i * 8 + 7) & 1 == 1, *byte == 0, "{x:x}");
            }
        }
    }

    #[test]
    fn keys_and_index() {
        assert!(matches!(Key::of(b"123"), Key::Num(123)));
        assert!(matches!(Key::of(b"0"), Key::Num(0)));
        assert!(matches!(Key::of(b"0123"), Key::Text(_)));
        assert!(matches!(Key::of(b"99999999999999999999"), Key::Text(_)));
        let keys: Vec<&[u8]> = vec![b"10", b"12", b"A7", b"012", b"5000000000"];
        let mut ix = IdIndex::new(keys.iter().copied());
        for (i, k) in keys.iter().enumerate() {
            ix.insert(*k, i);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(ix.get(*k), Some(i));
        }
        assert_eq!(ix.get(&b"11"[..]), None);
        assert_eq!(ix.get(Key::Num(9)), None);
        assert_eq!(ix.get(&b"A8"[..]), None);
        assert_eq!(Key::of(b"5000000000").show(Encoding::Utf8), "5000000000");
        assert_eq!(Key::of(b"A\x7f7").show(Encoding::Utf8), "A·7");
    }

    #[test]
    fn error_messages_carry_path_line_and_hint() {
        let err = read_xer(Path::new("/data/p6/export.xer"), b"hello").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("/data/p6/export.xer:1: not a Primavera P6 XER file"),
            "{text}"
        );
        assert!(text.contains("hint:"), "{text}");
        assert_eq!(err.path(), Path::new("/data/p6/export.xer"));
    }

    /// Expected counts per corpus file and project, as MPXJ 16.10's PrimaveraXERFileReader
    /// (readAll) sees them: activities = tasks with an activity type, relationships =
    /// predecessors + external relations, WBS = PROJWBS summaries minus the project node,
    /// resources = non-role resources, assignments. Files where aecos reads more than MPXJ
    /// are marked; see the module doc ("rows without proj_id").
    const CORPUS: &[(&str, &str, usize, usize, usize, usize, usize)] = &[
        ("exupery_MDL4D.xer", "4517", 62, 87, 6, 6, 100),
        ("exupery_MDL4RA.xer", "4510", 62, 87, 6, 6, 100),
        ("mpxj_PredecessorCalendar.xer", "34738", 1, 0, 0, 0, 0),
        ("mpxj_ProjectDefaultCalendar.xer", "34738", 1, 0, 0, 0, 0),
        ("mpxj_SuccessorCalendar.xer", "34738", 1, 0, 0, 0, 0),
        ("mpxj_TwentyFourHourCalendar.xer", "34738", 1, 0, 0, 0, 0),
        (
            "mpxj_assignment_resource-rates-test.xer",
            "368",
            1,
            0,
            0,
            1,
            5,
        ),
        (
            "mpxj_calendar_invalid_invalid-8.4.xer",
            "4507",
            12,
            0,
            0,
            0,
            0,
        ),
        (
            "mpxj_generated_task-percentcomplete_percent-complete-8.4.xer",
            "4507",
            12,
            0,
            0,
            0,
            0,
        ),
        (
            "nmoghimi_BL-54069-B2-20250902.xer",
            "308080",
            47,
            62,
            22,
            0,
            0,
        ),
        ("nmoghimi_UP-54069-20251121.xer", "308964", 50, 70, 22, 0, 0),
        ("nmoghimi_UP-54069-20251204.xer", "309224", 49, 68, 22, 0, 0),
        ("nmoghimi_UP-54069-20251218.xer", "309570", 49, 69, 22, 0, 0),
        ("nmoghimi_UP-54069-20260122.xer", "310007", 58, 79, 24, 0, 0),
        // MPXJ: 3 tasks, 0 relationships (TASKPRED has no proj_id column).
        ("nmoghimi_sample_handmade.xer", "1", 3, 2, 0, 0, 0),
        // MPXJ: 0 tasks, 0 relationships (TASK and TASKPRED have no proj_id column).
        ("xereader_sample_synthetic.xer", "1", 6, 5, 0, 0, 0),
        ("xernative_sample.xer", "368", 25, 40, 5, 1, 1),
        ("xernative_wk2.xer", "4680", 198, 301, 0, 59, 596),
    ];

    /// (file, activity code, name, start, finish) as MPXJ reports them.
    const CORPUS_ACTIVITIES: &[(&str, &str, &str, &str, &str)] = &[
        (
            "exupery_MDL4D.xer",
            "C0810",
            "Project Begin",
            "2023-07-23 08:00",
            "2023-07-23 08:00",
        ),
        (
            "exupery_MDL4D.xer",
            "C5100",
            "Moving",
            "2024-04-08 08:00",
            "2024-04-12 16:00",
        ),
        (
            "exupery_MDL4RA.xer",
            "C5100",
            "Moving",
            "2024-07-28 08:00",
            "2024-08-01 16:00",
        ),
        (
            "mpxj_calendar_invalid_invalid-8.4.xer",
            "A1000",
            "Duration 0%",
            "2015-02-24 08:00",
            "2015-07-13 16:00",
        ),
        (
            "mpxj_calendar_invalid_invalid-8.4.xer",
            "A1110",
            "Units 100%",
            "2015-02-24 00:00",
            "2015-07-13 16:00",
        ),
        (
            "nmoghimi_UP-54069-20260122.xer",
            "MILE-100",
            "Contract Commencement date",
            "2023-10-20 08:00",
            "2023-10-20 08:00",
        ),
        (
            "nmoghimi_UP-54069-20260122.xer",
            "PCS-150",
            "Total Completion",
            "2026-05-13 17:00",
            "2026-05-13 17:00",
        ),
        (
            "xernative_sample.xer",
            "A1010",
            "Studs",
            "2021-11-30 08:00",
            "2021-12-06 17:00",
        ),
        (
            "xernative_sample.xer",
            "A1250",
            "Floor",
            "2022-02-15 08:00",
            "2022-02-21 17:00",
        ),
        (
            "xernative_wk2.xer",
            "10",
            "EXCAVATION",
            "2013-09-16 12:00",
            "2013-09-30 16:00",
        ),
        (
            "xernative_wk2.xer",
            "990",
            "FINAL SAINTARY WORK",
            "2014-02-20 08:00",
            "2014-02-24 14:00",
        ),
        (
            "mpxj_assignment_resource-rates-test.xer",
            "A1000",
            "Activity 1",
            "2022-08-22 08:00",
            "2022-09-30 17:00",
        ),
    ];

    #[test]
    fn corpus_matches_mpxj() {
        let Ok(dir) = std::env::var("AECOS_CORPUS") else {
            println!("AECOS_CORPUS is not set; skipping the corpus comparison");
            return;
        };
        // AECOS_CORPUS names the corpus root; the XER files are in its xer/ folder.
        let dir = std::path::PathBuf::from(dir).join("xer");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xer"))
            {
                let bytes = std::fs::read(&path).unwrap();
                if let Err(e) = read_xer(&path, &bytes) {
                    panic!("{e}");
                }
                seen += 1;
            }
        }
        assert!(
            seen >= CORPUS.len(),
            "expected the corpus files in {}",
            dir.display()
        );
        let fmt = |t: Option<PrimitiveDateTime>| {
            t.map(|t| format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute()))
                .unwrap_or_default()
        };
        for &(file, key, tasks, rels, wbs, resources, assignments) in CORPUS {
            let path = dir.join(file);
            let s = read_xer(&path, &std::fs::read(&path).unwrap()).unwrap();
            let p = s
                .projects
                .iter()
                .find(|p| p.key == key)
                .unwrap_or_else(|| panic!("{file}: project {key}"));
            let got = (
                p.activities.len(),
                p.relationships.len(),
                p.wbs.len(),
                s.resources.len(),
                p.assignments.len(),
            );
            assert_eq!(got, (tasks, rels, wbs, resources, assignments), "{file}");
        }
        for &(file, code, name, start, finish) in CORPUS_ACTIVITIES {
            let path = dir.join(file);
            let s = read_xer(&path, &std::fs::read(&path).unwrap()).unwrap();
            let a = s
                .projects
                .iter()
                .flat_map(|p| &p.activities)
                .find(|a| a.code == code)
                .unwrap();
            assert_eq!(
                (
                    a.name.as_str(),
                    fmt(a.start).as_str(),
                    fmt(a.finish).as_str()
                ),
                (name, start, finish),
                "{file} {code}"
            );
        }
    }
}
