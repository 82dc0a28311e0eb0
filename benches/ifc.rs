//! IFC reading benchmark (not a test): for each STEP file given (default: every `.ifc`
//! in target/bench/, made by scripts/scale_ifc.py), times the full parse of every entity
//! instance, the model layer (classes and relationships) and the products with their
//! property sets, and prints MB/s. Best of three runs each; the file is read into memory
//! first, so disk speed does not count.
//!
//! Run: `python3 scripts/scale_ifc.py --size 100M --out target/bench/scaled-100M.ifc`,
//! then `cargo bench --bench ifc` (RAYON_NUM_THREADS=1 for one core; `-- --parse-only`
//! to time the parse alone, e.g. under a profiler).

use std::path::{Path, PathBuf};
use std::time::Instant;

use aecos::formats::{ifc_read, step_read};

/// CPU seconds (user + system, all threads) this process used so far, from
/// /proc/self/stat (clock ticks of 1/100 s); None off Linux.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // fields after the name: state is [0], utime [11], stime [12]
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Mean CPU seconds per run of `f` over `runs` runs.
fn cpu_per_run<T>(runs: usize, mut f: impl FnMut() -> T) -> Option<f64> {
    let before = cpu_seconds()?;
    for _ in 0..runs {
        std::hint::black_box(f());
    }
    Some((cpu_seconds()? - before) / runs as f64)
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let parse_only = std::env::args().any(|a| a == "--parse-only");
    let mut files: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if files.is_empty() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        files = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "ifc"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
    }
    if files.is_empty() {
        eprintln!("no .ifc files: run scripts/scale_ifc.py first (see the doc comment)");
        std::process::exit(2);
    }
    println!("threads: {}", rayon::current_num_threads());
    for path in files {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                continue;
            }
        };
        let mb = bytes.len() as f64 / 1e6;
        let runs = if bytes.len() > 500_000_000 { 1 } else { 3 };
        let (t_parse, n) = best(runs, || {
            step_read::parse(&path, &bytes)
                .map(|f| f.len())
                .unwrap_or(0)
        });
        let cpu = cpu_per_run(if runs == 1 { 1 } else { 5 }, || {
            step_read::parse(&path, &bytes)
                .map(|f| f.len())
                .unwrap_or(0)
        });
        println!(
            "{}: {mb:.0} MB, {n} instances\n  parse {t_parse:.3} s = {:.0} MB/s wall clock",
            path.display(),
            mb / t_parse
        );
        if let Some(cpu) = cpu {
            println!(
                "  parse CPU time {cpu:.3} s per run = {:.0} MB per CPU-second (with two free cores the wall-clock rate is at most twice that)",
                mb / cpu
            );
        }
        if parse_only {
            continue;
        }
        let (t_model, model) = best(runs, || ifc_read::read_ifc(&path, &bytes));
        let Ok(model) = model else {
            eprintln!("{}: not readable as IFC", path.display());
            continue;
        };
        let (t_products, products) = best(runs, || model.products());
        println!(
            "  parse + model (classes, relationships) {t_model:.3} s = {:.0} MB/s; {} products with their sets {t_products:.3} s",
            mb / t_model,
            products.len()
        );
    }
}
