//! The `aecos` command line: parses arguments, calls the library, renders results as
//! text or `--json`, and maps errors to documented exit codes. No logic lives here.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use aecos::exchange::rules::{self, Flow, Policy};
use aecos::exchange::{export, import, pending};
use aecos::{audit, demo, mapping, Error};

#[derive(Parser)]
#[command(name = "aecos", version, about = "File exchange for AEC OS construction projects: pay applications, schedules, models and costs to and from the platforms you use", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Common {
    /// The AEC OS project folder.
    #[arg(long, short = 'p', default_value = ".", env = "AECOS_PROJECT")]
    project: PathBuf,
    /// Print machine-readable JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Write drop files for a platform into the outbox (e.g. `export g703`).
    Export {
        /// Export target, e.g. g703.
        target: String,
        /// Folder for the drop files (default: <project>/outbox/<platform>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Pay period to export, YYYY-MM (default: the latest pay application).
        #[arg(long)]
        period: Option<String>,
        /// XER header version to write (default: a conservative one Procore's importer reads).
        #[arg(long)]
        xer_version: Option<String>,
        /// IFC schema for `export ifc`: IFC2X3, IFC4 (default) or IFC4X3_ADD2.
        #[arg(long)]
        schema: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Monthly cost reconciliation (budget, changes, committed, invoiced, billed, actual
    /// per cost code and type): a CSV, a findings CSV and a PDF report in the outbox.
    Reconcile {
        /// Month to reconcile, YYYY-MM (default: the latest pay application that is not a draft).
        #[arg(long)]
        period: Option<String>,
        /// Folder for the report (default: <project>/outbox/reports/).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Read files exported by a platform (a file, or every file of a folder) into the project.
    Import {
        /// File or folder (default: <project>/inbox).
        input: Option<PathBuf>,
        /// Import a schedule as the new baseline (baseline dates only), not as a progress update.
        #[arg(long)]
        baseline: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Show what a schedule file (XER, MS Project XML, P6 XML) or IFC model (.ifc, .ifczip) holds.
    Inspect {
        file: PathBuf,
        /// Print machine-readable JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Release an exchange held by a requires-approval rule.
    Approve {
        /// The pending id printed by export/import (EXP-... or IMP-...).
        id: Option<String>,
        /// List pending exchanges instead.
        #[arg(long)]
        list: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Check and test mapping files.
    Mappings {
        #[command(subcommand)]
        action: MappingsCmd,
    },
    /// Show or change integration settings.
    Integrate {
        #[command(subcommand)]
        action: IntegrateCmd,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCmd,
    },
    /// Run the main job on a copy of the bundled sample project.
    Demo {
        /// Folder for the copy (default: target/aecos-demo in the checkout).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Print machine-readable JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum MappingsCmd {
    /// Parse and check mapping files (built-in and the project's, or every *.toml of DIR).
    Validate {
        dir: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Run the tests that mapping files carry.
    Test {
        dir: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum IntegrateCmd {
    /// Show a platform's data-flow rules, or change one.
    DataFlow {
        /// Platform, e.g. aia, procore, quickbooks.
        platform: String,
        /// Data type the change applies to (`*` for all of the platform's).
        #[arg(long, default_value = "*")]
        data_type: String,
        /// New policy for pushes (exports).
        #[arg(long, value_enum)]
        push: Option<Policy>,
        /// New policy for pulls (imports).
        #[arg(long, value_enum)]
        pull: Option<Policy>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Verify the audit log's hash chain and its anchors in outbox manifests.
    Verify {
        #[command(flatten)]
        common: Common,
    },
}

fn main() -> ExitCode {
    aecos::heap::tune();
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Export { common, .. }
        | Command::Reconcile { common, .. }
        | Command::Import { common, .. }
        | Command::Approve { common, .. } => common.json,
        Command::Mappings {
            action: MappingsCmd::Validate { common, .. } | MappingsCmd::Test { common, .. },
        } => common.json,
        Command::Integrate {
            action: IntegrateCmd::DataFlow { common, .. },
        } => common.json,
        Command::Audit {
            action: AuditCmd::Verify { common },
        } => common.json,
        Command::Demo { json, .. } | Command::Inspect { json, .. } => *json,
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if json {
                let v = serde_json::json!({"status": "error", "error": e.to_string(), "hint": e.hint(), "exit_code": e.exit_code()});
                println!("{v}");
            } else {
                eprintln!("error: {e}");
                eprintln!("  hint: {}", e.hint());
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn print_json(v: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    );
}

/// Progress lines go to stderr only when it is a terminal.
fn progress() -> impl FnMut(&str) {
    let tty = std::io::stderr().is_terminal();
    move |msg: &str| {
        if tty {
            eprintln!("  … {msg}");
        }
    }
}

/// Prints an export report: JSON, or the files, manifest and summary lines.
fn print_export(r: &export::ExportReport, json: bool) {
    if json {
        print_json(r);
    } else {
        println!("{}: {}", r.target, r.status);
        for f in &r.files {
            println!("  {}  {}", f.path, &f.sha256[..12]);
        }
        println!("  manifest {}", r.manifest);
        if let Some(id) = &r.pending_id {
            println!("held for approval: run `aecos approve {id}` to release it");
        }
        if let Some(obj) = r.summary.as_object() {
            for (k, v) in obj {
                println!(
                    "  {k}: {}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                );
            }
        }
    }
}

fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Export {
            target,
            out,
            period,
            xer_version,
            schema,
            common,
        } => {
            let r = export::export(
                &target,
                &export::ExportOptions {
                    project: &common.project,
                    out: out.as_deref(),
                    period: period.as_deref(),
                    xer_version: xer_version.as_deref(),
                    schema: schema.as_deref(),
                },
            )?;
            print_export(&r, common.json);
            Ok(0)
        }
        Command::Reconcile {
            period,
            out,
            common,
        } => {
            let r = export::export(
                "reconcile",
                &export::ExportOptions {
                    project: &common.project,
                    out: out.as_deref(),
                    period: period.as_deref(),
                    xer_version: None,
                    schema: None,
                },
            )?;
            print_export(&r, common.json);
            Ok(0)
        }
        Command::Inspect { file, json } => {
            if json {
                let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
                aecos::inspect::write_json(&file, &mut out)?;
            } else {
                match aecos::inspect::inspect(&file)? {
                    aecos::inspect::Inspection::Schedule(r) => {
                        println!("{} ({})", file.display(), r.format);
                        for p in r.projects() {
                            println!(
                                "  project {} \"{}\": {} activities, {} relationships, {} WBS, {} resources, {} assignments",
                                p.id, p.name, p.tasks, p.relationships, p.wbs, p.resources, p.assignments
                            );
                        }
                    }
                    aecos::inspect::Inspection::Ifc(r) => {
                        println!(
                            "{} (ifc, {}): {} entities, {} products",
                            file.display(),
                            r.schema,
                            r.entities,
                            r.products.len()
                        );
                        for p in &r.products {
                            println!(
                                "  {} {} \"{}\": {} sets",
                                p.class,
                                p.global_id.as_deref().unwrap_or("$"),
                                p.name.as_deref().unwrap_or(""),
                                p.psets.len()
                            );
                        }
                    }
                }
            }
            Ok(0)
        }
        Command::Import {
            input,
            baseline,
            common,
        } => {
            let input = input.unwrap_or_else(|| common.project.join("inbox"));
            let r = import::import(
                &common.project,
                &input,
                &import::ImportOptions { baseline },
                &mut progress(),
            )?;
            if common.json {
                print_json(&r);
            } else {
                for f in &r.files {
                    println!("{}: {}", f.file, f.status);
                    if let Some(rec) = &f.record {
                        println!("  record  {rec}");
                    }
                    if let Some(t) = &f.totals {
                        println!(
                            "  {} lines, scheduled {} completed {}",
                            t.lines,
                            aecos::money::plain(t.scheduled_value),
                            aecos::money::plain(t.completed_and_stored)
                        );
                    }
                    if let Some(t) = &f.table {
                        let totals: Vec<String> = t
                            .totals
                            .iter()
                            .map(|(k, v)| format!("{k} {}", aecos::money::plain(*v)))
                            .collect();
                        println!("  {} rows; totals: {}", t.rows, totals.join(", "));
                    }
                    for m in f.actual_costs.iter().flatten() {
                        println!(
                            "  {} {}: {} transactions, total {} ({})",
                            m.month,
                            m.status,
                            m.transactions,
                            aecos::money::plain(m.total),
                            m.file
                        );
                        for (what, ids) in [
                            ("added", &m.added),
                            ("removed", &m.removed),
                            ("changed", &m.changed),
                        ] {
                            if !ids.is_empty() {
                                println!("    {what}: {}", ids.join(", "));
                            }
                        }
                    }
                    if let Some(i) = &f.iif {
                        let lists: Vec<String> =
                            i.lists.iter().map(|(k, n)| format!("{k} {n}")).collect();
                        println!(
                            "  {} balanced transactions; lists: {}",
                            i.transactions,
                            lists.join(", ")
                        );
                    }
                    if let Some(m) = &f.moved_to {
                        println!("  moved to {m}");
                    }
                    if let Some(e) = &f.error {
                        println!("  error: {e}");
                    }
                    if let Some(id) = &f.pending_id {
                        println!("  held for approval: run `aecos approve {id}`");
                    }
                    if let Some(s) = &f.schedule {
                        println!(
                            "  schedule {} ({}): {} activities, {} relationships in the file",
                            s.project, s.mode, s.activities, s.relationships
                        );
                        let m = &s.merge;
                        println!("  updated {} fields, added {}, removed {}, links +{} -{}, conflicts {}", m.updated.len(), m.added.len(), m.removed.len(), m.links_added, m.links_removed, m.conflicts.len());
                        if let Some(c) = &s.conflicts_file {
                            println!("  conflicts recorded in {c}");
                        }
                    }
                    if let Some(m) = &f.model {
                        println!(
                            "  model version: {} elements added, {} removed, {} changed, {} unchanged, {} conflicts{}",
                            m.added.len(),
                            m.removed.len(),
                            m.changed.len(),
                            m.unchanged,
                            m.conflicts.len(),
                            if m.first_pull { " (first pull)" } else { "" }
                        );
                    }
                }
                if r.files.is_empty() {
                    println!("nothing to import in {}", input.display());
                }
            }
            Ok(if r.rejected() > 0 { 7 } else { 0 })
        }
        Command::Approve { id, list, common } => {
            let root = aecos::exchange::project_root(&common.project)?;
            if list || id.is_none() {
                let items = pending::list(&root)?;
                if common.json {
                    let v: Vec<_> = items.iter().map(|(id, p)| serde_json::json!({"id": id, "kind": p.kind, "files": p.writes.iter().map(|w| &w.dest).collect::<Vec<_>>()})).collect();
                    print_json(&v);
                } else if items.is_empty() {
                    println!("nothing is waiting for approval");
                } else {
                    for (id, p) in items {
                        println!(
                            "{id}  {}  {}",
                            p.kind,
                            p.writes
                                .iter()
                                .map(|w| w.dest.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    }
                }
                return Ok(0);
            }
            let id = id.unwrap_or_default();
            let (plan, refs) = pending::approve(&root, &id)?;
            if common.json {
                print_json(
                    &serde_json::json!({"status": "approved", "id": id, "files": plan.writes.iter().map(|w| serde_json::json!({"path": w.dest, "sha256": w.sha256, "format": w.format})).collect::<Vec<_>>(), "audit": refs}),
                );
            } else {
                println!("{id}: approved and written");
                for w in &plan.writes {
                    println!("  {}", w.dest);
                }
            }
            Ok(0)
        }
        Command::Mappings { action } => {
            let (dir, common, test) = match action {
                MappingsCmd::Validate { dir, common } => (dir, common, false),
                MappingsCmd::Test { dir, common } => (dir, common, true),
            };
            let maps = match &dir {
                Some(d) => mapping::load_dir(d)?,
                None => {
                    let root = common
                        .project
                        .join("aecos_project.json")
                        .is_file()
                        .then_some(common.project.as_path());
                    mapping::load_all(root)?
                }
            };
            if !test {
                if common.json {
                    print_json(
                        &serde_json::json!({"status": "ok", "mappings": maps.iter().map(|m| serde_json::json!({"id": m.id, "path": m.path, "format": m.format, "tests": m.tests.len()})).collect::<Vec<_>>()}),
                    );
                } else {
                    for m in &maps {
                        println!(
                            "ok  {}  ({}, {} tests)  {}",
                            m.id,
                            m.format,
                            m.tests.len(),
                            m.path.display()
                        );
                    }
                }
                return Ok(0);
            }
            let mut passed = 0;
            let mut failures = Vec::new();
            let mut per = Vec::new();
            for m in &maps {
                let (p, f) = m.run_tests();
                per.push(serde_json::json!({"id": m.id, "passed": p, "failed": f.len()}));
                passed += p;
                failures.extend(f);
            }
            if common.json {
                print_json(
                    &serde_json::json!({"passed": passed, "failed": failures.len(), "mappings": per, "failures": failures}),
                );
            } else {
                for f in &failures {
                    println!("FAIL {f}");
                }
                println!("mapping tests: {passed} passed, {} failed", failures.len());
            }
            Ok(if failures.is_empty() { 0 } else { 1 })
        }
        Command::Integrate {
            action:
                IntegrateCmd::DataFlow {
                    platform,
                    data_type,
                    push,
                    pull,
                    common,
                },
        } => {
            let root = aecos::exchange::project_root(&common.project)?;
            let (mut rules, path) = rules::load(&root)?;
            let mut changes = Vec::new();
            for (flow, p) in [(Flow::Push, push), (Flow::Pull, pull)] {
                if let Some(p) = p {
                    let before = rules.set(&platform, &data_type, flow, p);
                    if before != p {
                        changes.push((flow, before, p));
                    }
                }
            }
            if !changes.is_empty() {
                let bytes = rules.to_json();
                aecos::exchange::write_atomic(&path, &bytes)?;
                for (flow, before, after) in &changes {
                    audit::append(
                        &root,
                        audit::NewEntry {
                            actor: aecos::exchange::actor(),
                            action: "rule_change".into(),
                            direction: "local".into(),
                            platform: platform.clone(),
                            data_type: data_type.clone(),
                            source: format!("{} {:?} -> {:?}", flow.name(), before, after),
                            destination: rules::RULES.into(),
                            payload_sha256: audit::sha256_hex(&bytes),
                            outcome: "applied".into(),
                        },
                        aecos::exchange::now(),
                    )?;
                }
            }
            let mine: Vec<_> = rules
                .rules
                .iter()
                .filter(|r| r.platform == platform)
                .collect();
            if common.json {
                print_json(
                    &serde_json::json!({"platform": platform, "default": rules.default, "rules": mine, "changed": changes.len()}),
                );
            } else {
                println!("data-flow rules for {platform} ({}):", path.display());
                for r in &mine {
                    println!(
                        "  {:<20} push {:<18} pull {:?}",
                        r.data_type,
                        format!("{:?}", r.push),
                        r.pull
                    );
                }
                println!("  (anything else: {:?})", rules.default);
                for (flow, before, after) in &changes {
                    println!(
                        "changed {} {}: {:?} -> {:?}",
                        data_type,
                        flow.name(),
                        before,
                        after
                    );
                }
            }
            Ok(0)
        }
        Command::Audit {
            action: AuditCmd::Verify { common },
        } => {
            let root = aecos::exchange::project_root(&common.project)?;
            let anchors = pending::anchors(&root)?;
            let r = audit::verify(&root, &anchors)?;
            if common.json {
                print_json(
                    &serde_json::json!({"intact": r.is_intact(), "entries": r.entries, "head_hash": r.head_hash, "anchors": anchors.len(), "problems": r.problems.iter().map(|p| serde_json::json!({"line": p.line, "seq": p.seq, "kind": format!("{:?}", p.kind), "message": p.message})).collect::<Vec<_>>()}),
                );
            }
            if common.json && !r.is_intact() {
                return Ok(6);
            }
            if let Some(p) = r.first_problem() {
                if !common.json {
                    for p in &r.problems {
                        eprintln!("  {p}");
                    }
                }
                return Err(Error::AuditTampered {
                    path: audit::log_path(&root),
                    first_problem: p.to_string(),
                });
            }
            if !common.json {
                println!(
                    "audit log intact: {} entries, {} anchors checked, head {}",
                    r.entries,
                    anchors.len(),
                    &r.head_hash[..16]
                );
            }
            Ok(0)
        }
        Command::Demo { dir, json } => {
            let dir = dir.unwrap_or_else(demo::default_dir);
            let r = demo::run(&dir, &mut progress())?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "sample project copied to {} ({} AEC OS elements)",
                    r.project, r.elements
                );
                for e in &r.exports {
                    println!("export {}: {}", e.target, e.status);
                    for f in &e.files {
                        println!("  {}/{}", r.project, f.path);
                    }
                    if let Some(due) = e
                        .summary
                        .get("current_payment_due")
                        .and_then(|v| v.as_str())
                    {
                        println!(
                            "  pay application #{}, current payment due {due}",
                            e.summary["application_no"]
                        );
                    }
                    if let Some(n) = e.summary.get("activities") {
                        println!(
                            "  {n} activities, {} relationships",
                            e.summary["relationships"]
                        );
                    }
                    if let Some(s) = e.summary.get("schema").and_then(|s| s.as_str()) {
                        println!(
                            "  {s}: {} elements ({} with minted GlobalIds), {} storeys, {} property sets",
                            e.summary["elements"],
                            e.summary["minted_guids"],
                            e.summary["storeys"],
                            e.summary["property_sets"]
                        );
                    }
                }
                println!("import of the sample inbox:");
                for f in &r.import.files {
                    println!(
                        "  {}: {}{}",
                        f.file,
                        f.status,
                        f.record
                            .as_ref()
                            .map(|r| format!(" -> {r}"))
                            .unwrap_or_default()
                    );
                    if let Some(s) = &f.schedule {
                        let m = &s.merge;
                        println!("    schedule update: {} field changes, {} activities added, {} removed, {} conflicts", m.updated.len(), m.added.len(), m.removed.len(), m.conflicts.len());
                    }
                    if let Some(m) = &f.model {
                        println!("    model version: {} elements added, {} removed, {} changed, {} conflicts", m.added.len(), m.removed.len(), m.changed.len(), m.conflicts.len());
                    }
                    for m in f.actual_costs.iter().flatten() {
                        println!(
                            "    actual costs {} {}: {} transactions, {} added, {} removed, {} changed",
                            m.month,
                            m.status,
                            m.transactions,
                            m.added.len(),
                            m.removed.len(),
                            m.changed.len()
                        );
                    }
                }
                println!(
                    "audit log: {} entries, {}",
                    r.audit_entries,
                    if r.audit_intact {
                        "intact"
                    } else {
                        "NOT intact"
                    }
                );
            }
            Ok(if r.audit_intact { 0 } else { 6 })
        }
    }
}
