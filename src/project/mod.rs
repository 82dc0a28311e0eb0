//! Reading an AEC OS project: its elements (as AEC OS core writes them) and the
//! construction records aecos defines (docs/DATA.md). Nothing here writes.

pub mod elements;
pub mod records;
pub mod serde_util;
pub mod table;

/// Files of `dir` whose name ends with `.{ext}`, sorted; a missing folder has none.
pub fn files_with_extension(
    dir: &std::path::Path,
    ext: &str,
) -> Result<Vec<std::path::PathBuf>, crate::error::DataError> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(crate::error::DataError::new(
                dir,
                format!("cannot list the folder: {e}"),
                "check that it exists and that you may read it",
            ))
        }
    };
    let mut v: Vec<std::path::PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext) && p.is_file())
        .collect();
    v.sort();
    Ok(v)
}
