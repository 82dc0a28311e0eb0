//! IFC reading end to end: `aecos inspect --json` on a hand-written IFC4 model
//! (tests/fixtures/psets.ifc, whose expected values were checked against IfcOpenShell
//! 0.9.0.post1's get_psets), the same model as an ifcZIP, the model layer's containers,
//! materials, tags and types, and a broken file's error.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value};

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/psets.ifc")
}

fn inspect(path: &Path) -> Value {
    let out = Command::cargo_bin("aecos")
        .unwrap()
        .args(["inspect", path.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn product(v: &Value, id: u64) -> &Value {
    v["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no product #{id}"))
}

fn check(v: &Value) {
    assert_eq!(v["format"], "ifc");
    assert_eq!(v["schema"], "IFC4");
    assert_eq!(v["entities"], 41);
    let classes: Vec<&str> = v["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["class"].as_str().unwrap())
        .collect();
    // file order; the project is not a product
    assert_eq!(
        classes,
        ["IfcSite", "IfcBuildingStorey", "IfcWall", "IfcDoor"]
    );
    let wall = product(v, 10);
    assert_eq!(wall["global_id"], "1m2$dGqjjDLgLWHuUIogGF");
    assert_eq!(wall["name"], "Wänd 1");
    assert_eq!(
        wall["psets"],
        json!({
            "Pset_WallCommon": {
                "IsExternal": true, "Reference": "TYPE-REF", "ThermalTransmittance": 0.24,
                "Status": ["NEW"], "Layers": [1, 2], "Note": "it's a \\ test", "Unset": null,
                "id": 20
            },
            "TypeOnly": {"FireRating": "EI 60", "id": 15},
            "Qto_WallBaseQuantities": {"Length": 5.25, "NetVolume": 1.5, "id": 30}
        })
    );
    let door = product(v, 40);
    assert_eq!(door["name"], Value::Null);
    assert_eq!(
        door["psets"],
        json!({
            "Custom_A": {
                "Frame": {"UsageName": "Usage", "id": 42, "type": "IfcComplexProperty", "properties": {"Depth": 120.0}},
                "Range": {"Name": "Range", "Description": null, "UpperBoundValue": 10.0, "LowerBoundValue": -2.5,
                          "SetPointValue": null, "id": 44, "type": "IfcPropertyBoundedValue"},
                "id": 41
            },
            "Custom_B": {"Logical": "UNKNOWN", "id": 45},
            "Qto_WallBaseQuantities": {"Length": 5.25, "NetVolume": 1.5, "id": 30}
        })
    );
}

#[test]
fn inspect_json_lists_products_and_psets() {
    check(&inspect(&fixture()));
}

#[test]
fn inspect_reads_ifczip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.ifczip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    w.start_file("psets.ifc", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(&std::fs::read(fixture()).unwrap()).unwrap();
    w.finish().unwrap();
    check(&inspect(&path));
}

#[test]
fn inspect_text_summary() {
    let out = Command::cargo_bin("aecos")
        .unwrap()
        .args(["inspect", fixture().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("(ifc, IFC4): 41 entities, 4 products"),
        "{text}"
    );
    assert!(
        text.contains("IfcWall 1m2$dGqjjDLgLWHuUIogGF \"Wänd 1\": 3 sets"),
        "{text}"
    );
}

#[test]
fn broken_file_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.ifc");
    let text = std::fs::read_to_string(fixture()).unwrap().replace(
        "#31=IFCQUANTITYLENGTH('Length',$,$,5.25,$);",
        "#31=IFCQUANTITYLENGTH('Length' $);",
    );
    std::fs::write(&path, text).unwrap();
    let out = Command::cargo_bin("aecos")
        .unwrap()
        .args(["inspect", path.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let err = v["error"].as_str().unwrap();
    assert!(
        err.contains("broken.ifc:32:32: expected `,` or `)`"),
        "{err}"
    );
}

#[test]
fn model_layer_containers_materials_tags_types() {
    let bytes = std::fs::read(fixture()).unwrap();
    let m = aecos::formats::ifc_read::read_ifc(&fixture(), &bytes).unwrap();
    assert_eq!(m.product_ids(), vec![2, 3, 10, 40]);
    assert_eq!(m.container(10), Some(3));
    assert_eq!(m.container(40), Some(3));
    assert_eq!(m.container(3), Some(2));
    assert_eq!(m.container(2), Some(1));
    assert_eq!(m.materials(10), vec!["Brick wall", "Brick", "Plaster"]);
    assert!(m.materials(40).is_empty());
    assert_eq!(m.tag(10).as_deref(), Some("T-1"));
    assert_eq!(m.type_of(10), Some(11));
    assert_eq!(m.class_name(11), Some("IfcWallType"));
    assert!(m.is_a(10, "IfcBuildingElement"));
    assert!(m.is_a(3, "IfcSpatialElement"));
    assert!(!m.is_a(1, "IfcProduct"));
    assert_eq!(m.kind(10), (true, false));
    assert_eq!(m.kind(3), (false, true));
}
