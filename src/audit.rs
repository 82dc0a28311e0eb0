//! Tamper-evident, append-only audit log of a project.
//!
//! Every export, import, approval and rule change that aecos carries out is
//! recorded as one line of `<project>/audit/audit.jsonl`. Each line is a
//! compact JSON object whose fields come in a fixed order:
//!
//! `seq`, `time`, `actor`, `action`, `direction`, `platform`, `data_type`,
//! `source`, `destination`, `payload_sha256`, `outcome`, `prev_hash`, `hash`.
//!
//! `hash` is the SHA-256 of the same object serialized without `hash`
//! (serde_json compact form, fields in the order above), and `prev_hash` is
//! the `hash` of the entry before it (64 zeros for `seq` 1). Editing,
//! deleting or reordering a line therefore breaks the chain, and [`verify`]
//! names the first line that is wrong. An attacker who re-hashes the whole
//! chain after an edit can only be caught through [`Anchor`]s: hashes of
//! entries recorded elsewhere, such as in outbox manifests. Removing lines
//! from the end is likewise only visible through anchors (or Git history).
//!
//! What this module must not do: it never rewrites, reorders, truncates or
//! deletes lines of the log. [`append`] only adds one line at the end, with a
//! single write followed by an fsync, and refuses to add anything when the
//! last line is damaged; repairing the log (usually by restoring it from Git)
//! is left to a person, guided by the report of [`verify`].
//!
//! Two concurrent appenders are kept apart by an advisory lock file,
//! `audit/audit.lock`, created exclusively and removed afterwards. A lock
//! older than ten minutes is taken to be left over by a crashed process and
//! removed.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// Folder, relative to the project root, that holds the log and its lock.
pub const AUDIT_DIR: &str = "audit";
/// File name of the log inside [`AUDIT_DIR`].
pub const LOG_FILE: &str = "audit.jsonl";
/// File name of the advisory lock inside [`AUDIT_DIR`].
pub const LOCK_FILE: &str = "audit.lock";
/// `prev_hash` of the first entry, and `head_hash` of an empty log.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// A lock file older than this is considered stale and removed.
pub const LOCK_STALE_AFTER: Duration = Duration::from_secs(10 * 60);
/// The values `direction` may take.
pub const DIRECTIONS: [&str; 3] = ["push", "pull", "local"];

const TIME_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// How many bytes [`append`] reads at a time while looking for the last line.
const TAIL_CHUNK: u64 = 8 * 1024;
/// How often [`append`] tries to take the lock (a stale or vanished lock
/// costs one more try).
const LOCK_TRIES: usize = 3;

/// Path of the log file of the project at `project_root`.
pub fn log_path(project_root: &Path) -> PathBuf {
    project_root.join(AUDIT_DIR).join(LOG_FILE)
}

/// Path of the lock file of the project at `project_root`.
pub fn lock_path(project_root: &Path) -> PathBuf {
    project_root.join(AUDIT_DIR).join(LOCK_FILE)
}

/// SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// What the caller knows about an event; [`append`] adds `seq`, `time`,
/// `prev_hash` and `hash`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEntry {
    /// Who did it (user name or e-mail); must not be empty.
    pub actor: String,
    /// "export", "import", "approve", "rule_change", "reject", ...; must not be empty.
    pub action: String,
    /// One of [`DIRECTIONS`]: "push", "pull" or "local".
    pub direction: String,
    pub platform: String,
    pub data_type: String,
    /// Project-relative path(s) of what was read.
    pub source: String,
    /// Project-relative path(s) or remote name of what was written.
    pub destination: String,
    /// SHA-256 of the exact payload bytes, 64 lowercase hex digits (see [`sha256_hex`]).
    pub payload_sha256: String,
    /// "written", "unchanged", "held", "applied", "rejected", ...; must not be empty.
    pub outcome: String,
}

/// One line of the log, fields in the order they are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub seq: u64,
    /// UTC, whole seconds; written as e.g. `2026-11-23T09:10:11Z`.
    #[serde(with = "utc_seconds")]
    pub time: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub direction: String,
    pub platform: String,
    pub data_type: String,
    pub source: String,
    pub destination: String,
    pub payload_sha256: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields an entry's `hash` covers, in the order they are serialized.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    #[serde(serialize_with = "utc_seconds::serialize")]
    time: OffsetDateTime,
    actor: &'a str,
    action: &'a str,
    direction: &'a str,
    platform: &'a str,
    data_type: &'a str,
    source: &'a str,
    destination: &'a str,
    payload_sha256: &'a str,
    outcome: &'a str,
    prev_hash: &'a str,
}

impl Entry {
    /// The hash this entry should carry: SHA-256 of its canonical
    /// serialization without the `hash` field.
    pub fn computed_hash(&self) -> Result<String, serde_json::Error> {
        let hashed = Hashed {
            seq: self.seq,
            time: self.time,
            actor: &self.actor,
            action: &self.action,
            direction: &self.direction,
            platform: &self.platform,
            data_type: &self.data_type,
            source: &self.source,
            destination: &self.destination,
            payload_sha256: &self.payload_sha256,
            outcome: &self.outcome,
            prev_hash: &self.prev_hash,
        };
        Ok(sha256_hex(&serde_json::to_vec(&hashed)?))
    }
}

mod utc_seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let utc = t
            .checked_to_offset(UtcOffset::UTC)
            .ok_or_else(|| serde::ser::Error::custom("time is out of range"))?;
        let text = utc
            .format(super::TIME_FORMAT)
            .map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        PrimitiveDateTime::parse(&text, super::TIME_FORMAT)
            .map(PrimitiveDateTime::assume_utc)
            .map_err(|e| {
                serde::de::Error::custom(format!(
                    "time {text:?} is not UTC with whole seconds like 2026-11-23T09:10:11Z ({e})"
                ))
            })
    }
}

/// A hash of an audit entry recorded outside the log, e.g. in an outbox
/// manifest. [`verify`] checks that the log still holds that entry unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: u64,
    pub hash: String,
    /// Where the anchor was recorded, e.g. the manifest path; used in messages.
    pub source: String,
}

/// What kind of damage a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The line is not a well-formed entry: not JSON, unknown or missing
    /// fields, not in canonical form, CRLF, no final newline, bad values.
    Malformed,
    /// The entry's content does not match its own `hash`: it was edited.
    HashMismatch,
    /// `prev_hash` does not match the previous entry, or a `seq` occurs twice.
    BrokenChain,
    /// Entries are missing: `seq` jumps.
    SequenceGap,
    /// Entries are present but out of order.
    Reordered,
    /// An anchor names an entry beyond the end of the log.
    Truncated,
    /// An anchor's hash differs from the entry's, or the anchor is invalid
    /// or names a missing entry.
    AnchorMismatch,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::Malformed => "malformed line",
            ProblemKind::HashMismatch => "hash mismatch",
            ProblemKind::BrokenChain => "broken chain",
            ProblemKind::SequenceGap => "sequence gap",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Truncated => "truncated",
            ProblemKind::AnchorMismatch => "anchor mismatch",
        })
    }
}

/// One finding of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line in audit.jsonl, or 0 when no line applies.
    pub line: usize,
    /// The `seq` concerned, when known.
    pub seq: Option<u64>,
    pub kind: ProblemKind,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.seq) {
            (0, Some(seq)) => write!(f, "seq {seq}: ")?,
            (0, None) => {}
            (line, Some(seq)) => write!(f, "line {line} (seq {seq}): ")?,
            (line, None) => write!(f, "line {line}: ")?,
        }
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// Result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Number of lines that parsed as entries.
    pub entries: u64,
    /// `hash` of the entry with the highest `seq`; [`GENESIS_HASH`] when
    /// there is none.
    pub head_hash: String,
    /// Sorted by line (0, "no line", first); the first is the one to report.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// True when no problem was found.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problem to show first, if any.
    pub fn first_problem(&self) -> Option<&Problem> {
        self.problems.first()
    }
}

/// Errors of [`append`], [`read`] and [`verify`]. Each names the file and
/// says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot {op} {}: {source}; check that the project folder exists and is writable", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("audit entry for {} not recorded: {field} {problem}; the caller must supply a valid value (the log was not changed)", path.display())]
    InvalidEntry {
        path: PathBuf,
        field: &'static str,
        problem: String,
    },
    #[error("audit log is locked by {} (created {age_secs}s ago): another aecos command is appending; retry when it has finished, or delete the lock file if no aecos command is running (locks older than 10 minutes are removed automatically)", path.display())]
    Locked { path: PathBuf, age_secs: u64 },
    #[error("refusing to append to {}: line {line} {reason}; run `aecos audit verify` and restore the file (e.g. from Git) before recording anything new", path.display())]
    TailInvalid {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{}:{line}: {message}; run `aecos audit verify` for a full report", path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

fn io_error(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> AuditError {
    let path = path.to_path_buf();
    move |source| AuditError::Io { op, path, source }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks the caller-supplied fields shared by [`NewEntry`] and [`Entry`].
fn check_fields(
    actor: &str,
    action: &str,
    direction: &str,
    payload_sha256: &str,
    outcome: &str,
) -> Result<(), (&'static str, String)> {
    if actor.trim().is_empty() {
        return Err(("actor", "is empty".to_string()));
    }
    if action.trim().is_empty() {
        return Err(("action", "is empty".to_string()));
    }
    if !DIRECTIONS.contains(&direction) {
        return Err((
            "direction",
            format!("is {direction:?}; it must be \"push\", \"pull\" or \"local\""),
        ));
    }
    if !is_sha256_hex(payload_sha256) {
        return Err((
            "payload_sha256",
            format!("is {payload_sha256:?}; it must be 64 lowercase hex digits"),
        ));
    }
    if outcome.trim().is_empty() {
        return Err(("outcome", "is empty".to_string()));
    }
    Ok(())
}

/// Checks a stored entry's own values (its hash is checked elsewhere).
fn check_entry_fields(e: &Entry) -> Result<(), String> {
    if e.seq == 0 {
        return Err("seq is 0; sequence numbers start at 1".to_string());
    }
    if !is_sha256_hex(&e.prev_hash) {
        return Err(format!(
            "prev_hash {:?} is not 64 lowercase hex digits",
            e.prev_hash
        ));
    }
    check_fields(
        &e.actor,
        &e.action,
        &e.direction,
        &e.payload_sha256,
        &e.outcome,
    )
    .map_err(|(field, problem)| format!("{field} {problem}"))
}

/// Splits the log into lines; the flag tells whether the line ended in LF.
/// Only the last line can lack one.
fn split_lines(bytes: &[u8]) -> Vec<(&[u8], bool)> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let mut lines: Vec<(&[u8], bool)> = bytes.split(|b| *b == b'\n').map(|l| (l, true)).collect();
    // `split` yields one more piece after the last LF: empty when the file
    // ends in LF, otherwise the unterminated last line.
    if let Some((last, _)) = lines.pop() {
        if !last.is_empty() {
            lines.push((last, false));
        }
    }
    lines
}

/// What was found on one line.
struct Inspected {
    entry: Option<Entry>,
    /// At most one `Malformed` and one `HashMismatch`, in that order.
    problems: Vec<(ProblemKind, String)>,
}

/// Parses and checks one line on its own, without looking at its neighbours.
/// `check_cr`: report a CR before the LF (false when reported for the whole
/// file instead).
fn inspect_line(raw: &[u8], terminated: bool, check_cr: bool) -> Inspected {
    let mut malformed: Vec<String> = Vec::new();
    let mut raw = raw;
    if let Some(stripped) = raw.strip_suffix(b"\r") {
        if check_cr {
            malformed.push("ends in CRLF; audit.jsonl must use LF line endings".to_string());
        }
        raw = stripped;
    }
    if !terminated {
        malformed.push(
            "has no final newline: a write was interrupted or text was added by hand".to_string(),
        );
    }
    let finish =
        |entry: Option<Entry>, malformed: Vec<String>, extra: Option<(ProblemKind, String)>| {
            let mut problems = Vec::new();
            if !malformed.is_empty() {
                problems.push((ProblemKind::Malformed, malformed.join("; it ")));
            }
            problems.extend(extra);
            Inspected { entry, problems }
        };
    if raw.is_empty() {
        malformed.push("is blank".to_string());
        return finish(None, malformed, None);
    }
    let text = match std::str::from_utf8(raw) {
        Ok(text) => text,
        Err(e) => {
            malformed.push(format!("is not valid UTF-8 ({e})"));
            return finish(None, malformed, None);
        }
    };
    let entry: Entry = match serde_json::from_str(text) {
        Ok(entry) => entry,
        Err(e) => {
            // The position inside the line is what helps; the line number
            // is reported by the caller.
            let text = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let reason = text.strip_suffix(&suffix).unwrap_or(&text);
            malformed.push(format!(
                "is not a valid audit entry ({reason}, at column {})",
                e.column()
            ));
            return finish(None, malformed, None);
        }
    };
    match serde_json::to_string(&entry) {
        Ok(canonical) if canonical == text => {}
        Ok(_) => malformed.push(
            "is not in canonical form (extra spaces, fields out of order or re-escaped text)"
                .to_string(),
        ),
        Err(e) => malformed.push(format!("cannot be re-serialized ({e})")),
    }
    let mismatch = match entry.computed_hash() {
        Ok(computed) if computed == entry.hash => {
            if let Err(message) = check_entry_fields(&entry) {
                malformed.push(message);
            }
            None
        }
        Ok(computed) => Some((
            ProblemKind::HashMismatch,
            format!(
                "the entry's content hashes to {computed} but its hash field says {:?}: the entry was edited after it was written",
                entry.hash
            ),
        )),
        Err(e) => {
            malformed.push(format!("cannot be hashed ({e})"));
            None
        }
    };
    finish(Some(entry), malformed, mismatch)
}

/// Reads the whole log; `None` when it does not exist.
fn read_log_bytes(log: &Path) -> Result<Option<Vec<u8>>, AuditError> {
    match fs::read(log) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", log)(e)),
    }
}

/// Reads every entry of the log in file order. It rejects the first line
/// that is not a well-formed entry, but does not check hashes or the chain:
/// use [`verify`] for that. A missing log reads as empty.
pub fn read(project_root: &Path) -> Result<Vec<Entry>, AuditError> {
    let log = log_path(project_root);
    let Some(bytes) = read_log_bytes(&log)? else {
        return Ok(Vec::new());
    };
    let mut entries = Vec::new();
    for (index, (raw, terminated)) in split_lines(&bytes).into_iter().enumerate() {
        let inspected = inspect_line(raw, terminated, true);
        let malformed = inspected
            .problems
            .into_iter()
            .find(|(kind, _)| *kind == ProblemKind::Malformed);
        match (inspected.entry, malformed) {
            (Some(entry), None) => entries.push(entry),
            (_, Some((_, message))) => {
                return Err(AuditError::Malformed {
                    path: log,
                    line: index + 1,
                    message: format!("line {message}"),
                })
            }
            (None, None) => {
                return Err(AuditError::Malformed {
                    path: log,
                    line: index + 1,
                    message: "line is not an audit entry".to_string(),
                })
            }
        }
    }
    Ok(entries)
}

/// An entry that parsed, with its line.
struct Parsed {
    line: usize,
    entry: Entry,
}

/// Checks the whole log: every line on its own, the hash chain, the order of
/// `seq`, and the `anchors` recorded elsewhere. A missing or empty log with
/// no anchors is intact. Errors only when the log cannot be read.
pub fn verify(project_root: &Path, anchors: &[Anchor]) -> Result<VerifyReport, AuditError> {
    let log = log_path(project_root);
    let bytes = read_log_bytes(&log)?.unwrap_or_default();
    let lines = split_lines(&bytes);
    let mut problems: Vec<Problem> = Vec::new();

    let all_crlf = !lines.is_empty() && lines.iter().all(|(raw, _)| raw.ends_with(b"\r"));
    if all_crlf {
        problems.push(Problem {
            line: 1,
            seq: None,
            kind: ProblemKind::Malformed,
            message: "every line ends in CRLF (converted by Git autocrlf or an editor); convert audit.jsonl back to LF and mark it `-text` in .gitattributes".to_string(),
        });
    }

    // Each line on its own.
    let mut parsed: Vec<Parsed> = Vec::new();
    for (index, (raw, terminated)) in lines.iter().enumerate() {
        let line = index + 1;
        let inspected = inspect_line(raw, *terminated, !all_crlf);
        let seq = inspected.entry.as_ref().map(|e| e.seq);
        for (kind, message) in inspected.problems {
            let message = match kind {
                ProblemKind::Malformed => format!("the line {message}"),
                _ => message,
            };
            problems.push(Problem {
                line,
                seq,
                kind,
                message,
            });
        }
        if let Some(entry) = inspected.entry {
            parsed.push(Parsed { line, entry });
        }
    }

    // Where each seq occurs (indexes into `parsed`, in file order).
    let mut by_seq: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (index, p) in parsed.iter().enumerate() {
        by_seq.entry(p.entry.seq).or_default().push(index);
    }
    let first_of = |seq: u64| by_seq.get(&seq).and_then(|v| v.first().copied());

    // Duplicates.
    for indexes in by_seq.values() {
        if let Some((&first, rest)) = indexes.split_first() {
            for &dup in rest {
                problems.push(Problem {
                    line: parsed[dup].line,
                    seq: Some(parsed[dup].entry.seq),
                    kind: ProblemKind::BrokenChain,
                    message: format!(
                        "seq {} occurs again (first at line {}): a line was copied, or two diverging copies of the log were combined (e.g. a Git merge that kept both sides)",
                        parsed[dup].entry.seq, parsed[first].line
                    ),
                });
            }
        }
    }

    // Gaps: seqs missing from 1 up to the highest present.
    let mut expected: u64 = 1;
    for (&seq, indexes) in &by_seq {
        if seq == 0 {
            continue;
        }
        if seq > expected {
            if let Some(&index) = indexes.first() {
                let missing = if seq - 1 == expected {
                    format!("entry seq {expected} is missing")
                } else {
                    format!("entries seq {expected} to {} are missing", seq - 1)
                };
                problems.push(Problem {
                    line: parsed[index].line,
                    seq: Some(seq),
                    kind: ProblemKind::SequenceGap,
                    message: format!("{missing} before this entry: lines were deleted"),
                });
            }
        }
        expected = seq.saturating_add(1);
    }

    // Order: a seq lower than the line before it.
    for pair in parsed.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let after_is_first = first_of(after.entry.seq)
            .map(|i| parsed[i].line == after.line)
            .unwrap_or(false);
        if after.entry.seq < before.entry.seq && after_is_first {
            problems.push(Problem {
                line: before.line,
                seq: Some(before.entry.seq),
                kind: ProblemKind::Reordered,
                message: format!(
                    "line {} (seq {}) comes before line {} (seq {}): lines were swapped or moved",
                    before.line, before.entry.seq, after.line, after.entry.seq
                ),
            });
        }
    }

    // Chain: each entry's prev_hash is the hash of the entry with seq - 1.
    for (&seq, indexes) in &by_seq {
        let Some(&index) = indexes.first() else {
            continue;
        };
        let p = &parsed[index];
        if seq == 1 {
            if p.entry.prev_hash != GENESIS_HASH {
                problems.push(Problem {
                    line: p.line,
                    seq: Some(seq),
                    kind: ProblemKind::BrokenChain,
                    message: "the first entry's prev_hash must be 64 zeros: entries before it were removed or it was replaced".to_string(),
                });
            }
        } else if let Some(prev_index) = seq.checked_sub(1).and_then(first_of) {
            let prev = &parsed[prev_index];
            if p.entry.prev_hash != prev.entry.hash {
                problems.push(Problem {
                    line: p.line,
                    seq: Some(seq),
                    kind: ProblemKind::BrokenChain,
                    message: format!(
                        "prev_hash does not match the hash of seq {} (line {}): that entry was replaced or re-hashed",
                        seq - 1,
                        prev.line
                    ),
                });
            }
        }
    }

    // Anchors.
    let max_seq = by_seq.keys().next_back().copied().unwrap_or(0);
    let mut sorted: Vec<&Anchor> = anchors.iter().collect();
    sorted.sort_by_key(|a| a.seq);
    let matches = |a: &Anchor| {
        by_seq
            .get(&a.seq)
            .map(|v| v.iter().any(|&i| parsed[i].entry.hash == a.hash))
            .unwrap_or(false)
    };
    for anchor in &sorted {
        if anchor.seq == 0 || !is_sha256_hex(&anchor.hash) {
            problems.push(Problem {
                line: 0,
                seq: Some(anchor.seq),
                kind: ProblemKind::AnchorMismatch,
                message: format!(
                    "the anchor recorded in {} is invalid (seq must be at least 1, hash 64 lowercase hex digits); check that file",
                    anchor.source
                ),
            });
        } else if anchor.seq > max_seq {
            problems.push(Problem {
                line: 0,
                seq: Some(anchor.seq),
                kind: ProblemKind::Truncated,
                message: format!(
                    "{} records audit entry seq {}, but the log ends at seq {max_seq}: entries were removed from the end of audit.jsonl (restore it from Git)",
                    anchor.source, anchor.seq
                ),
            });
        } else if let Some(index) = first_of(anchor.seq) {
            if !matches(anchor) {
                let last_good = sorted
                    .iter()
                    .filter(|a| a.seq < anchor.seq && is_sha256_hex(&a.hash) && matches(a))
                    .map(|a| a.seq)
                    .next_back();
                let since = match last_good {
                    Some(good) => format!(" (anchors up to seq {good} still match)"),
                    None => String::new(),
                };
                problems.push(Problem {
                    line: parsed[index].line,
                    seq: Some(anchor.seq),
                    kind: ProblemKind::AnchorMismatch,
                    message: format!(
                        "the entry's hash {} differs from {} recorded in {}: the log was rewritten at or before this entry{since}",
                        parsed[index].entry.hash, anchor.hash, anchor.source
                    ),
                });
            }
        } else {
            problems.push(Problem {
                line: 0,
                seq: Some(anchor.seq),
                kind: ProblemKind::AnchorMismatch,
                message: format!(
                    "{} records audit entry seq {}, which is missing from the log",
                    anchor.source, anchor.seq
                ),
            });
        }
    }

    problems.sort_by_key(|p| p.line);
    let head_hash = by_seq
        .values()
        .next_back()
        .and_then(|v| v.first())
        .map(|&i| parsed[i].entry.hash.clone())
        .unwrap_or_else(|| GENESIS_HASH.to_string());
    Ok(VerifyReport {
        entries: parsed.len() as u64,
        head_hash,
        problems,
    })
}

/// Holds `audit/audit.lock`; removes it when dropped.
struct LockGuard {
    path: PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Best effort: a lock left behind is treated as stale after
        // LOCK_STALE_AFTER, and the entry (if any) is already durable.
        let _ = fs::remove_file(&self.path);
    }
}

fn acquire_lock(path: &Path) -> Result<LockGuard, AuditError> {
    let mut age_secs = 0;
    for _ in 0..LOCK_TRIES {
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(mut file) => {
                let guard = LockGuard {
                    path: path.to_path_buf(),
                };
                // Only informational, for a person who finds the lock.
                let _ = writeln!(file, "pid {}", std::process::id());
                return Ok(guard);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let modified = match fs::metadata(path).and_then(|m| m.modified()) {
                    Ok(modified) => modified,
                    // Released between our two calls: try again.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_error("inspect lock file", path)(e)),
                };
                let age = SystemTime::now()
                    .duration_since(modified)
                    .unwrap_or(Duration::ZERO);
                age_secs = age.as_secs();
                if age <= LOCK_STALE_AFTER {
                    return Err(AuditError::Locked {
                        path: path.to_path_buf(),
                        age_secs,
                    });
                }
                // Two appenders that both find the same stale lock can, in a
                // narrow window, each remove it; that needs a process to have
                // died holding the lock first, and is accepted here.
                match fs::remove_file(path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_error("remove stale lock file", path)(e)),
                }
            }
            Err(e) => return Err(io_error("create lock file", path)(e)),
        }
    }
    Err(AuditError::Locked {
        path: path.to_path_buf(),
        age_secs,
    })
}

/// Reads the last line of the log and whether it ended in LF; `None` when
/// the log is missing or empty. Reads backwards, so a long log costs little.
fn read_last_line(log: &Path) -> Result<Option<(Vec<u8>, bool)>, AuditError> {
    let mut file = match File::open(log) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("open", log)(e)),
    };
    let len = file.metadata().map_err(io_error("inspect", log))?.len();
    if len == 0 {
        return Ok(None);
    }
    let mut tail: Vec<u8> = Vec::new();
    let mut pos = len;
    loop {
        let start = pos.saturating_sub(TAIL_CHUNK);
        let size = usize::try_from(pos - start).unwrap_or(0);
        let mut chunk = vec![0u8; size];
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_exact(&mut chunk))
            .map_err(io_error("read", log))?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        pos = start;
        let terminated = tail.last() == Some(&b'\n');
        let body = if terminated {
            &tail[..tail.len() - 1]
        } else {
            &tail[..]
        };
        if let Some(nl) = body.iter().rposition(|b| *b == b'\n') {
            return Ok(Some((body[nl + 1..].to_vec(), terminated)));
        }
        if pos == 0 {
            return Ok(Some((body.to_vec(), terminated)));
        }
    }
}

/// Number of the last line, for messages; 0 when it cannot be counted.
fn last_line_number(log: &Path) -> usize {
    fs::read(log)
        .map(|bytes| split_lines(&bytes).len())
        .unwrap_or(0)
}

/// Appends one entry to the log of the project at `project_root` and returns
/// it. `now` is recorded in UTC, truncated to whole seconds.
///
/// Creates `audit/` and the log when missing. Refuses, changing nothing,
/// when a field is invalid, when another appender holds the lock, or when
/// the last line of the log is not an intact entry.
pub fn append(
    project_root: &Path,
    entry: NewEntry,
    now: OffsetDateTime,
) -> Result<Entry, AuditError> {
    let log = log_path(project_root);
    let invalid = |field: &'static str, problem: String| AuditError::InvalidEntry {
        path: log.clone(),
        field,
        problem,
    };
    check_fields(
        &entry.actor,
        &entry.action,
        &entry.direction,
        &entry.payload_sha256,
        &entry.outcome,
    )
    .map_err(|(field, problem)| invalid(field, problem))?;
    let time = now
        .checked_to_offset(UtcOffset::UTC)
        .and_then(|t| t.replace_nanosecond(0).ok())
        .filter(|t| (0..=9999).contains(&t.year()))
        .ok_or_else(|| invalid("time", format!("{now} is outside the years 0 to 9999")))?;

    let dir = project_root.join(AUDIT_DIR);
    fs::create_dir_all(&dir).map_err(io_error("create folder", &dir))?;
    let _lock = acquire_lock(&lock_path(project_root))?;

    let tail_invalid = |reason: String| AuditError::TailInvalid {
        path: log.clone(),
        line: last_line_number(&log),
        reason,
    };
    let last = read_last_line(&log)?;
    let existed = last.is_some() || log.exists();
    let (seq, prev_hash) = match last {
        None => (1, GENESIS_HASH.to_string()),
        Some((raw, terminated)) => {
            let inspected = inspect_line(&raw, terminated, true);
            if let Some((kind, message)) = inspected.problems.into_iter().next() {
                let reason = match kind {
                    ProblemKind::Malformed => message,
                    _ => format!("has a {kind}: {message}"),
                };
                return Err(tail_invalid(reason));
            }
            let Some(last) = inspected.entry else {
                return Err(tail_invalid("is not an audit entry".to_string()));
            };
            let Some(seq) = last.seq.checked_add(1) else {
                return Err(tail_invalid("has the highest possible seq".to_string()));
            };
            (seq, last.hash)
        }
    };

    let mut new = Entry {
        seq,
        time,
        actor: entry.actor,
        action: entry.action,
        direction: entry.direction,
        platform: entry.platform,
        data_type: entry.data_type,
        source: entry.source,
        destination: entry.destination,
        payload_sha256: entry.payload_sha256,
        outcome: entry.outcome,
        prev_hash,
        hash: String::new(),
    };
    new.hash = new
        .computed_hash()
        .map_err(|e| invalid("time", e.to_string()))?;
    let mut line = serde_json::to_string(&new).map_err(|e| invalid("time", e.to_string()))?;
    line.push('\n');

    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(&log)
        .map_err(io_error("open for appending", &log))?;
    // One write of the whole line, then fsync.
    file.write_all(line.as_bytes())
        .map_err(io_error("append to", &log))?;
    file.sync_all().map_err(io_error("sync", &log))?;
    if !existed {
        sync_dir(&dir).map_err(io_error("sync folder", &dir))?;
    }
    Ok(new)
}

/// Makes a newly created file's directory entry durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use time::macros::datetime;

    fn t0() -> OffsetDateTime {
        datetime!(2026-11-23 09:10:11 UTC)
    }

    fn sample(i: u64) -> NewEntry {
        NewEntry {
            actor: "ana@example.com".to_string(),
            action: if i % 2 == 0 { "import" } else { "export" }.to_string(),
            direction: if i % 2 == 0 { "pull" } else { "push" }.to_string(),
            platform: "procore".to_string(),
            data_type: "pay_application".to_string(),
            source: format!("payapps/{i:03}.json"),
            destination: format!("outbox/procore/{i:03}.csv"),
            payload_sha256: sha256_hex(format!("amount,{}.00\n", 1000 + i).as_bytes()),
            outcome: "written".to_string(),
        }
    }

    /// A project with `n` entries appended a minute apart.
    fn project(n: u64) -> (tempfile::TempDir, Vec<Entry>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut entries = Vec::new();
        for i in 1..=n {
            let now = t0() + time::Duration::minutes(i as i64);
            entries.push(append(dir.path(), sample(i), now).expect("append"));
        }
        (dir, entries)
    }

    fn lines(dir: &tempfile::TempDir) -> Vec<String> {
        let text = fs::read_to_string(log_path(dir.path())).expect("read log");
        text.lines().map(str::to_string).collect()
    }

    fn write_lines(dir: &tempfile::TempDir, lines: &[String]) {
        let mut text = lines.join("\n");
        text.push('\n');
        fs::write(log_path(dir.path()), text).expect("write log");
    }

    fn anchors(entries: &[Entry], seqs: &[u64]) -> Vec<Anchor> {
        seqs.iter()
            .map(|&seq| {
                let e = &entries[(seq - 1) as usize];
                Anchor {
                    seq,
                    hash: e.hash.clone(),
                    source: format!("outbox/procore/{seq:03}.manifest.json"),
                }
            })
            .collect()
    }

    fn first(report: &VerifyReport) -> &Problem {
        report.first_problem().expect("a problem")
    }

    #[test]
    fn sha256_hex_matches_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_hex(b"").len(), 64);
    }

    #[test]
    fn first_entry_has_seq_1_zero_prev_hash_and_canonical_line() {
        let (dir, entries) = project(1);
        let e = &entries[0];
        assert_eq!(e.seq, 1);
        assert_eq!(e.prev_hash, GENESIS_HASH);
        assert_eq!(GENESIS_HASH.len(), 64);
        let text = fs::read_to_string(log_path(dir.path())).expect("read");
        assert!(text.ends_with("}\n") && !text.contains('\r'));
        let expected_body = format!(
            "{{\"seq\":1,\"time\":\"2026-11-23T09:11:11Z\",\"actor\":\"ana@example.com\",\"action\":\"export\",\"direction\":\"push\",\"platform\":\"procore\",\"data_type\":\"pay_application\",\"source\":\"payapps/001.json\",\"destination\":\"outbox/procore/001.csv\",\"payload_sha256\":\"{}\",\"outcome\":\"written\",\"prev_hash\":\"{GENESIS_HASH}\"",
            e.payload_sha256
        );
        assert_eq!(e.hash, sha256_hex(format!("{expected_body}}}").as_bytes()));
        assert_eq!(text, format!("{expected_body},\"hash\":\"{}\"}}\n", e.hash));
        assert!(!lock_path(dir.path()).exists());
    }

    #[test]
    fn five_appends_verify_intact() {
        let (dir, entries) = project(5);
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(e.seq, i as u64 + 1);
            if i > 0 {
                assert_eq!(e.prev_hash, entries[i - 1].hash);
            }
        }
        let report = verify(dir.path(), &anchors(&entries, &[1, 3, 5])).expect("verify");
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(report.entries, 5);
        assert_eq!(report.head_hash, entries[4].hash);
        assert_eq!(read(dir.path()).expect("read"), entries);
        assert_eq!(lines(&dir).len(), 5);
    }

    #[test]
    fn missing_or_empty_log_is_intact() {
        let dir = tempfile::tempdir().expect("tempdir");
        let report = verify(dir.path(), &[]).expect("verify");
        assert!(report.is_intact());
        assert_eq!(report.entries, 0);
        assert_eq!(report.head_hash, GENESIS_HASH);
        assert!(read(dir.path()).expect("read").is_empty());
        fs::create_dir_all(dir.path().join(AUDIT_DIR)).expect("mkdir");
        fs::write(log_path(dir.path()), "").expect("write");
        assert!(verify(dir.path(), &[]).expect("verify").is_intact());
        // Appending to an empty file starts at seq 1.
        let e = append(dir.path(), sample(1), t0()).expect("append");
        assert_eq!((e.seq, e.prev_hash.as_str()), (1, GENESIS_HASH));
    }

    #[test]
    fn missing_log_with_anchor_is_truncated() {
        let (dir, entries) = project(2);
        let anchor = anchors(&entries, &[2]);
        fs::remove_file(log_path(dir.path())).expect("remove");
        let report = verify(dir.path(), &anchor).expect("verify");
        assert_eq!(first(&report).kind, ProblemKind::Truncated);
        assert_eq!(first(&report).seq, Some(2));
    }

    #[test]
    fn edited_field_is_hash_mismatch_on_that_line() {
        let (dir, entries) = project(5);
        let mut l = lines(&dir);
        assert!(l[2].contains("\"outcome\":\"written\""));
        l[2] = l[2].replace("\"outcome\":\"written\"", "\"outcome\":\"rejected\"");
        write_lines(&dir, &l);
        let report = verify(dir.path(), &anchors(&entries, &[5])).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!(p.kind, ProblemKind::HashMismatch);
        assert_eq!((p.line, p.seq), (3, Some(3)));
        assert!(p.to_string().starts_with("line 3 (seq 3): hash mismatch"));
    }

    #[test]
    fn edited_amount_in_path_text_is_hash_mismatch() {
        let (dir, _) = project(5);
        let mut l = lines(&dir);
        l[2] = l[2].replace("payapps/003.json", "payapps/003-revised.json");
        write_lines(&dir, &l);
        let report = verify(dir.path(), &[]).expect("verify");
        let p = first(&report);
        assert_eq!(
            (p.kind, p.line, p.seq),
            (ProblemKind::HashMismatch, 3, Some(3))
        );
    }

    #[test]
    fn deleted_line_is_sequence_gap() {
        let (dir, _) = project(5);
        let mut l = lines(&dir);
        l.remove(2);
        write_lines(&dir, &l);
        let report = verify(dir.path(), &[]).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!(p.kind, ProblemKind::SequenceGap);
        assert_eq!((p.line, p.seq), (3, Some(4)));
        assert!(p.message.contains("seq 3 is missing"), "{}", p.message);
        assert_eq!(report.entries, 4);
    }

    #[test]
    fn swapped_lines_are_reordered() {
        let (dir, entries) = project(5);
        let mut l = lines(&dir);
        l.swap(1, 2);
        write_lines(&dir, &l);
        let report = verify(dir.path(), &anchors(&entries, &[2, 3, 5])).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!(p.kind, ProblemKind::Reordered);
        assert_eq!((p.line, p.seq), (2, Some(3)));
        assert!(p.message.contains("line 3 (seq 2)"), "{}", p.message);
    }

    #[test]
    fn truncated_tail_is_caught_by_anchors() {
        let (dir, entries) = project(5);
        let original = anchors(&entries, &[1, 2, 3, 4, 5]);
        let mut l = lines(&dir);
        l.truncate(3);
        write_lines(&dir, &l);
        // Without anchors the shorter log looks fine.
        assert!(verify(dir.path(), &[]).expect("verify").is_intact());
        let report = verify(dir.path(), &original).expect("verify");
        assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!(p.kind, ProblemKind::Truncated);
        assert_eq!((p.line, p.seq), (0, Some(4)));
        assert!(p.message.contains("outbox/procore/004.manifest.json"));
        assert!(p.message.contains("ends at seq 3"));
        assert_eq!(report.problems[1].seq, Some(5));
    }

    #[test]
    fn appended_garbage_is_malformed() {
        let (dir, _) = project(5);
        let mut l = lines(&dir);
        l.push("oops, pasted here".to_string());
        write_lines(&dir, &l);
        let report = verify(dir.path(), &[]).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!((p.kind, p.line, p.seq), (ProblemKind::Malformed, 6, None));
        assert_eq!(report.entries, 5);
    }

    #[test]
    fn partially_written_last_line_is_malformed() {
        let (dir, _) = project(5);
        let l = lines(&dir);
        let mut text = l.join("\n");
        text.push('\n');
        text.push_str(&l[4][..40]);
        fs::write(log_path(dir.path()), text).expect("write");
        let report = verify(dir.path(), &[]).expect("verify");
        let p = first(&report);
        assert_eq!((p.kind, p.line), (ProblemKind::Malformed, 6));
        assert!(p.message.contains("no final newline"), "{}", p.message);
        match read(dir.path()) {
            Err(AuditError::Malformed { line, .. }) => assert_eq!(line, 6),
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn trailing_garbage_on_a_line_is_malformed() {
        let (dir, _) = project(3);
        let mut l = lines(&dir);
        l[1].push_str(" x");
        write_lines(&dir, &l);
        let p = first(&verify(dir.path(), &[]).expect("verify")).clone();
        assert_eq!((p.kind, p.line), (ProblemKind::Malformed, 2));
        let mut l = lines(&dir);
        l[1] = l[1].trim_end_matches(" x").to_string() + " ";
        write_lines(&dir, &l);
        let p = first(&verify(dir.path(), &[]).expect("verify")).clone();
        assert_eq!(
            (p.kind, p.line, p.seq),
            (ProblemKind::Malformed, 2, Some(2))
        );
        assert!(p.message.contains("canonical"), "{}", p.message);
    }

    #[test]
    fn crlf_is_malformed() {
        let (dir, _) = project(3);
        let l = lines(&dir);
        // One line with CRLF.
        let text = format!("{}\n{}\r\n{}\n", l[0], l[1], l[2]);
        fs::write(log_path(dir.path()), text).expect("write");
        let report = verify(dir.path(), &[]).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!(
            (p.kind, p.line, p.seq),
            (ProblemKind::Malformed, 2, Some(2))
        );
        assert!(p.message.contains("CRLF"));
        // The whole file converted: one problem, not one per line.
        fs::write(log_path(dir.path()), l.join("\r\n") + "\r\n").expect("write");
        let report = verify(dir.path(), &[]).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert_eq!(first(&report).line, 1);
        assert!(first(&report).message.contains(".gitattributes"));
        assert_eq!(report.entries, 3);
    }

    #[test]
    fn unknown_field_and_bad_time_are_malformed() {
        let (dir, _) = project(2);
        let mut l = lines(&dir);
        l[0] = l[0].replacen("{\"seq\":1,", "{\"seq\":1,\"amount\":\"5.00\",", 1);
        l[1] = l[1].replace("T09:12:11Z", "T09:12:11+00:00");
        write_lines(&dir, &l);
        let report = verify(dir.path(), &[]).expect("verify");
        let kinds: Vec<_> = report.problems.iter().map(|p| (p.line, p.kind)).collect();
        assert_eq!(
            kinds,
            vec![(1, ProblemKind::Malformed), (2, ProblemKind::Malformed)]
        );
        assert!(report.problems[0].message.contains("amount"));
    }

    /// The attacker edits line 3 and recomputes every hash after it.
    fn rehash_from(entries: &mut [Entry], from: usize) {
        for i in from..entries.len() {
            if i > 0 {
                entries[i].prev_hash = entries[i - 1].hash.clone();
            }
            entries[i].hash = entries[i].computed_hash().expect("hash");
        }
    }

    #[test]
    fn rehashed_chain_is_only_caught_by_anchors() {
        let (dir, original) = project(5);
        let mut forged = original.clone();
        forged[2].outcome = "rejected".to_string();
        rehash_from(&mut forged, 2);
        let l: Vec<String> = forged
            .iter()
            .map(|e| serde_json::to_string(e).expect("json"))
            .collect();
        write_lines(&dir, &l);
        assert!(verify(dir.path(), &[]).expect("verify").is_intact());
        let report = verify(dir.path(), &anchors(&original, &[2, 4])).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!(p.kind, ProblemKind::AnchorMismatch);
        assert_eq!((p.line, p.seq), (4, Some(4)));
        assert!(p.message.contains("outbox/procore/004.manifest.json"));
        assert!(p.message.contains("anchors up to seq 2 still match"));
    }

    #[test]
    fn rehashing_one_entry_breaks_the_chain_after_it() {
        let (dir, original) = project(5);
        let mut forged = original.clone();
        forged[2].outcome = "held".to_string();
        forged[2].hash = forged[2].computed_hash().expect("hash");
        let l: Vec<String> = forged
            .iter()
            .map(|e| serde_json::to_string(e).expect("json"))
            .collect();
        write_lines(&dir, &l);
        let report = verify(dir.path(), &[]).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!(
            (p.kind, p.line, p.seq),
            (ProblemKind::BrokenChain, 4, Some(4))
        );
    }

    #[test]
    fn duplicated_seq_is_broken_chain() {
        let (dir, _) = project(3);
        let mut l = lines(&dir);
        let copy = l[2].clone();
        l.push(copy);
        write_lines(&dir, &l);
        let report = verify(dir.path(), &[]).expect("verify");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = first(&report);
        assert_eq!(
            (p.kind, p.line, p.seq),
            (ProblemKind::BrokenChain, 4, Some(3))
        );
    }

    #[test]
    fn anchor_with_other_hash_or_invalid_anchor_is_reported() {
        let (dir, entries) = project(3);
        let mut a = anchors(&entries, &[2]);
        a[0].hash = sha256_hex(b"something else");
        a.push(Anchor {
            seq: 1,
            hash: "ABC".to_string(),
            source: "outbox/x.json".to_string(),
        });
        let report = verify(dir.path(), &a).expect("verify");
        let kinds: Vec<_> = report
            .problems
            .iter()
            .map(|p| (p.line, p.seq, p.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (0, Some(1), ProblemKind::AnchorMismatch),
                (2, Some(2), ProblemKind::AnchorMismatch)
            ]
        );
    }

    #[test]
    fn problems_are_sorted_by_line() {
        let (dir, _) = project(6);
        let mut l = lines(&dir);
        l[4] = l[4].replace("\"outcome\":\"written\"", "\"outcome\":\"held\"");
        l.remove(1);
        write_lines(&dir, &l);
        let report = verify(dir.path(), &[]).expect("verify");
        let got: Vec<_> = report.problems.iter().map(|p| (p.line, p.kind)).collect();
        assert_eq!(
            got,
            vec![
                (2, ProblemKind::SequenceGap),
                (4, ProblemKind::HashMismatch)
            ]
        );
    }

    fn assert_append_refused(dir: &tempfile::TempDir, line: usize) {
        let before = fs::read(log_path(dir.path())).expect("read");
        match append(dir.path(), sample(9), t0()) {
            Err(err @ AuditError::TailInvalid { .. }) => {
                let text = err.to_string();
                assert!(text.contains("aecos audit verify"), "{text}");
                assert!(text.contains(&format!("line {line} ")), "{text}");
            }
            other => panic!("expected TailInvalid, got {other:?}"),
        }
        assert_eq!(fs::read(log_path(dir.path())).expect("read"), before);
        assert!(!lock_path(dir.path()).exists(), "lock left behind");
    }

    #[test]
    fn append_refuses_tampered_tail() {
        let (dir, _) = project(3);
        let mut l = lines(&dir);
        l[2] = l[2].replace("\"outcome\":\"written\"", "\"outcome\":\"held\"");
        write_lines(&dir, &l);
        assert_append_refused(&dir, 3);
    }

    #[test]
    fn append_refuses_garbage_or_partial_tail() {
        let (dir, _) = project(2);
        let mut l = lines(&dir);
        l.push("garbage".to_string());
        write_lines(&dir, &l);
        assert_append_refused(&dir, 3);

        let l = lines(&dir);
        let text = format!("{}\n{}", l[0], l[1]);
        fs::write(log_path(dir.path()), text).expect("write");
        assert_append_refused(&dir, 2);
    }

    #[test]
    fn append_reads_last_line_of_a_long_log() {
        let (dir, _) = project(40);
        assert!(fs::metadata(log_path(dir.path())).expect("meta").len() > 2 * TAIL_CHUNK);
        let e = append(dir.path(), sample(41), t0()).expect("append");
        assert_eq!(e.seq, 41);
        assert!(verify(dir.path(), &[]).expect("verify").is_intact());
    }

    #[test]
    fn append_rejects_invalid_fields_without_touching_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases: Vec<(&str, NewEntry)> = vec![
            (
                "payload_sha256",
                NewEntry {
                    payload_sha256: sample(1).payload_sha256.to_uppercase(),
                    ..sample(1)
                },
            ),
            (
                "payload_sha256",
                NewEntry {
                    payload_sha256: "abc".to_string(),
                    ..sample(1)
                },
            ),
            (
                "direction",
                NewEntry {
                    direction: "sideways".to_string(),
                    ..sample(1)
                },
            ),
            (
                "action",
                NewEntry {
                    action: " ".to_string(),
                    ..sample(1)
                },
            ),
        ];
        for (want, entry) in cases {
            match append(dir.path(), entry, t0()) {
                Err(AuditError::InvalidEntry { field, .. }) => assert_eq!(field, want),
                other => panic!("expected InvalidEntry for {want}, got {other:?}"),
            }
        }
        assert!(!dir.path().join(AUDIT_DIR).exists());
    }

    #[test]
    fn time_is_utc_whole_seconds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = datetime!(2026-11-23 11:10:11.987654 +02:00);
        let e = append(dir.path(), sample(1), now).expect("append");
        assert_eq!(e.time, datetime!(2026-11-23 09:10:11 UTC));
        assert!(lines(&dir)[0].contains("\"time\":\"2026-11-23T09:10:11Z\""));
        assert_eq!(read(dir.path()).expect("read")[0], e);
    }

    #[test]
    fn fresh_lock_blocks_append_and_is_left_alone() {
        let (dir, _) = project(1);
        let lock = lock_path(dir.path());
        fs::write(&lock, "pid 1\n").expect("lock");
        let before = fs::read(log_path(dir.path())).expect("read");
        match append(dir.path(), sample(2), t0()) {
            Err(err @ AuditError::Locked { .. }) => {
                assert!(err.to_string().contains("audit.lock"));
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        assert!(lock.exists(), "someone else's lock was removed");
        assert_eq!(fs::read(log_path(dir.path())).expect("read"), before);
    }

    #[test]
    fn stale_lock_is_removed() {
        let (dir, _) = project(1);
        let lock = lock_path(dir.path());
        let file = File::create(&lock).expect("lock");
        let old = SystemTime::now() - Duration::from_secs(11 * 60);
        file.set_modified(old).expect("set mtime");
        drop(file);
        let e = append(dir.path(), sample(2), t0()).expect("append");
        assert_eq!(e.seq, 2);
        assert!(!lock.exists());
    }

    #[test]
    fn concurrent_appenders_keep_the_chain() {
        let (dir, _) = project(0);
        let root = Arc::new(dir.path().to_path_buf());
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let root = Arc::clone(&root);
                std::thread::spawn(move || {
                    for i in 0..5u64 {
                        let mut tries = 0;
                        loop {
                            match append(&root, sample(t * 10 + i), t0()) {
                                Ok(_) => break,
                                Err(AuditError::Locked { .. }) if tries < 10_000 => {
                                    tries += 1;
                                    std::thread::sleep(Duration::from_millis(1));
                                }
                                Err(e) => panic!("append failed: {e}"),
                            }
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let report = verify(dir.path(), &[]).expect("verify");
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(report.entries, 20);
        assert!(!lock_path(dir.path()).exists());
    }
}
