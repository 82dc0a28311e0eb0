//! Tolerant reader for the element folders of an AEC OS project.
//!
//! An AEC OS project keeps one folder per building element under its
//! elements directory (`aecos_project.json`'s `elements_dir`, `elements` by
//! default):
//!
//! ```text
//! element_<GlobalId>/
//!   metadata.json               identity + a flattened copy of the psets
//!   properties/psets.json       {"PsetName": {"PropName": scalar}}
//!   materials/materials.json    [{"name", "thickness", "category", "fraction"}]
//!   geometry/shape.json         {"bounding_box": {...}, "volume", "centroid"}
//!   relationships/spatial.json  site / building / storey names and ids
//!   README.md                   derived markdown, never read here
//! ```
//!
//! [`read_elements`] turns those folders into [`Element`]s, sorted by
//! GlobalId. It accepts what AEC OS and real projects actually write: both
//! 22-char uppercase-hex and IFC base64 GlobalIds, the same property written
//! as `914` in one element and `914.0` in another (kept apart as
//! [`PropValue::Int`] and [`PropValue::Number`]), missing optional sub-files
//! (recorded in [`Element::missing`]), placeholder geometry, and a
//! `metadata.json` whose `Psets` copy is out of date (`psets.json` wins; the
//! copy is only used when `psets.json` is absent).
//!
//! What it must not do:
//! * it never writes, renames or deletes anything;
//! * it never guesses data: numbers are kept as the text serde_json gives
//!   for them (no `f64` is stored), absent values stay `None`, and a file
//!   that is present but not what AEC OS writes is an error naming the file
//!   (with line and column for JSON problems) and what to do about it,
//!   instead of being skipped or patched up.
//!
//! Number text: without serde_json's `arbitrary_precision`, a float keeps
//! the shortest text that round-trips (`914.0`, `0.314`), which is what
//! Python's `json.dump` writes, except that exponents are normalised
//! (`1e-05` reads back as `1e-5`).
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Number;
use walkdir::WalkDir;

/// Name of the project configuration file at the project root.
pub const PROJECT_FILE: &str = "aecos_project.json";
/// Elements directory used when the project file is absent or has no `elements_dir`.
pub const DEFAULT_ELEMENTS_DIR: &str = "elements";
/// Prefix of every element folder name; the rest is the GlobalId.
pub const ELEMENT_PREFIX: &str = "element_";
/// Required identity file inside an element folder.
pub const METADATA_FILE: &str = "metadata.json";
/// Optional sub-files, as recorded in [`Element::missing`].
pub const PSETS_FILE: &str = "properties/psets.json";
pub const MATERIALS_FILE: &str = "materials/materials.json";
pub const GEOMETRY_FILE: &str = "geometry/shape.json";
pub const SPATIAL_FILE: &str = "relationships/spatial.json";

const IFC_BASE64: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$";

/// One element folder, read as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub global_id: String,
    /// The `element_<GlobalId>` folder this element was read from.
    pub folder: PathBuf,
    pub name: Option<String>,
    pub ifc_class: String,
    pub object_type: Option<String>,
    pub tag: Option<String>,
    /// Pset name -> property name -> value, from `properties/psets.json`
    /// (or from metadata.json's flattened `Psets` when that file is absent).
    pub psets: BTreeMap<String, BTreeMap<String, PropValue>>,
    pub materials: Vec<MaterialLayer>,
    /// `None` when `geometry/shape.json` is absent.
    pub geometry: Option<Geometry>,
    /// All `None` when `relationships/spatial.json` is absent.
    pub spatial: Spatial,
    pub id_kind: GlobalIdKind,
    /// Optional sub-files that were absent, e.g. [`MATERIALS_FILE`].
    pub missing: Vec<&'static str>,
}

impl Element {
    /// The value of `pset`.`prop`, if present.
    pub fn prop(&self, pset: &str, prop: &str) -> Option<&PropValue> {
        self.psets.get(pset).and_then(|props| props.get(prop))
    }
}

/// What shape a GlobalId has; see [`classify_global_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GlobalIdKind {
    /// 22 chars of the IFC base64 alphabet (`0-9A-Za-z_$`), first char `0`-`3`.
    IfcBase64,
    /// 22 uppercase hex chars, as AEC OS generation writes (`uuid4().hex[:22].upper()`).
    Hex22,
    /// Anything else.
    Other,
}

/// Classify a GlobalId.
///
/// A 22-char uppercase-hex id whose first char is `0`-`3` is also a valid
/// IFC base64 string; it is reported as [`GlobalIdKind::Hex22`] because a
/// real IFC GUID made only of `0-9A-F` has odds of about 4^-21.
pub fn classify_global_id(id: &str) -> GlobalIdKind {
    let bytes = id.as_bytes();
    if bytes.len() != 22 {
        return GlobalIdKind::Other;
    }
    if bytes
        .iter()
        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b))
    {
        return GlobalIdKind::Hex22;
    }
    let first_ok = matches!(bytes.first(), Some(b'0'..=b'3'));
    if first_ok && bytes.iter().all(|b| IFC_BASE64.contains(b)) {
        GlobalIdKind::IfcBase64
    } else {
        GlobalIdKind::Other
    }
}

/// A property value. Numbers keep their text; integers that fit `i64` are
/// [`PropValue::Int`], every other number (`914.0`, `0.314`, integers above
/// `i64::MAX`) is [`PropValue::Number`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropValue {
    Bool(bool),
    Int(i64),
    /// The number's text, e.g. `"914.0"`.
    Number(String),
    Text(String),
    Null,
}

impl PropValue {
    fn from_number(n: &Number) -> Self {
        match n.as_i64() {
            Some(i) => PropValue::Int(i),
            None => PropValue::Number(n.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for PropValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor without visit_seq/visit_map: serde_json then reports a
        // list or object value at its own line and column.
        deserializer.deserialize_any(PropValueVisitor)
    }
}

struct PropValueVisitor;

impl<'de> de::Visitor<'de> for PropValueVisitor {
    type Value = PropValue;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a scalar property value (bool, number, string or null)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<PropValue, E> {
        Ok(PropValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PropValue, E> {
        Ok(PropValue::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PropValue, E> {
        Ok(PropValue::from_number(&Number::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<PropValue, E> {
        // JSON has no NaN or infinity, so from_f64 only fails on input serde_json rejects.
        Number::from_f64(v)
            .map(|n| PropValue::from_number(&n))
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PropValue, E> {
        Ok(PropValue::Text(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<PropValue, E> {
        Ok(PropValue::Text(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<PropValue, E> {
        Ok(PropValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<PropValue, E> {
        Ok(PropValue::Null)
    }
}

/// One entry of `materials/materials.json`; numbers as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialLayer {
    pub name: String,
    /// Layer thickness as written (AEC OS uses mm), e.g. `"152.0"`.
    pub thickness: Option<String>,
    pub category: Option<String>,
    pub fraction: Option<String>,
}

/// Axis-aligned bounding box in metres, numbers as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundingBox {
    pub min_x: String,
    pub min_y: String,
    pub min_z: String,
    pub max_x: String,
    pub max_y: String,
    pub max_z: String,
}

impl BoundingBox {
    /// The six values in `min_x, min_y, min_z, max_x, max_y, max_z` order.
    pub fn values(&self) -> [&str; 6] {
        [
            &self.min_x,
            &self.min_y,
            &self.min_z,
            &self.max_x,
            &self.max_y,
            &self.max_z,
        ]
    }
}

/// `geometry/shape.json`, numbers as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Geometry {
    /// `None` when `bounding_box` is absent or null.
    pub bbox: Option<BoundingBox>,
    pub volume: Option<String>,
    pub centroid: Option<[String; 3]>,
}

impl Geometry {
    /// True for the placeholder AEC OS `create_element` writes: no bounding
    /// box or an all-zero one, and no volume or centroid. Such an element
    /// has no real geometry yet.
    pub fn is_placeholder(&self) -> bool {
        let zero_box = self
            .bbox
            .as_ref()
            .is_none_or(|b| b.values().iter().all(|v| is_zero_text(v)));
        zero_box && self.volume.is_none() && self.centroid.is_none()
    }
}

fn is_zero_text(text: &str) -> bool {
    text.parse::<f64>().is_ok_and(|v| v == 0.0)
}

/// `relationships/spatial.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Spatial {
    #[serde(default)]
    pub site_name: Option<String>,
    #[serde(default)]
    pub site_id: Option<String>,
    #[serde(default)]
    pub building_name: Option<String>,
    #[serde(default)]
    pub building_id: Option<String>,
    #[serde(default)]
    pub storey_name: Option<String>,
    #[serde(default)]
    pub storey_id: Option<String>,
}

/// Why the elements of a project could not be read. Every variant names the
/// file or folder at fault and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ElementError {
    #[error("{}: cannot read: {source}; check the path and its permissions", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: cannot list the folder: {error}; check the path and its permissions", .path.display())]
    Walk {
        path: PathBuf,
        error: walkdir::Error,
    },
    #[error(
        "{}:{line}:{column}: {message}; fix the JSON at that position (or re-export the element from AEC OS)",
        .path.display()
    )]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{}: elements directory not found; check `elements_dir` in {PROJECT_FILE} or pass the project root",
        .path.display()
    )]
    ElementsDirMissing { path: PathBuf },
    #[error(
        "{}: no {METADATA_FILE}; every element folder needs one: restore it or move the folder out of the elements directory",
        .folder.display()
    )]
    MissingMetadata { folder: PathBuf },
    #[error("{}: required field `{field}` is missing or null; add it", .path.display())]
    MissingField { path: PathBuf, field: &'static str },
    #[error(
        "{}: GlobalId {global_id:?} does not match folder {folder_name:?}; the folder must be named \"{ELEMENT_PREFIX}<GlobalId>\": rename the folder or correct GlobalId",
        .path.display()
    )]
    GlobalIdMismatch {
        path: PathBuf,
        global_id: String,
        folder_name: String,
    },
    #[error(
        "{}: IFCClass {ifc_class:?} is not an IFC class name (must start with \"Ifc\", e.g. \"IfcWall\"); correct it",
        .path.display()
    )]
    BadIfcClass { path: PathBuf, ifc_class: String },
    #[error(
        "{}: Psets key {key:?} has no '.' separating pset and property name; restore {PSETS_FILE} or write the key as \"Pset.Property\"",
        .path.display()
    )]
    BadFlattenedKey { path: PathBuf, key: String },
}

impl ElementError {
    /// The file or folder the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ElementError::Io { path, .. }
            | ElementError::Walk { path, .. }
            | ElementError::Json { path, .. }
            | ElementError::ElementsDirMissing { path }
            | ElementError::MissingField { path, .. }
            | ElementError::GlobalIdMismatch { path, .. }
            | ElementError::BadIfcClass { path, .. }
            | ElementError::BadFlattenedKey { path, .. } => path,
            ElementError::MissingMetadata { folder } => folder,
        }
    }
}

#[derive(Deserialize)]
struct RawProject {
    #[serde(default)]
    elements_dir: Option<String>,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(rename = "GlobalId", default)]
    global_id: Option<String>,
    #[serde(rename = "Name", default)]
    name: Option<String>,
    #[serde(rename = "IFCClass", default)]
    ifc_class: Option<String>,
    #[serde(rename = "ObjectType", default)]
    object_type: Option<String>,
    #[serde(rename = "Tag", default)]
    tag: Option<String>,
}

/// metadata.json's flattened psets; parsed only when psets.json is absent,
/// so a stale copy never blocks reading an element.
#[derive(Deserialize)]
struct RawMetadataPsets {
    #[serde(rename = "Psets", default)]
    psets: Option<BTreeMap<String, PropValue>>,
}

#[derive(Deserialize)]
struct RawMaterial {
    name: String,
    #[serde(default)]
    thickness: Option<Number>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    fraction: Option<Number>,
}

#[derive(Deserialize)]
struct RawShape {
    #[serde(default)]
    bounding_box: Option<RawBox>,
    #[serde(default)]
    volume: Option<Number>,
    #[serde(default)]
    centroid: Option<[Number; 3]>,
}

#[derive(Deserialize)]
struct RawBox {
    min_x: Number,
    min_y: Number,
    min_z: Number,
    max_x: Number,
    max_y: Number,
    max_z: Number,
}

/// Read every element of the AEC OS project at `project_root`, sorted by
/// GlobalId.
///
/// The elements directory comes from `aecos_project.json`'s `elements_dir`
/// (relative to the project root), or `elements` when the file or the key is
/// absent. Only directories whose name starts with `element_` are read;
/// other files and folders are ignored. Sequential; reads only.
pub fn read_elements(project_root: &Path) -> Result<Vec<Element>, ElementError> {
    let elements_dir = project_root.join(elements_dir_name(project_root)?);
    if !elements_dir.is_dir() {
        return Err(ElementError::ElementsDirMissing { path: elements_dir });
    }
    let mut elements = Vec::new();
    let walker = WalkDir::new(&elements_dir)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name();
    for entry in walker {
        let entry = entry.map_err(|error| ElementError::Walk {
            path: elements_dir.clone(),
            error,
        })?;
        let file_name = entry.file_name().to_string_lossy();
        if !file_name.starts_with(ELEMENT_PREFIX) || !entry.path().is_dir() {
            continue;
        }
        elements.push(read_element(entry.path())?);
    }
    elements.sort_by(|a, b| a.global_id.cmp(&b.global_id));
    Ok(elements)
}

/// The elements directory of a project, relative to its root (`aecos_project.json`'s
/// `elements_dir`, else `elements`).
pub fn elements_dir_name(project_root: &Path) -> Result<String, ElementError> {
    let path = project_root.join(PROJECT_FILE);
    let project: Option<RawProject> = read_json(&path)?;
    Ok(project
        .and_then(|p| p.elements_dir)
        .unwrap_or_else(|| DEFAULT_ELEMENTS_DIR.to_string()))
}

/// Read one `element_<GlobalId>` folder.
pub fn read_element(folder: &Path) -> Result<Element, ElementError> {
    let meta_path = folder.join(METADATA_FILE);
    let Some(meta_bytes) = read_bytes(&meta_path)? else {
        return Err(ElementError::MissingMetadata {
            folder: folder.to_path_buf(),
        });
    };
    let meta: RawMetadata = parse_json(&meta_path, &meta_bytes)?;

    let global_id =
        meta.global_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ElementError::MissingField {
                path: meta_path.clone(),
                field: "GlobalId",
            })?;
    let folder_name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if folder_name.strip_prefix(ELEMENT_PREFIX) != Some(global_id.as_str()) {
        return Err(ElementError::GlobalIdMismatch {
            path: meta_path,
            global_id,
            folder_name,
        });
    }
    let ifc_class = meta.ifc_class.ok_or_else(|| ElementError::MissingField {
        path: meta_path.clone(),
        field: "IFCClass",
    })?;
    if !ifc_class.starts_with("Ifc") {
        return Err(ElementError::BadIfcClass {
            path: meta_path,
            ifc_class,
        });
    }

    let mut missing = Vec::new();

    let psets_path = sub_path(folder, PSETS_FILE);
    let psets = match read_json::<BTreeMap<String, BTreeMap<String, PropValue>>>(&psets_path)? {
        Some(psets) => psets,
        None => {
            missing.push(PSETS_FILE);
            let flat: RawMetadataPsets = parse_json(&meta_path, &meta_bytes)?;
            unflatten(&meta_path, flat.psets.unwrap_or_default())?
        }
    };

    let materials = match read_json::<Vec<RawMaterial>>(&sub_path(folder, MATERIALS_FILE))? {
        Some(raw) => raw
            .into_iter()
            .map(|m| MaterialLayer {
                name: m.name,
                thickness: m.thickness.map(|n| n.to_string()),
                category: m.category,
                fraction: m.fraction.map(|n| n.to_string()),
            })
            .collect(),
        None => {
            missing.push(MATERIALS_FILE);
            Vec::new()
        }
    };

    let geometry = match read_json::<RawShape>(&sub_path(folder, GEOMETRY_FILE))? {
        Some(raw) => Some(Geometry {
            bbox: raw.bounding_box.map(|b| BoundingBox {
                min_x: b.min_x.to_string(),
                min_y: b.min_y.to_string(),
                min_z: b.min_z.to_string(),
                max_x: b.max_x.to_string(),
                max_y: b.max_y.to_string(),
                max_z: b.max_z.to_string(),
            }),
            volume: raw.volume.map(|n| n.to_string()),
            centroid: raw.centroid.map(|c| c.map(|n| n.to_string())),
        }),
        None => {
            missing.push(GEOMETRY_FILE);
            None
        }
    };

    let spatial = match read_json::<Spatial>(&sub_path(folder, SPATIAL_FILE))? {
        Some(spatial) => spatial,
        None => {
            missing.push(SPATIAL_FILE);
            Spatial::default()
        }
    };

    Ok(Element {
        id_kind: classify_global_id(&global_id),
        global_id,
        folder: folder.to_path_buf(),
        name: meta.name,
        ifc_class,
        object_type: meta.object_type,
        tag: meta.tag,
        psets,
        materials,
        geometry,
        spatial,
        missing,
    })
}

/// `"Pset.Prop"` keys back to nested psets, split at the first '.'.
fn unflatten(
    meta_path: &Path,
    flat: BTreeMap<String, PropValue>,
) -> Result<BTreeMap<String, BTreeMap<String, PropValue>>, ElementError> {
    let mut psets: BTreeMap<String, BTreeMap<String, PropValue>> = BTreeMap::new();
    for (key, value) in flat {
        let Some((pset, prop)) = key.split_once('.') else {
            return Err(ElementError::BadFlattenedKey {
                path: meta_path.to_path_buf(),
                key,
            });
        };
        psets
            .entry(pset.to_string())
            .or_default()
            .insert(prop.to_string(), value);
    }
    Ok(psets)
}

/// `folder` joined with a `/`-separated relative path, one component at a time.
fn sub_path(folder: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(folder.to_path_buf(), |p, c| p.join(c))
}

/// The file's bytes, or `None` if it does not exist.
fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, ElementError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ElementError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The parsed file, or `None` if it does not exist.
fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, ElementError> {
    match read_bytes(path)? {
        Some(bytes) => parse_json(path, &bytes).map(Some),
        None => Ok(None),
    }
}

fn parse_json<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, ElementError> {
    // A UTF-8 byte-order mark (left by some Windows editors) is not data.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let text = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
        ElementError::Json {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use tempfile::TempDir;

    const HEX: &str = "B5580D04D4754C4885A247";
    const B64: &str = "2O2Fr$t4X7Zf8NOew3FLOH";

    fn write(root: &Path, rel: &str, text: &str) {
        let path = sub_path(root, rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn metadata(id: &str, class: &str, psets: &str) -> String {
        format!(
            "{{\n  \"GlobalId\": \"{id}\",\n  \"Name\": \"{class}_{}\",\n  \"IFCClass\": \"{class}\",\n  \"ObjectType\": null,\n  \"Tag\": null,\n  \"Psets\": {psets}\n}}",
            &id[..8]
        )
    }

    /// A project with `elements/` and a full element folder for `id`.
    fn full_element(root: &Path, id: &str) -> PathBuf {
        let dir = format!("elements/element_{id}");
        write(
            root,
            &format!("{dir}/metadata.json"),
            &metadata(id, "IfcDoor", r#"{"Dimensions.width_mm": 914}"#),
        );
        write(
            root,
            &format!("{dir}/properties/psets.json"),
            r#"{
  "Dimensions": {"width_mm": 914, "height_mm": 2134.0, "big": 18446744073709551615, "neg": -3},
  "Pset_DoorCommon": {"IsExternal": false, "FireRating": "20 MIN", "Reference": null, "U": 2.27}
}"#,
        );
        write(
            root,
            &format!("{dir}/materials/materials.json"),
            r#"[{"name": "wood", "thickness": 44.0, "category": "door", "fraction": null},
 {"name": "glass", "thickness": null, "category": null, "fraction": 0.2}]"#,
        );
        write(
            root,
            &format!("{dir}/geometry/shape.json"),
            r#"{"bounding_box": {"min_x": 3.0, "min_y": 10.924, "min_z": 0, "max_x": 3.914, "max_y": 11.076, "max_z": 2.134},
 "volume": 0.2967, "centroid": [3.457, 11.0, 1.067]}"#,
        );
        write(
            root,
            &format!("{dir}/relationships/spatial.json"),
            r#"{"site_name": null, "site_id": null, "building_name": "Clinic Building", "building_id": null,
 "storey_name": "Level 1", "storey_id": "0yJ$8Kq1L4dQbnVZ8wHr3x"}"#,
        );
        write(root, &format!("{dir}/README.md"), "# derived\n");
        sub_path(root, &dir)
    }

    fn read_one(root: &Path) -> Element {
        let mut all = read_elements(root).unwrap();
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    fn expect_err(root: &Path) -> ElementError {
        match read_elements(root) {
            Ok(els) => panic!("expected an error, read {} elements", els.len()),
            Err(e) => e,
        }
    }

    #[test]
    fn classifies_global_ids() {
        assert_eq!(classify_global_id(HEX), GlobalIdKind::Hex22);
        assert_eq!(classify_global_id(B64), GlobalIdKind::IfcBase64);
        assert_eq!(
            classify_global_id("0$Hm4S8_T6lQi89AnQE3Er"),
            GlobalIdKind::IfcBase64
        );
        // hex starting with 0-3 is also valid base64: hex wins
        assert_eq!(
            classify_global_id("01F8E31BCC2947309B9934"),
            GlobalIdKind::Hex22
        );
        // lowercase hex is not the AEC OS hex style
        assert_eq!(
            classify_global_id("b5580d04d4754c4885a247"),
            GlobalIdKind::Other
        );
        assert_eq!(
            classify_global_id("01f8e31bcc2947309b9934"),
            GlobalIdKind::IfcBase64
        );
        // base64 must start with 0-3
        assert_eq!(
            classify_global_id("4O2Fr$t4X7Zf8NOew3FLOH"),
            GlobalIdKind::Other
        );
        assert_eq!(
            classify_global_id("2O2Fr-t4X7Zf8NOew3FLOH"),
            GlobalIdKind::Other
        );
        assert_eq!(
            classify_global_id("B5580D04D4754C4885A24"),
            GlobalIdKind::Other
        );
        assert_eq!(
            classify_global_id("b5580d04-d475-4c48-85a2-47aa00112233"),
            GlobalIdKind::Other
        );
        assert_eq!(classify_global_id(""), GlobalIdKind::Other);
    }

    #[test]
    fn reads_a_complete_element_exactly() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        let el = read_one(tmp.path());
        assert_eq!(el.global_id, HEX);
        assert_eq!(el.folder, folder);
        assert_eq!(el.name.as_deref(), Some("IfcDoor_B5580D04"));
        assert_eq!(el.ifc_class, "IfcDoor");
        assert_eq!(el.object_type, None);
        assert_eq!(el.tag, None);
        assert_eq!(el.id_kind, GlobalIdKind::Hex22);
        assert!(el.missing.is_empty());

        assert_eq!(
            el.prop("Dimensions", "width_mm"),
            Some(&PropValue::Int(914))
        );
        assert_eq!(
            el.prop("Dimensions", "height_mm"),
            Some(&PropValue::Number("2134.0".into()))
        );
        assert_eq!(
            el.prop("Dimensions", "big"),
            Some(&PropValue::Number("18446744073709551615".into()))
        );
        assert_eq!(el.prop("Dimensions", "neg"), Some(&PropValue::Int(-3)));
        assert_eq!(
            el.prop("Pset_DoorCommon", "IsExternal"),
            Some(&PropValue::Bool(false))
        );
        assert_eq!(
            el.prop("Pset_DoorCommon", "FireRating"),
            Some(&PropValue::Text("20 MIN".into()))
        );
        assert_eq!(
            el.prop("Pset_DoorCommon", "Reference"),
            Some(&PropValue::Null)
        );
        assert_eq!(
            el.prop("Pset_DoorCommon", "U"),
            Some(&PropValue::Number("2.27".into()))
        );

        assert_eq!(
            el.materials,
            vec![
                MaterialLayer {
                    name: "wood".into(),
                    thickness: Some("44.0".into()),
                    category: Some("door".into()),
                    fraction: None,
                },
                MaterialLayer {
                    name: "glass".into(),
                    thickness: None,
                    category: None,
                    fraction: Some("0.2".into()),
                },
            ]
        );

        let geo = el.geometry.unwrap();
        let bbox = geo.bbox.as_ref().unwrap();
        assert_eq!(
            bbox.values(),
            ["3.0", "10.924", "0", "3.914", "11.076", "2.134"]
        );
        assert_eq!(geo.volume.as_deref(), Some("0.2967"));
        assert_eq!(
            geo.centroid,
            Some(["3.457".to_string(), "11.0".to_string(), "1.067".to_string()])
        );
        assert!(!geo.is_placeholder());

        assert_eq!(
            el.spatial,
            Spatial {
                site_name: None,
                site_id: None,
                building_name: Some("Clinic Building".into()),
                building_id: None,
                storey_name: Some("Level 1".into()),
                storey_id: Some("0yJ$8Kq1L4dQbnVZ8wHr3x".into()),
            }
        );
    }

    #[test]
    fn int_and_float_spellings_stay_apart() {
        let tmp = TempDir::new().unwrap();
        for (id, width) in [(HEX, "914"), (B64, "914.0")] {
            let dir = format!("elements/element_{id}");
            write(
                tmp.path(),
                &format!("{dir}/metadata.json"),
                &metadata(id, "IfcDoor", "{}"),
            );
            write(
                tmp.path(),
                &format!("{dir}/properties/psets.json"),
                &format!(r#"{{"Dimensions": {{"width_mm": {width}}}}}"#),
            );
        }
        let els = read_elements(tmp.path()).unwrap();
        let widths: Vec<_> = els
            .iter()
            .map(|e| e.prop("Dimensions", "width_mm").cloned())
            .collect();
        // sorted by GlobalId: "2O2F..." < "B558..."
        assert_eq!(els[0].global_id, B64);
        assert_eq!(
            widths,
            vec![
                Some(PropValue::Number("914.0".into())),
                Some(PropValue::Int(914))
            ]
        );
    }

    #[test]
    fn sorts_by_global_id_and_ignores_other_entries() {
        let tmp = TempDir::new().unwrap();
        full_element(tmp.path(), HEX);
        full_element(tmp.path(), B64);
        full_element(tmp.path(), "01F8E31BCC2947309B9934");
        write(tmp.path(), "elements/.DS_Store", "junk");
        write(
            tmp.path(),
            "elements/element_notes.txt",
            "a file, not a folder",
        );
        write(tmp.path(), "elements/index.json", "{ not json");
        write(tmp.path(), "elements/templates/metadata.json", "{ not json");
        fs::create_dir_all(tmp.path().join("elements").join("_trash")).unwrap();
        let ids: Vec<_> = read_elements(tmp.path())
            .unwrap()
            .into_iter()
            .map(|e| (e.global_id, e.id_kind))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("01F8E31BCC2947309B9934".to_string(), GlobalIdKind::Hex22),
                (B64.to_string(), GlobalIdKind::IfcBase64),
                (HEX.to_string(), GlobalIdKind::Hex22),
            ]
        );
    }

    #[test]
    fn missing_metadata_names_the_folder() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        fs::remove_file(folder.join(METADATA_FILE)).unwrap();
        let err = expect_err(tmp.path());
        assert!(matches!(&err, ElementError::MissingMetadata { folder: f } if *f == folder));
        let msg = err.to_string();
        assert!(msg.contains(&format!("element_{HEX}")), "{msg}");
        assert!(msg.contains("metadata.json"), "{msg}");
    }

    #[test]
    fn global_id_must_match_folder() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        write(
            tmp.path(),
            &format!("elements/element_{HEX}/metadata.json"),
            &metadata(B64, "IfcDoor", "{}"),
        );
        let err = expect_err(tmp.path());
        match &err {
            ElementError::GlobalIdMismatch {
                path,
                global_id,
                folder_name,
            } => {
                assert_eq!(path, &folder.join(METADATA_FILE));
                assert_eq!(global_id, B64);
                assert_eq!(folder_name, &format!("element_{HEX}"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains(HEX) && msg.contains(B64), "{msg}");
    }

    #[test]
    fn global_id_is_required() {
        let tmp = TempDir::new().unwrap();
        write(
            tmp.path(),
            &format!("elements/element_{HEX}/metadata.json"),
            r#"{"Name": "x", "IFCClass": "IfcWall"}"#,
        );
        let err = expect_err(tmp.path());
        assert!(
            matches!(
                err,
                ElementError::MissingField {
                    field: "GlobalId",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn ifc_class_is_required_and_must_start_with_ifc() {
        let tmp = TempDir::new().unwrap();
        let dir = format!("elements/element_{HEX}/metadata.json");
        write(
            tmp.path(),
            &dir,
            &format!(r#"{{"GlobalId": "{HEX}", "IFCClass": null}}"#),
        );
        let err = expect_err(tmp.path());
        assert!(
            matches!(
                err,
                ElementError::MissingField {
                    field: "IFCClass",
                    ..
                }
            ),
            "{err:?}"
        );

        write(
            tmp.path(),
            &dir,
            &format!(r#"{{"GlobalId": "{HEX}", "IFCClass": "Wall"}}"#),
        );
        let err = expect_err(tmp.path());
        assert!(
            matches!(&err, ElementError::BadIfcClass { ifc_class, .. } if ifc_class == "Wall"),
            "{err:?}"
        );
        assert!(err.to_string().contains("must start with \"Ifc\""));
    }

    #[test]
    fn missing_psets_file_falls_back_to_flattened_metadata() {
        let tmp = TempDir::new().unwrap();
        write(
            tmp.path(),
            &format!("elements/element_{B64}/metadata.json"),
            &metadata(
                B64,
                "IfcCovering",
                r#"{
    "Pset_CoveringCommon.Reference": "LVT-1",
    "Pset_CoveringCommon.IsExternal": false,
    "Qto_CoveringBaseQuantities.Width": 0.005,
    "Qto_CoveringBaseQuantities.GrossArea": 905,
    "Custom.Width.Nominal": "5 mm"
  }"#,
            ),
        );
        let el = read_one(tmp.path());
        assert_eq!(el.id_kind, GlobalIdKind::IfcBase64);
        assert_eq!(
            el.missing,
            vec![PSETS_FILE, MATERIALS_FILE, GEOMETRY_FILE, SPATIAL_FILE]
        );
        assert_eq!(
            el.prop("Pset_CoveringCommon", "Reference"),
            Some(&PropValue::Text("LVT-1".into()))
        );
        assert_eq!(
            el.prop("Qto_CoveringBaseQuantities", "Width"),
            Some(&PropValue::Number("0.005".into()))
        );
        assert_eq!(
            el.prop("Qto_CoveringBaseQuantities", "GrossArea"),
            Some(&PropValue::Int(905))
        );
        // split at the first '.'
        assert_eq!(
            el.prop("Custom", "Width.Nominal"),
            Some(&PropValue::Text("5 mm".into()))
        );
        assert_eq!(el.psets.len(), 3);
    }

    #[test]
    fn missing_psets_file_and_no_flattened_copy_gives_no_psets() {
        let tmp = TempDir::new().unwrap();
        write(
            tmp.path(),
            &format!("elements/element_{HEX}/metadata.json"),
            &format!(r#"{{"GlobalId": "{HEX}", "IFCClass": "IfcWall"}}"#),
        );
        let el = read_one(tmp.path());
        assert!(el.psets.is_empty());
        assert_eq!(el.name, None);
        assert!(el.missing.contains(&PSETS_FILE));
    }

    #[test]
    fn flattened_key_without_dot_is_an_error() {
        let tmp = TempDir::new().unwrap();
        write(
            tmp.path(),
            &format!("elements/element_{HEX}/metadata.json"),
            &metadata(HEX, "IfcWall", r#"{"thickness_mm": 152}"#),
        );
        let err = expect_err(tmp.path());
        assert!(
            matches!(&err, ElementError::BadFlattenedKey { key, .. } if key == "thickness_mm"),
            "{err:?}"
        );
    }

    #[test]
    fn psets_file_wins_over_stale_metadata_copy() {
        let tmp = TempDir::new().unwrap();
        let dir = format!("elements/element_{HEX}");
        // the stale copy is not even valid flattened data: it must not matter
        write(
            tmp.path(),
            &format!("{dir}/metadata.json"),
            &metadata(
                HEX,
                "IfcWall",
                r#"{"Dimensions.height_mm": 3048, "oops": [1, 2]}"#,
            ),
        );
        write(
            tmp.path(),
            &format!("{dir}/properties/psets.json"),
            r#"{"Dimensions": {"height_mm": 3658}, "Pset_WallCommon": {"FireRating": "2 HR"}}"#,
        );
        let el = read_one(tmp.path());
        assert_eq!(
            el.prop("Dimensions", "height_mm"),
            Some(&PropValue::Int(3658))
        );
        assert_eq!(
            el.prop("Pset_WallCommon", "FireRating"),
            Some(&PropValue::Text("2 HR".into()))
        );
        assert!(!el.missing.contains(&PSETS_FILE));
    }

    #[test]
    fn missing_optional_files_give_defaults_and_are_recorded() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        fs::remove_file(sub_path(&folder, MATERIALS_FILE)).unwrap();
        fs::remove_dir_all(folder.join("geometry")).unwrap();
        fs::remove_file(sub_path(&folder, SPATIAL_FILE)).unwrap();
        let el = read_one(tmp.path());
        assert_eq!(
            el.missing,
            vec![MATERIALS_FILE, GEOMETRY_FILE, SPATIAL_FILE]
        );
        assert!(el.materials.is_empty());
        assert_eq!(el.geometry, None);
        assert_eq!(el.spatial, Spatial::default());
        assert_eq!(
            el.prop("Dimensions", "width_mm"),
            Some(&PropValue::Int(914))
        );
    }

    #[test]
    fn placeholder_geometry_is_read_as_written() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        fs::write(
            sub_path(&folder, GEOMETRY_FILE),
            r#"{"bounding_box": {"min_x": 0.0, "min_y": 0.0, "min_z": 0.0, "max_x": 0.0, "max_y": 0.0, "max_z": -0.0},
 "volume": null, "centroid": null}"#,
        )
        .unwrap();
        let geo = read_one(tmp.path()).geometry.unwrap();
        assert_eq!(geo.bbox.as_ref().unwrap().min_x, "0.0");
        assert_eq!(geo.volume, None);
        assert_eq!(geo.centroid, None);
        assert!(geo.is_placeholder());

        fs::write(sub_path(&folder, GEOMETRY_FILE), "{}").unwrap();
        let geo = read_one(tmp.path()).geometry.unwrap();
        assert_eq!(geo.bbox, None);
        assert!(geo.is_placeholder());
    }

    #[test]
    fn empty_materials_list_is_not_missing() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        fs::write(sub_path(&folder, MATERIALS_FILE), "[]").unwrap();
        let el = read_one(tmp.path());
        assert!(el.materials.is_empty());
        assert!(el.missing.is_empty());
    }

    /// Malformed JSON in each file is an error naming the file, line and column.
    #[test]
    fn malformed_json_reports_path_line_and_column() {
        for rel in [
            METADATA_FILE,
            PSETS_FILE,
            MATERIALS_FILE,
            GEOMETRY_FILE,
            SPATIAL_FILE,
        ] {
            let tmp = TempDir::new().unwrap();
            let folder = full_element(tmp.path(), HEX);
            let bad = sub_path(&folder, rel);
            // a hand edit gone wrong: a bare word after the opening bracket
            let good = fs::read_to_string(&bad).unwrap();
            fs::write(&bad, format!("{}\n  oops\n{}", &good[..1], &good[1..])).unwrap();
            let err = expect_err(tmp.path());
            match &err {
                ElementError::Json {
                    path, line, column, ..
                } => {
                    assert_eq!(path, &bad, "{rel}");
                    assert_eq!((*line, *column), (2, 3), "{rel}");
                }
                other => panic!("{rel}: unexpected {other:?}"),
            }
            let msg = err.to_string();
            assert!(msg.contains(&format!("{}:2:3: ", bad.display())), "{msg}");
            assert!(!msg.contains("at line"), "{msg}");
        }
    }

    #[test]
    fn wrong_types_are_json_errors_with_position() {
        let cases = [
            (
                METADATA_FILE,
                "{\n  \"GlobalId\": \"B5580D04D4754C4885A247\",\n  \"Name\": 5\n}",
                3,
            ),
            (PSETS_FILE, "{\n  \"P\": {\n    \"list\": [1, 2]\n  }\n}", 3),
            (PSETS_FILE, "[]", 1),
            (MATERIALS_FILE, "[\n  {\"thickness\": 1.0}\n]", 2),
            (
                MATERIALS_FILE,
                "[\n  {\"name\": \"x\", \"thickness\": \"152\"}\n]",
                2,
            ),
            (GEOMETRY_FILE, "{\n  \"centroid\": [1.0, 2.0]\n}", 2),
            (
                GEOMETRY_FILE,
                "{\n  \"bounding_box\": {\"min_x\": 0.0}\n}",
                2,
            ),
            (SPATIAL_FILE, "{\n  \"storey_name\": 2\n}", 2),
        ];
        for (rel, text, want_line) in cases {
            let tmp = TempDir::new().unwrap();
            let folder = full_element(tmp.path(), HEX);
            fs::write(sub_path(&folder, rel), text).unwrap();
            match expect_err(tmp.path()) {
                ElementError::Json { path, line, .. } => {
                    assert_eq!(path, sub_path(&folder, rel), "{text}");
                    assert_eq!(line, want_line, "{text}");
                }
                other => panic!("{text}: unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn truncated_file_reports_end_position() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        let path = folder.join(METADATA_FILE);
        let good = fs::read_to_string(&path).unwrap();
        fs::write(&path, &good[..good.find("\"IFCClass\"").unwrap()]).unwrap();
        match expect_err(tmp.path()) {
            ElementError::Json {
                path: p,
                line,
                message,
                ..
            } => {
                assert_eq!(p, path);
                assert_eq!(line, 4);
                assert!(message.contains("EOF"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn python_nan_is_rejected_with_position() {
        // Python's json.dump writes NaN for float("nan"); that is not JSON.
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        fs::write(
            sub_path(&folder, GEOMETRY_FILE),
            "{\n  \"bounding_box\": null,\n  \"volume\": NaN\n}",
        )
        .unwrap();
        let err = expect_err(tmp.path());
        assert!(matches!(err, ElementError::Json { line: 3, .. }), "{err:?}");
    }

    #[test]
    fn utf8_bom_and_escapes_are_accepted() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), B64);
        let meta = metadata(B64, "IfcSpace", "{}").replace(
            "\"IfcSpace_2O2Fr$t4\"",
            "\"Exam Room 102 \\u2014 Pediatrics\"",
        );
        fs::write(folder.join(METADATA_FILE), format!("\u{feff}{meta}")).unwrap();
        let el = read_one(tmp.path());
        assert_eq!(
            el.name.as_deref(),
            Some("Exam Room 102 \u{2014} Pediatrics")
        );
    }

    #[test]
    fn project_file_chooses_the_elements_dir() {
        let tmp = TempDir::new().unwrap();
        full_element(tmp.path(), HEX);
        fs::rename(tmp.path().join("elements"), tmp.path().join("parts")).unwrap();
        let err = expect_err(tmp.path());
        assert!(
            matches!(&err, ElementError::ElementsDirMissing { path } if *path == tmp.path().join("elements")),
            "{err:?}"
        );
        assert!(err.to_string().contains("elements_dir"));

        write(
            tmp.path(),
            PROJECT_FILE,
            "{\n  \"name\": \"X\",\n  \"version\": \"0.1.0\",\n  \"elements_dir\": \"parts\",\n  \"templates_dir\": \"templates\"\n}",
        );
        assert_eq!(read_one(tmp.path()).global_id, HEX);

        // key absent or null: the default
        write(
            tmp.path(),
            PROJECT_FILE,
            r#"{"name": "X", "elements_dir": null}"#,
        );
        assert!(matches!(
            expect_err(tmp.path()),
            ElementError::ElementsDirMissing { .. }
        ));

        write(tmp.path(), PROJECT_FILE, "{\n  \"elements_dir\": 7\n}");
        match expect_err(tmp.path()) {
            ElementError::Json { path, line, .. } => {
                assert_eq!(path, tmp.path().join(PROJECT_FILE));
                assert_eq!(line, 2);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn empty_elements_dir_reads_nothing() {
        let tmp = TempDir::new().unwrap();
        fs::create_dir(tmp.path().join("elements")).unwrap();
        assert!(read_elements(tmp.path()).unwrap().is_empty());
    }

    #[test]
    fn error_path_accessor_names_the_file() {
        let tmp = TempDir::new().unwrap();
        let folder = full_element(tmp.path(), HEX);
        fs::write(sub_path(&folder, SPATIAL_FILE), "nope").unwrap();
        let err = expect_err(tmp.path());
        assert_eq!(err.path(), sub_path(&folder, SPATIAL_FILE));
    }

    fn sample_project() -> Option<PathBuf> {
        [
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic"),
            PathBuf::from("/work/main/examples/riverside-clinic"),
        ]
        .into_iter()
        .find(|p| p.join("elements").is_dir())
    }

    #[test]
    fn reads_the_riverside_clinic_sample() {
        let Some(root) = sample_project() else {
            println!("skipped: examples/riverside-clinic not found");
            return;
        };
        let els = read_elements(&root).unwrap_or_else(|e| panic!("{e}"));
        assert!(els.len() >= 120, "only {} elements", els.len());
        let hex = els
            .iter()
            .filter(|e| e.id_kind == GlobalIdKind::Hex22)
            .count();
        let b64 = els
            .iter()
            .filter(|e| e.id_kind == GlobalIdKind::IfcBase64)
            .count();
        assert!(hex > 0 && b64 > 0, "hex {hex}, base64 {b64}");
        assert_eq!(hex + b64, els.len(), "no Other ids expected");
        assert!(els.windows(2).all(|w| w[0].global_id < w[1].global_id));
        assert!(els.iter().filter(|e| !e.missing.is_empty()).count() >= 3);
        assert!(els
            .iter()
            .any(|e| e.geometry.as_ref().is_some_and(Geometry::is_placeholder)));
        let widths: Vec<_> = els
            .iter()
            .filter_map(|e| e.prop("Dimensions", "width_mm"))
            .collect();
        assert!(widths.contains(&&PropValue::Int(914)));
        assert!(widths.contains(&&PropValue::Number("914.0".into())));
        assert!(els.iter().all(|e| e.ifc_class.starts_with("Ifc")));
    }
}
