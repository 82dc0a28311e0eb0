//! The library's typed errors. Every error names the file it is about (and the line,
//! column, record or field where there is one) and carries a hint telling the user what
//! to do. The CLI renders them; this module must not print anything.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with input data: a record file, a mapping file, an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub path: PathBuf,
    /// 1-based line (for CSV: the physical line of the record).
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// The field or column concerned.
    pub field: Option<String>,
    pub message: String,
    pub hint: String,
}

impl DataError {
    pub fn new(path: &Path, message: impl Into<String>, hint: impl Into<String>) -> Self {
        DataError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
            hint: hint.into(),
        }
    }
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(u32::try_from(line).unwrap_or(u32::MAX));
        self.column = Some(u32::try_from(column).unwrap_or(u32::MAX));
        self
    }
    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(u32::try_from(line).unwrap_or(u32::MAX));
        self
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// A CSV reading error of `text`, located at the record's line.
    pub fn csv(path: &Path, text: &[u8], e: &csv::Error, hint: &str) -> Self {
        DataError::new(path, format!("malformed CSV: {e}"), hint).line(csv_line(text, e.position()))
    }
    /// `path:line:col` (or as much of it as is known).
    pub fn location(&self) -> String {
        let mut s = self.path.display().to_string();
        if let Some(l) = self.line {
            s.push_str(&format!(":{l}"));
            if let Some(c) = self.column {
                s.push_str(&format!(":{c}"));
            }
        }
        s
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.location())?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// The 1-based physical line where a CSV record starts, counted from its byte offset
/// (so LF and CRLF files both count right).
pub fn csv_line(text: &[u8], pos: Option<&csv::Position>) -> usize {
    let mut byte = pos.map(|p| p.byte() as usize).unwrap_or(0).min(text.len());
    // The reader may place a record after the `\r` of a CRLF: skip to its first byte.
    while byte < text.len() && matches!(text[byte], b'\r' | b'\n') {
        byte += 1;
    }
    text[..byte].iter().filter(|b| **b == b'\n').count() + 1
}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Data(Box<DataError>),
    #[error("pay application {period}: {message}")]
    TieOut { period: String, message: String },
    #[error("{direction} of {data_type} to/from {platform} is blocked by {rules}")]
    Blocked {
        platform: String,
        data_type: String,
        direction: String,
        rules: PathBuf,
    },
    #[error("{what} not found: {detail}")]
    NotFound {
        what: &'static str,
        detail: String,
        hint: String,
    },
    #[error("{0}")]
    Audit(#[from] crate::audit::AuditError),
    #[error("{0}")]
    Elements(#[from] crate::project::elements::ElementError),
    #[error("audit log {path} failed verification: {first_problem}")]
    AuditTampered {
        path: PathBuf,
        first_problem: String,
    },
    #[error("writing PDF: {0}")]
    Pdf(#[from] crate::formats::aia_pdf::PdfError),
    /// An export refused because of rows the target would reject; each problem names
    /// its record file, line or field. Nothing was written.
    #[error("{target}: {} row(s) refused, nothing was written:\n  {}", problems.len(), problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n  "))]
    Refused {
        target: String,
        problems: Vec<DataError>,
    },
    #[error("{path}: the import was rejected: {reason}")]
    Rejected {
        path: PathBuf,
        reason: String,
        report: PathBuf,
    },
}

impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::Data(Box::new(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// What the user should do about it.
    pub fn hint(&self) -> String {
        match self {
            Error::Io { .. } => "check that the path exists and that you may read and write it".into(),
            Error::Data(d) => d.hint.clone(),
            Error::TieOut { .. } => {
                "fix the pay application or SOV records so the G702 and G703 agree; nothing was written".into()
            }
            Error::Blocked { platform, .. } => format!(
                "nothing was written; if this exchange should be allowed, run `aecos integrate data-flow {platform} --set ...`"
            ),
            Error::NotFound { hint, .. } => hint.clone(),
            Error::Audit(_) => "run `aecos audit verify` to see what is wrong with the log; restore it from Git history if it was damaged".into(),
            Error::AuditTampered { .. } => {
                "the log was edited, reordered or truncated; restore it from Git history (`git log -p audit/audit.jsonl`)".into()
            }
            Error::Elements(_) => "fix the element folder named above; AEC OS writes metadata.json with GlobalId and IFCClass".into(),
            Error::Pdf(_) => "this is a bug in aecos; please report it with the pay application".into(),
            Error::Rejected { report, .. } => {
                format!("read the report at {} and fix the file, then drop it in the inbox again", report.display())
            }
            Error::Refused { problems, .. } => problems
                .first()
                .map(|p| p.hint.clone())
                .unwrap_or_default(),
        }
    }

    /// The documented process exit code for this error (see README, "Exit codes").
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Io { .. } => 1,
            Error::Data(_)
            | Error::NotFound { .. }
            | Error::Elements(_)
            | Error::Refused { .. } => 3,
            Error::TieOut { .. } => 4,
            Error::Blocked { .. } => 5,
            Error::Audit(_) | Error::AuditTampered { .. } => 6,
            Error::Rejected { .. } => 7,
            Error::Pdf(_) => 1,
        }
    }
}
