//! Corpus check: every `.ifc` and `.ifczip` file of `$AECOS_CORPUS/ifc/` parses with the
//! STEP reader, except the files listed in `INVALID`, which must fail with an error that
//! names a line and column.
//!
//! The corpus lives outside the repository: set AECOS_CORPUS to the folder holding
//! `ifc/` (e.g. shared/corpus). Without it the test says so and passes.

use std::path::Path;

use aecos::formats::step_read;

/// Files that are not valid ISO 10303-21, with the reason (checked by hand; IfcOpenShell
/// 0.9.0.post1 refuses every one of them too).
const INVALID: &[(&str, &str)] = &[
    (
        "xbim_EmptyMultibyteString.ifc",
        "`\\X2\\\\X0\\` with no hex digits (the grammar needs at least one group)",
    ),
    (
        "xbim_FormallyIllegalFile.ifc",
        "raw byte 0xD8 (not UTF-8, not escaped) inside a string",
    ),
    (
        "xbim_Header_example.ifc",
        "`#1 =();`: a complex instance with no partial record",
    ),
    (
        "xbim_HelloWallXml.ifczip",
        "the archive holds an .ifcxml, not a STEP file",
    ),
    (
        "xbim_InvalidHeaderFileName.ifc",
        "header without FILE_DESCRIPTION and FILE_NAME",
    ),
    (
        "xbim_InvalidMonetaryUnit.ifc",
        "header without FILE_DESCRIPTION and FILE_NAME",
    ),
    (
        "xbim_InvalidMultiByte.ifc",
        "`\\\\X2\\…\\X0\\`: a doubled backslash leaves a stray `\\X0\\`",
    ),
    (
        "xbim_InvalidTriangulatedFaceSet.ifc",
        "header without FILE_DESCRIPTION and FILE_NAME",
    ),
    (
        "xbim_Large_entity_label.ifc",
        "instance #92147483647 does not fit in 32 bits",
    ),
    ("xbim_Wrongly1251Encoded.ifc", "header without FILE_NAME"),
];

#[test]
fn every_corpus_ifc_parses_or_fails_clearly() {
    let Some(corpus) = std::env::var_os("AECOS_CORPUS") else {
        println!("AECOS_CORPUS is not set: corpus IFC check skipped");
        return;
    };
    let dir = Path::new(&corpus).join("ifc");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus ifc folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("ifc") || e.eq_ignore_ascii_case("ifczip"))
        })
        .collect();
    files.sort();
    assert!(
        files.len() > 400,
        "only {} IFC files in {}",
        files.len(),
        dir.display()
    );
    let mut problems = Vec::new();
    let mut parsed = 0;
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let expected_invalid = INVALID.iter().any(|(f, _)| *f == name);
        let bytes = std::fs::read(path).expect("read corpus file");
        let result = step_read::step_bytes(path, bytes)
            .and_then(|b| step_read::parse(path, &b).map(|f| f.len()));
        match (result, expected_invalid) {
            (Ok(n), false) => {
                assert!(n > 0, "{name}: no instances");
                parsed += 1;
            }
            (Ok(_), true) => problems.push(format!("{name}: parsed, but is listed as invalid")),
            (Err(e), true) => {
                assert!(e.line >= 1 && e.column >= 1 && !e.message.is_empty(), "{e}");
                println!("expected failure: {e}");
            }
            (Err(e), false) => problems.push(format!("{name}: {e}")),
        }
    }
    println!("{parsed} of {} corpus IFC files parsed", files.len());
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
