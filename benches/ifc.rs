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
            step_read::parse(&path, &bytes).map(|f| f.len()).unwrap_or(0)
        });
        if parse_only {
            println!("{}: {mb:.0} MB, {n} instances; parse {t_parse:.3} s = {:.0} MB/s", path.display(), mb / t_parse);
            continue;
        }
        let (t_model, model) = best(runs, || ifc_read::read_ifc(&path, &bytes));
        let Ok(model) = model else {
            eprintln!("{}: not readable as IFC", path.display());
            continue;
        };
        let (t_products, products) = best(runs, || model.products());
        println!(
            "{}: {:.0} MB, {} instances, {} products\n  parse {:.3} s = {:.0} MB/s; parse + model {:.3} s = {:.0} MB/s; products + psets {:.3} s",
            path.display(),
            mb,
            n,
            products.len(),
            t_parse,
            mb / t_parse,
            t_model,
            mb / t_model,
            t_products
        );
    }
}
