//! The exchange stage: export (project → mapping → writer → outbox) and import (inbox →
//! detect → parse → validate → map → project), each checked against the data-flow
//! rules first and recorded in the audit log.
//!
//! Everything written here is written atomically (temporary file, fsync, rename). This
//! module must not compute formats' contents itself: writers and readers do.

pub mod cost_export;
pub mod export;
pub mod import;
pub mod model_pull;
pub mod pending;
pub mod pulled;
pub mod rules;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync, rename, fsync
/// of the folder. A crash leaves either the old file or the new one, never a partial one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Moves a file, falling back to copy + fsync + remove across file systems.
pub fn move_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(d) = to.parent() {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let bytes = std::fs::read(from).map_err(|e| Error::io(from, e))?;
    write_atomic(to, &bytes)?;
    std::fs::remove_file(from).map_err(|e| Error::io(from, e))
}

/// Who is acting, for the audit log: `AECOS_ACTOR`, else `USER`, else "unknown".
pub fn actor() -> String {
    std::env::var("AECOS_ACTOR")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into())
}

/// Current time for audit entries.
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// `path` relative to `root`, with forward slashes (for manifests and the audit log).
pub fn rel(root: &Path, path: &Path) -> String {
    let Ok(p) = path.strip_prefix(root) else {
        return path.display().to_string();
    };
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// A checked project root: it must hold `aecos_project.json`.
pub fn project_root(dir: &Path) -> Result<PathBuf> {
    if dir.join("aecos_project.json").is_file() {
        Ok(dir.to_path_buf())
    } else {
        Err(Error::NotFound {
            what: "AEC OS project",
            detail: format!("{} has no aecos_project.json", dir.display()),
            hint: "run the command inside a project or pass --project DIR".into(),
        })
    }
}
