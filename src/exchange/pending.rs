//! Plans of what an exchange will write, and the approval queue. A plan is committed
//! at once (atomic writes, moves, audit entries, manifest) or, when the data-flow rules
//! require approval, held in `<project>/integration/pending/<id>/` until
//! `aecos approve <id>`.
//!
//! Must not decide policy (that is `rules`) or produce file contents (writers do).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{move_file, rel, write_atomic};
use crate::audit::{self, NewEntry};
use crate::error::{Error, Result};

pub const PENDING: &str = "integration/pending";

/// One file a plan writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannedWrite {
    /// Destination, relative to the project root (or absolute when outside it).
    pub dest: String,
    pub format: String,
    pub sha256: String,
    /// Audit fields for this file.
    pub action: String,
    pub direction: String,
    pub platform: String,
    pub data_type: String,
    pub source: String,
}

/// What an exchange will do, all or nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub kind: String,
    pub writes: Vec<PlannedWrite>,
    /// Manifest to write after the files, with the audit entries filled in.
    pub manifest: Option<(String, serde_json::Value)>,
    /// Files to move once the writes are done (inbox → processed).
    pub moves: Vec<(String, String)>,
    /// Outcome recorded in the audit log for each write.
    pub outcome: String,
    /// SHA-256 of each destination as it was when the plan was held (None: absent), so
    /// approval refuses to overwrite a file changed in the meantime.
    #[serde(default)]
    pub held_over: Vec<Option<String>>,
    /// Folders to remove after the moves when the moves left them empty (a model pull
    /// moving a removed element's files out of its element folder).
    #[serde(default)]
    pub prune_dirs: Vec<String>,
}

/// An entry of the audit log as recorded in manifests: `{seq, hash}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditRef {
    pub seq: u64,
    pub hash: String,
    pub path: String,
}

fn abs(root: &Path, p: &str) -> PathBuf {
    let pb = PathBuf::from(p);
    if pb.is_absolute() {
        pb
    } else {
        root.join(pb)
    }
}

/// Appends the audit entry for one planned file.
fn record(
    root: &Path,
    w: &PlannedWrite,
    action: &str,
    source: &str,
    destination: &str,
    outcome: &str,
) -> Result<audit::Entry> {
    Ok(audit::append(
        root,
        NewEntry {
            actor: super::actor(),
            action: action.to_string(),
            direction: w.direction.clone(),
            platform: w.platform.clone(),
            data_type: w.data_type.clone(),
            source: source.to_string(),
            destination: destination.to_string(),
            payload_sha256: w.sha256.clone(),
            outcome: outcome.to_string(),
        },
        super::now(),
    )?)
}

/// Commits a plan whose bytes are given (in `writes` order). Returns the audit refs.
pub fn commit(root: &Path, plan: &Plan, bytes: &[Vec<u8>]) -> Result<Vec<AuditRef>> {
    // Write every file first (each atomically), then record, then move inputs.
    for (w, b) in plan.writes.iter().zip(bytes) {
        write_atomic(&abs(root, &w.dest), b)?;
    }
    let mut refs = Vec::new();
    for w in &plan.writes {
        let e = record(root, w, &w.action, &w.source, &w.dest, &plan.outcome)?;
        refs.push(AuditRef {
            seq: e.seq,
            hash: e.hash,
            path: w.dest.clone(),
        });
    }
    if let Some((path, body)) = &plan.manifest {
        let mut body = body.clone();
        if let Some(obj) = body.as_object_mut() {
            obj.insert(
                "audit".into(),
                serde_json::to_value(&refs).unwrap_or_default(),
            );
        }
        let mut text = serde_json::to_vec_pretty(&body).unwrap_or_default();
        text.push(b'\n');
        write_atomic(&abs(root, path), &text)?;
    }
    for (from, to) in &plan.moves {
        move_file(&abs(root, from), &abs(root, to))?;
    }
    for d in &plan.prune_dirs {
        remove_empty_dirs(&abs(root, d))?;
    }
    Ok(refs)
}

/// Removes `dir` and the folders under it, deepest first, if they hold no files.
fn remove_empty_dirs(dir: &Path) -> Result<()> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in rd.flatten() {
        if e.path().is_dir() {
            remove_empty_dirs(&e.path())?;
        }
    }
    match std::fs::remove_dir(dir) {
        Ok(()) => Ok(()),
        // Not empty (a file was left) or already gone: leave it as it is.
        Err(_) if dir.exists() && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) => {
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(dir, e)),
    }
}

/// Holds a plan for approval; returns its id.
pub fn hold(root: &Path, plan: &Plan, bytes: &[Vec<u8>], id: &str) -> Result<PathBuf> {
    let dir = root.join(PENDING).join(id);
    let mut plan = plan.clone();
    plan.held_over = plan
        .writes
        .iter()
        .map(|w| {
            std::fs::read(abs(root, &w.dest))
                .ok()
                .map(|b| audit::sha256_hex(&b))
        })
        .collect();
    let plan = &plan;
    for (i, b) in bytes.iter().enumerate() {
        write_atomic(&dir.join(format!("{i}.bin")), b)?;
    }
    let mut text = serde_json::to_vec_pretty(plan).unwrap_or_default();
    text.push(b'\n');
    write_atomic(&dir.join("plan.json"), &text)?;
    for w in &plan.writes {
        record(
            root,
            w,
            &w.action,
            &w.source,
            &format!("{PENDING}/{id}"),
            "held",
        )?;
    }
    Ok(dir)
}

/// Pending plans: (id, plan).
pub fn list(root: &Path) -> Result<Vec<(String, Plan)>> {
    let dir = root.join(PENDING);
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    let mut ids: Vec<String> = rd
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    ids.sort();
    for id in ids {
        let p = dir.join(&id).join("plan.json");
        let plan: Plan = crate::project::serde_util::load_json(
            &p,
            "a pending exchange is damaged; delete its folder and run the exchange again",
        )?;
        out.push((id, plan));
    }
    Ok(out)
}

/// Approves a held plan: checks its bytes are unchanged, commits it, removes it from
/// the queue, and records the approval.
pub fn approve(root: &Path, id: &str) -> Result<(Plan, Vec<AuditRef>)> {
    let dir = root.join(PENDING).join(id);
    if !dir.join("plan.json").is_file() {
        return Err(Error::NotFound {
            what: "pending exchange",
            detail: id.to_string(),
            hint: "list pending exchanges with `aecos approve --list`".into(),
        });
    }
    let plan: Plan = crate::project::serde_util::load_json(
        &dir.join("plan.json"),
        "delete the pending folder and run the exchange again",
    )?;
    let mut bytes = Vec::new();
    for (i, w) in plan.writes.iter().enumerate() {
        let p = dir.join(format!("{i}.bin"));
        let b = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
        if audit::sha256_hex(&b) != w.sha256 {
            return Err(crate::error::DataError::new(
                &p,
                "the held file changed after it was queued",
                "delete the pending folder and run the exchange again",
            )
            .into());
        }
        bytes.push(b);
    }
    for (w, before) in plan.writes.iter().zip(&plan.held_over) {
        let now = std::fs::read(abs(root, &w.dest))
            .ok()
            .map(|b| audit::sha256_hex(&b));
        if &now != before {
            return Err(crate::error::DataError::new(
                &abs(root, &w.dest),
                format!("changed since exchange {id} was held; approving it would overwrite that change"),
                "run the export or import again so it starts from the current files, then approve the new one",
            )
            .into());
        }
    }
    for w in &plan.writes {
        record(
            root,
            w,
            "approve",
            &format!("{PENDING}/{id}"),
            &w.dest,
            "approved",
        )?;
    }
    let refs = commit(root, &plan, &bytes)?;
    std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let _ = rel(root, &dir);
    Ok((plan, refs))
}

/// Audit anchors recorded outside the log: every `audit` list of the outbox manifests
/// (`*.manifest.json` anywhere under `outbox/`), for `audit verify`'s truncation and
/// rewrite checks.
pub fn anchors(root: &Path) -> Result<Vec<audit::Anchor>> {
    let mut out = Vec::new();
    let outbox = root.join("outbox");
    for entry in walkdir::WalkDir::new(&outbox)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        let p = entry.path();
        if !p.is_file() || !p.to_string_lossy().ends_with(".manifest.json") {
            continue;
        }
        let Ok(bytes) = std::fs::read(p) else {
            continue;
        };
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        if let Some(list) = v.get("audit").and_then(|a| a.as_array()) {
            for a in list {
                if let Ok(r) = serde_json::from_value::<AuditRef>(a.clone()) {
                    out.push(audit::Anchor {
                        seq: r.seq,
                        hash: r.hash,
                        source: rel(root, p),
                    });
                }
            }
        }
    }
    Ok(out)
}
