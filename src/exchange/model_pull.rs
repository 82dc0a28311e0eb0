//! Model pull: a model version from a BIM tool (an IFC file, read by the IFC reader into
//! [`IncomingModel`]) compared with the project's element folders by GlobalId, three-way
//! against the version pulled last time, and applied to the folders in AEC OS's own
//! layout (`metadata.json`, `properties/psets.json`, `materials/materials.json`,
//! `relationships/spatial.json`).
//!
//! Matching: an element folder is matched by the GlobalId aecos writes for it (its own
//! id, or for AEC OS's hex ids the minted GUID of [`crate::formats::ifc_guid`], also
//! looked up in the GUID maps recorded beside earlier exports in `outbox/ifc/`).
//! Compared: class, name, tag, spatial container, material names and every property.
//! What aecos adds on export is not compared: the `AECOS_Status` set (the project's
//! records own it), and the `AECOS_X` sets holding a standard set's non-standard
//! properties are folded back into `Pset_X`.
//!
//! Rules (the same as schedule pulls, [`crate::schedule::merge::pick`]): changed in the
//! model only → applied; changed here only → kept; changed on both sides differently →
//! ours kept and a conflict recorded in `integration/conflicts/`. New elements get a
//! folder; elements the model removed are moved (never deleted) to
//! `integration/removed/<platform>-model-<sha8>/`, unless changed here since the last
//! pull (a conflict). On the first pull (no base) the model's values are taken wherever
//! they differ, and nothing is removed. A readable report (Markdown and JSON) is written
//! under `records/pulled/<platform>/model/changes/`, and the incoming version becomes
//! the new base `records/pulled/<platform>/model/elements.json`.
//!
//! Everything goes through one plan (atomic writes, audit entries, approval when the
//! rules require it). It must not parse files (the reader does) and never loses data.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::import::{free_name, ImportedFile};
use super::pending::{self, Plan, PlannedWrite};
use super::rules::{self, Policy};
use super::{move_file, rel};
use crate::audit::sha256_hex;
use crate::error::{DataError, Error, Result};
use crate::formats::ifc_guid;
use crate::formats::ifc_psets::{custom_name, CUSTOM_PREFIX};
use crate::formats::ifc_read::IfcModel;
use crate::formats::ifc_write::{class_spec, container_names, proxy, IfcSchema, STATUS_PSET};
use crate::project::elements::{self, Element, PropValue};
use crate::project::serde_util::parse_json_number;
use crate::schedule::merge::{pick, Pick};

/// The data type model pulls are ruled and audited under.
pub const DATA_TYPE: &str = "model";

/// One element of an incoming model, in neutral form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingElement {
    pub global_id: String,
    /// IFC class, e.g. `IfcWall`.
    pub class: String,
    pub name: Option<String>,
    pub tag: Option<String>,
    /// Set name → property name → value (quantity sets included).
    pub psets: BTreeMap<String, BTreeMap<String, Value>>,
    /// Material names, in layer order.
    pub materials: Vec<String>,
    /// Name of the spatial element containing it (storey, else building or site).
    pub container: Option<String>,
}

/// An incoming model version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncomingModel {
    pub elements: Vec<IncomingElement>,
}

impl IncomingModel {
    /// The elements (IfcElement subtypes) and spaces of a model read by the IFC reader,
    /// with their property and quantity sets as `get_psets` gives them (without the sets'
    /// `id`), material names in layer order and the storey (else building or site) that
    /// contains them.
    pub fn from_ifc(model: &IfcModel<'_>) -> IncomingModel {
        let spatial_name = |id: u64| -> Option<String> {
            // Parts are contained through the whole they aggregate into: walk up to the
            // spatial structure.
            let mut at = model.container(id)?;
            for _ in 0..16 {
                if model.kind(at).1 {
                    return model.product(at).and_then(|p| p.name);
                }
                at = model.container(at)?;
            }
            None
        };
        // All products at once: type objects' sets are read once, in parallel.
        let elements = model
            .products()
            .into_iter()
            .filter(|p| model.kind(p.id).0 || model.is_a(p.id, "IfcSpace"))
            .filter_map(|p| {
                let id = p.id;
                let psets = p
                    .psets
                    .into_iter()
                    .filter_map(|(set, props)| match props {
                        Value::Object(m) => {
                            Some((set, m.into_iter().filter(|(k, _)| k != "id").collect()))
                        }
                        _ => None,
                    })
                    .collect();
                Some(IncomingElement {
                    global_id: p.global_id?,
                    class: p.class.to_string(),
                    name: p.name,
                    tag: model.tag(id),
                    psets,
                    materials: model.base_materials(id),
                    container: spatial_name(id),
                })
            })
            .collect();
        IncomingModel { elements }
    }
}

/// One added, removed or changed element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementChange {
    /// GlobalId in the model.
    pub global_id: String,
    /// Its element folder's id in AEC OS (differs for hex ids).
    pub aecos_id: String,
    pub class: String,
    pub name: Option<String>,
    /// What changed: `class`, `name`, `tag`, `container`, `materials`, `Pset.Prop`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// A value both sides changed since the last pull.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelConflict {
    pub global_id: String,
    pub aecos_id: String,
    pub field: String,
    pub base: Value,
    pub ours: Value,
    pub theirs: Value,
}

/// What a model pull did (or would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelPullReport {
    pub added: Vec<ElementChange>,
    pub removed: Vec<ElementChange>,
    pub changed: Vec<ElementChange>,
    pub conflicts: Vec<ModelConflict>,
    /// Project elements the model does not hold and that were not in the base either.
    pub not_in_model: usize,
    pub unchanged: usize,
    /// True when there was no earlier pull to compare with.
    pub first_pull: bool,
}

impl ModelPullReport {
    pub fn changed_anything(&self) -> bool {
        !(self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty())
    }
}

/// Where the last pulled model version is kept.
pub fn pulled_model_file(platform: &str) -> String {
    format!("records/pulled/{platform}/model/elements.json")
}

/// What applying a pull does to one element.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    /// New folder named after the model's GlobalId.
    Create(IncomingElement),
    /// Merged values for an existing folder.
    Update(IncomingElement),
    /// Move the folder out.
    Remove,
}

/// IFC GlobalId → AEC OS element id, for the project's elements: computed the way the
/// exporter computes it, plus the recorded GUID maps of earlier exports
/// (`outbox/ifc/*guid-map.json`) for ids still in the project.
pub fn guid_lookup(
    root: &Path,
    project: &str,
    els: &[Element],
) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    let ids: BTreeSet<&str> = els.iter().map(|e| e.global_id.as_str()).collect();
    for f in crate::project::files_with_extension(&root.join("outbox").join("ifc"), "json")? {
        if !f
            .to_string_lossy()
            .ends_with(super::export::GUID_MAP_SUFFIX)
        {
            continue;
        }
        let recorded: super::export::GuidMapFile = crate::project::serde_util::load_json(
            &f,
            "the GUID map is written by `aecos export ifc`; export again to replace it",
        )?;
        for g in recorded.elements {
            if ids.contains(g.aecos_id.as_str()) && ifc_guid::is_valid(&g.ifc_guid) {
                map.insert(g.ifc_guid, g.aecos_id);
            }
        }
    }
    for e in els {
        map.insert(
            ifc_guid::element_guid(project, &e.global_id).0,
            e.global_id.clone(),
        );
    }
    Ok(map)
}

fn prop_json(v: &PropValue) -> Value {
    match v {
        PropValue::Bool(b) => Value::Bool(*b),
        PropValue::Int(i) => Value::from(*i),
        PropValue::Number(n) => n
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(n.clone())),
        PropValue::Text(t) => Value::String(t.clone()),
        PropValue::Null => Value::Null,
    }
}

/// A project element in the neutral form, keyed like the model.
fn neutral(e: &Element, global_id: &str, container: &str) -> IncomingElement {
    IncomingElement {
        global_id: global_id.to_string(),
        class: e.ifc_class.clone(),
        name: e.name.clone(),
        tag: e.tag.clone(),
        psets: e
            .psets
            .iter()
            .map(|(s, props)| {
                (
                    s.clone(),
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), prop_json(v)))
                        .collect(),
                )
            })
            .collect(),
        materials: e.materials.iter().map(|m| m.name.clone()).collect(),
        container: Some(container.to_string()),
    }
}

/// A property value as AEC OS stores it, a scalar: a one-item list (an enumerated or list
/// value) is its item, a longer list its items' text joined by `, `, an object its JSON
/// text.
pub fn scalar(v: Value) -> Value {
    match v {
        Value::Array(mut items) if items.len() == 1 => scalar(items.remove(0)),
        Value::Array(items) => Value::String(
            items
                .into_iter()
                .map(|i| match scalar(i) {
                    Value::String(t) => t,
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Value::Object(_) => Value::String(v.to_string()),
        other => other,
    }
}

/// Undoes what the exporter adds: drops the status set, folds `AECOS_X` back into
/// `Pset_X` (without overwriting a property the standard set holds); makes every value a
/// scalar ([`scalar`]).
pub fn normalize_incoming(mut e: IncomingElement) -> IncomingElement {
    for props in e.psets.values_mut() {
        for v in props.values_mut() {
            *v = scalar(std::mem::take(v));
        }
    }
    e.psets.remove(STATUS_PSET);
    let custom: Vec<String> = e
        .psets
        .keys()
        .filter(|k| k.starts_with(CUSTOM_PREFIX))
        .cloned()
        .collect();
    for name in custom {
        let standard = format!("Pset_{}", &name[CUSTOM_PREFIX.len()..]);
        debug_assert_eq!(custom_name(&standard), name);
        if let Some(props) = e.psets.remove(&name) {
            let slot = e.psets.entry(standard).or_default();
            for (k, v) in props {
                slot.entry(k).or_insert(v);
            }
        }
    }
    e
}

/// Equality for property values: numbers by value (`914` = `914.0`), and an IFC
/// enumeration item (upper case) equal to the same word in any case.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (
                parse_json_number(&x.to_string()),
                parse_json_number(&y.to_string()),
            ) {
                (Some(x), Some(y)) => x == y,
                _ => x == y,
            }
        }
        (Value::String(x), Value::String(y)) => {
            x == y
                || (x.eq_ignore_ascii_case(y)
                    && (x.chars().all(|c| !c.is_ascii_lowercase())
                        || y.chars().all(|c| !c.is_ascii_lowercase())))
        }
        _ => a == b,
    }
}

/// The comparable fields of an element: name → value.
fn fields_of(e: &IncomingElement) -> BTreeMap<String, Value> {
    let mut f = BTreeMap::new();
    f.insert("class".to_string(), Value::String(e.class.clone()));
    let opt = |v: &Option<String>| v.clone().map(Value::String).unwrap_or(Value::Null);
    f.insert("name".into(), opt(&e.name));
    f.insert("tag".into(), opt(&e.tag));
    f.insert("container".into(), opt(&e.container));
    f.insert(
        "materials".into(),
        Value::Array(e.materials.iter().cloned().map(Value::String).collect()),
    );
    for (s, props) in &e.psets {
        for (k, v) in props {
            f.insert(format!("{s}.{k}"), v.clone());
        }
    }
    f
}

/// True when `theirs` is how aecos writes class `ours` in some schema (IFC2X3 has no
/// IfcDuctSegment: it comes back as IfcFlowSegment), or the same class.
fn same_class(ours: &str, theirs: &str) -> bool {
    ours == theirs
        || IfcSchema::ALL
            .into_iter()
            .any(|s| class_spec(s, ours).unwrap_or_else(proxy).entity == theirs)
}

/// True when two elements have the same comparable fields.
fn same_fields(a: &IncomingElement, b: &IncomingElement) -> bool {
    let (fa, fb) = (fields_of(a), fields_of(b));
    fa.len() == fb.len()
        && fa
            .iter()
            .zip(&fb)
            .all(|((ka, va), (kb, vb))| ka == kb && same_value(va, vb))
}

/// Sets one comparable field of `e` (`None`: remove it).
fn set_field(e: &mut IncomingElement, field: &str, value: Option<&Value>) {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    match field {
        "class" => {
            if let Some(c) = text(value) {
                e.class = c;
            }
        }
        "name" => e.name = text(value),
        "tag" => e.tag = text(value),
        "container" => e.container = text(value),
        "materials" => {
            e.materials = value
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
        }
        _ => {
            let Some((s, k)) = field.split_once('.') else {
                return;
            };
            match value {
                Some(v) => {
                    e.psets
                        .entry(s.to_string())
                        .or_default()
                        .insert(k.to_string(), v.clone());
                }
                None => {
                    if let Some(props) = e.psets.get_mut(s) {
                        props.remove(k);
                        if props.is_empty() {
                            e.psets.remove(s);
                        }
                    }
                }
            }
        }
    }
}

/// The three-way comparison; pure. `ours` is keyed by model GlobalId with the AEC OS id.
fn merge(
    base: Option<&BTreeMap<String, IncomingElement>>,
    ours: &BTreeMap<String, (String, IncomingElement)>,
    theirs: &BTreeMap<String, IncomingElement>,
) -> (BTreeMap<String, Action>, ModelPullReport) {
    let mut actions = BTreeMap::new();
    let mut rep = ModelPullReport {
        first_pull: base.is_none(),
        ..Default::default()
    };
    let change = |g: &str, id: &str, e: &IncomingElement, fields: Vec<String>| ElementChange {
        global_id: g.to_string(),
        aecos_id: id.to_string(),
        class: e.class.clone(),
        name: e.name.clone(),
        fields,
    };
    for (g, t) in theirs {
        let b = base.and_then(|b| b.get(g));
        match ours.get(g) {
            Some((id, o)) => {
                let (of, tf) = (fields_of(o), fields_of(t));
                let bf = b.map(fields_of);
                let names: BTreeSet<&String> = of.keys().chain(tf.keys()).collect();
                let mut merged = o.clone();
                let mut changed = Vec::new();
                for n in names {
                    let bv = bf.as_ref().map(|bf| bf.get(n));
                    match pick(bv, of.get(n), tf.get(n), same_value) {
                        Pick::Keep => {}
                        Pick::Theirs => {
                            set_field(&mut merged, n, tf.get(n));
                            changed.push(n.clone());
                        }
                        Pick::Conflict => rep.conflicts.push(ModelConflict {
                            global_id: g.clone(),
                            aecos_id: id.clone(),
                            field: n.clone(),
                            base: bv.flatten().cloned().unwrap_or(Value::Null),
                            ours: of.get(n).cloned().unwrap_or(Value::Null),
                            theirs: tf.get(n).cloned().unwrap_or(Value::Null),
                        }),
                    }
                }
                if changed.is_empty() {
                    rep.unchanged += 1;
                } else {
                    rep.changed.push(change(g, id, &merged, changed));
                    actions.insert(id.clone(), Action::Update(merged));
                }
            }
            None if b.is_some() => {
                // Removed here since the last pull: stays removed unless the model
                // changed it, which is a conflict.
                if b.is_some_and(|b| !same_fields(b, t)) {
                    rep.conflicts.push(ModelConflict {
                        global_id: g.clone(),
                        aecos_id: g.clone(),
                        field: "element".into(),
                        base: Value::String("present".into()),
                        ours: Value::String("removed here".into()),
                        theirs: Value::String("changed in the model".into()),
                    });
                }
            }
            None => {
                rep.added.push(change(g, g, t, Vec::new()));
                actions.insert(g.clone(), Action::Create(t.clone()));
            }
        }
    }
    for (g, (id, o)) in ours {
        if theirs.contains_key(g) {
            continue;
        }
        match base.and_then(|b| b.get(g)) {
            Some(b) if same_fields(b, o) => {
                rep.removed.push(change(g, id, o, Vec::new()));
                actions.insert(id.clone(), Action::Remove);
            }
            Some(_) => rep.conflicts.push(ModelConflict {
                global_id: g.clone(),
                aecos_id: id.clone(),
                field: "element".into(),
                base: Value::String("present".into()),
                ours: Value::String("changed here".into()),
                theirs: Value::String("removed in the model".into()),
            }),
            None => rep.not_in_model += 1,
        }
    }
    (actions, rep)
}

fn pretty(v: &impl Serialize) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).unwrap_or_default();
    b.push(b'\n');
    b
}

/// A JSON object file of an element folder, as written (key order kept), or empty.
fn read_object(path: &Path) -> Result<Map<String, Value>> {
    match std::fs::read(path) {
        Ok(b) => Ok(crate::project::serde_util::parse_json(
            path,
            b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&b),
            "fix the JSON, or restore the file from Git",
        )?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn flatten(psets: &BTreeMap<String, BTreeMap<String, Value>>) -> Map<String, Value> {
    psets
        .iter()
        .flat_map(|(s, props)| {
            props
                .iter()
                .map(move |(k, v)| (format!("{s}.{k}"), v.clone()))
        })
        .collect()
}

/// The files an element folder gets for `e`: (project-relative path, bytes). For an
/// existing folder (`folder`), keys aecos does not manage are kept, and layers keep their
/// thickness, category and fraction when their material stays.
fn element_files(
    root: &Path,
    folder: &Path,
    e: &IncomingElement,
    existing: Option<&Element>,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    let path = |f: &str| folder.join(f);
    let mut meta = read_object(&path(elements::METADATA_FILE))?;
    let opt = |v: &Option<String>| v.clone().map(Value::String).unwrap_or(Value::Null);
    if existing.is_none() {
        meta.insert("GlobalId".into(), Value::String(e.global_id.clone()));
    }
    meta.insert("Name".into(), opt(&e.name));
    meta.insert("IFCClass".into(), Value::String(e.class.clone()));
    meta.entry("ObjectType").or_insert(Value::Null);
    meta.insert("Tag".into(), opt(&e.tag));
    meta.insert("Psets".into(), Value::Object(flatten(&e.psets)));
    files.push((path(elements::METADATA_FILE), pretty(&meta)));
    files.push((path(elements::PSETS_FILE), pretty(&e.psets)));
    let old_layers: Vec<&elements::MaterialLayer> = existing
        .map(|x| x.materials.iter().collect())
        .unwrap_or_default();
    let num = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| t.parse::<serde_json::Number>().ok())
            .map(Value::Number)
            .unwrap_or(Value::Null)
    };
    let layers: Vec<Value> = e
        .materials
        .iter()
        .enumerate()
        .map(|(i, name)| {
            // Same material at the same position, else the first layer of that name.
            let old = old_layers
                .get(i)
                .filter(|l| l.name == *name)
                .or_else(|| old_layers.iter().find(|l| l.name == *name));
            serde_json::json!({
                "name": name,
                "thickness": old.map(|l| num(&l.thickness)).unwrap_or(Value::Null),
                "category": old.and_then(|l| l.category.clone()),
                "fraction": old.map(|l| num(&l.fraction)).unwrap_or(Value::Null),
            })
        })
        .collect();
    files.push((path(elements::MATERIALS_FILE), pretty(&layers)));
    let mut spatial = read_object(&path(elements::SPATIAL_FILE))?;
    let current = existing.map(|x| {
        x.spatial
            .storey_name
            .clone()
            .or(x.spatial.building_name.clone())
    });
    if existing.is_none() || current.flatten() != e.container {
        for k in ["site_name", "site_id", "building_name", "building_id"] {
            spatial.entry(k).or_insert(Value::Null);
        }
        spatial.insert("storey_name".into(), opt(&e.container));
        spatial.insert("storey_id".into(), Value::Null);
        files.push((path(elements::SPATIAL_FILE), pretty(&spatial)));
    }
    if existing.is_none() {
        // What AEC OS's create_element writes before geometry exists.
        let shape = serde_json::json!({
            "bounding_box": {"min_x": 0.0, "min_y": 0.0, "min_z": 0.0, "max_x": 0.0, "max_y": 0.0, "max_z": 0.0},
            "volume": null, "centroid": null,
        });
        files.push((path(elements::GEOMETRY_FILE), pretty(&shape)));
    }
    Ok(files.into_iter().map(|(p, b)| (rel(root, &p), b)).collect())
}

/// The Markdown change report.
fn report_markdown(name: &str, sha: &str, platform: &str, r: &ModelPullReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Model pull from {platform}: {name}\n");
    let _ = writeln!(
        s,
        "SHA-256 `{sha}`{}\n",
        if r.first_pull {
            " (first pull: no earlier version to compare with)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "{} added, {} removed, {} changed, {} conflicts, {} unchanged, {} project elements not in the model.\n",
        r.added.len(), r.removed.len(), r.changed.len(), r.conflicts.len(), r.unchanged, r.not_in_model
    );
    let line = |c: &ElementChange| {
        let id = if c.aecos_id == c.global_id {
            c.global_id.clone()
        } else {
            format!("{} (AEC OS {})", c.global_id, c.aecos_id)
        };
        format!("- {} `{id}` {}", c.class, c.name.as_deref().unwrap_or(""))
    };
    for (title, list) in [
        ("Added", &r.added),
        ("Removed", &r.removed),
        ("Changed", &r.changed),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "## {title}\n");
        for c in list {
            let _ = writeln!(s, "{}", line(c).trim_end());
            for f in &c.fields {
                let _ = writeln!(s, "  - {f}");
            }
        }
        s.push('\n');
    }
    if !r.conflicts.is_empty() {
        let _ = writeln!(s, "## Conflicts (the project's value was kept)\n");
        let _ = writeln!(
            s,
            "| Element | Field | Last pulled | Project | Model |\n| --- | --- | --- | --- | --- |"
        );
        for c in &r.conflicts {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} |",
                c.aecos_id, c.field, c.base, c.ours, c.theirs
            );
        }
    }
    s
}

/// Checks an incoming model before anything is compared.
fn validate(file: &Path, m: &IncomingModel) -> std::result::Result<(), DataError> {
    let mut seen = BTreeSet::new();
    for e in &m.elements {
        if !ifc_guid::is_valid(&e.global_id) {
            return Err(DataError::new(
                file,
                format!(
                    "element GlobalId {:?} is not a valid IFC GlobalId",
                    e.global_id
                ),
                "export the model again from the authoring tool",
            )
            .field("GlobalId"));
        }
        if !seen.insert(&e.global_id) {
            return Err(DataError::new(
                file,
                format!("GlobalId {} is used by two elements", e.global_id),
                "a GlobalId must be unique; fix the model in the authoring tool",
            )
            .field("GlobalId"));
        }
        if !e.class.starts_with("Ifc") {
            return Err(DataError::new(
                file,
                format!("element {} has class {:?}", e.global_id, e.class),
                "the reader must give IFC class names",
            )
            .field("class"));
        }
        if e.psets
            .keys()
            .chain(e.psets.values().flat_map(|p| p.keys()))
            .any(|k| k.is_empty())
        {
            return Err(DataError::new(
                file,
                format!(
                    "element {} has a property or set without a name",
                    e.global_id
                ),
                "name every property set and property in the authoring tool",
            )
            .field("psets"));
        }
    }
    Ok(())
}

/// Applies a model version read from `file` (in `inbox`, named `name`, SHA-256 `sha`)
/// to the project: merge, plan, then commit or hold for approval; the file moves to
/// `inbox/processed/`. A model that fails [`validate`] is rejected like any import.
#[allow(clippy::too_many_arguments)]
pub fn import_model(
    root: &Path,
    file: &Path,
    sha: &str,
    incoming: &IncomingModel,
    platform: &str,
    rules: &rules::Rules,
    rules_path: &Path,
    inbox: &Path,
    name: &str,
) -> Result<ImportedFile> {
    let policy = super::import::check_policy(rules, rules_path, platform, DATA_TYPE)?;
    if let Err(e) = validate(file, incoming) {
        return super::import::reject(root, file, inbox, name, sha, &e);
    }
    let project = super::export::project_name(root)?;
    let els = elements::read_elements(root)?;
    let lookup = guid_lookup(root, &project, &els)?;
    let by_id: BTreeMap<&str, &Element> = els.iter().map(|e| (e.global_id.as_str(), e)).collect();
    let containers = container_names(&els);
    let theirs: BTreeMap<String, IncomingElement> = incoming
        .elements
        .iter()
        .map(|e| (e.global_id.clone(), normalize_incoming(e.clone())))
        .collect();
    // One GlobalId per element: the one the model holds (a recorded map may give an
    // element more than one), else the one the exporter computes now.
    let mut chosen: BTreeMap<&str, &str> = BTreeMap::new();
    for (g, id) in &lookup {
        if theirs.contains_key(g) || !chosen.contains_key(id.as_str()) {
            chosen.insert(id, g);
        }
    }
    let ours: BTreeMap<String, (String, IncomingElement)> = els
        .iter()
        .zip(&containers)
        .filter_map(|(e, c)| {
            let g = chosen.get(e.global_id.as_str())?;
            Some((g.to_string(), (e.global_id.clone(), neutral(e, g, c))))
        })
        .collect();
    // A class the model's schema lacks came back as aecos wrote it: not a change.
    let mut theirs = theirs;
    for (g, t) in &mut theirs {
        if let Some((_, o)) = ours.get(g) {
            if same_class(&o.class, &t.class) {
                t.class = o.class.clone();
            }
        }
    }
    let base_path = pulled_model_file(platform);
    let base: Option<BTreeMap<String, IncomingElement>> = match std::fs::read(root.join(&base_path))
    {
        Ok(b) => {
            let m: IncomingModel = crate::project::serde_util::parse_json(&root.join(&base_path), &b, "the pulled model is written by aecos; restore it from Git or delete it to pull afresh")?;
            Some(
                m.elements
                    .into_iter()
                    .map(|e| (e.global_id.clone(), e))
                    .collect(),
            )
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&root.join(&base_path), e)),
    };
    let (actions, report) = merge(base.as_ref(), &ours, &theirs);

    let short = &sha[..8.min(sha.len())];
    let mut writes: Vec<(String, Vec<u8>, &str)> = Vec::new();
    let mut moves: Vec<(String, String)> = Vec::new();
    let mut prune = Vec::new();
    let elements_dir = root.join(elements::elements_dir_name(root)?);
    for (id, action) in &actions {
        match action {
            Action::Create(e) => {
                let folder =
                    elements_dir.join(format!("{}{}", elements::ELEMENT_PREFIX, e.global_id));
                for (p, b) in element_files(root, &folder, e, None)? {
                    writes.push((p, b, "element"));
                }
            }
            Action::Update(e) => {
                let Some(x) = by_id.get(id.as_str()) else {
                    continue;
                };
                let mut e = e.clone();
                e.global_id = x.global_id.clone();
                for (p, b) in element_files(root, &x.folder, &e, Some(x))? {
                    if std::fs::read(root.join(&p)).ok().as_deref() != Some(b.as_slice()) {
                        writes.push((p, b, "element"));
                    }
                }
            }
            Action::Remove => {
                let Some(x) = by_id.get(id.as_str()) else {
                    continue;
                };
                let dest = root
                    .join("integration")
                    .join("removed")
                    .join(format!("{platform}-model-{short}"));
                for entry in walkdir::WalkDir::new(&x.folder).sort_by_file_name() {
                    let entry = entry
                        .map_err(|e| Error::io(&x.folder, std::io::Error::other(e.to_string())))?;
                    if entry.file_type().is_file() {
                        let inner = entry
                            .path()
                            .strip_prefix(elements_dir.as_path())
                            .unwrap_or(entry.path());
                        moves.push((rel(root, entry.path()), rel(root, &dest.join(inner))));
                    }
                }
                prune.push(rel(root, &x.folder));
            }
        }
    }
    let new_base = IncomingModel {
        elements: theirs.values().cloned().collect(),
    };
    let base_bytes = pretty(&new_base);
    if std::fs::read(root.join(&base_path)).ok().as_deref() != Some(base_bytes.as_slice()) {
        writes.push((base_path, base_bytes, "pulled-model"));
    }
    let conflicts_file = (!report.conflicts.is_empty())
        .then(|| format!("integration/conflicts/{platform}-model-{short}.json"));
    if let Some(cf) = &conflicts_file {
        let body = serde_json::json!({"source_file": name, "sha256": sha, "platform": platform, "conflicts": report.conflicts});
        writes.push((cf.clone(), pretty(&body), "model-conflicts"));
    }
    let changed = report.changed_anything() || !report.conflicts.is_empty();
    if changed {
        let dir = format!("records/pulled/{platform}/model/changes");
        writes.push((
            format!("{dir}/{short}.md"),
            report_markdown(name, sha, platform, &report).into_bytes(),
            "model-change-report",
        ));
        writes.push((
            format!("{dir}/{short}.json"),
            pretty(&report),
            "model-change-report",
        ));
    }
    let (processed, duplicate) = free_name(&inbox.join("processed"), name, sha);
    let base_file = ImportedFile {
        format: Some("ifc".into()),
        record: Some(elements::DEFAULT_ELEMENTS_DIR.to_string()),
        moved_to: Some(rel(root, &processed)),
        model: Some(report),
        ..ImportedFile::new(rel(root, file))
    };
    if writes.is_empty() && moves.is_empty() {
        if duplicate && processed != file {
            std::fs::remove_file(file).map_err(|e| Error::io(file, e))?;
        } else {
            move_file(file, &processed)?;
        }
        return Ok(ImportedFile {
            status: "unchanged".into(),
            ..base_file
        });
    }
    let source = format!("{} (sha256 {sha})", rel(root, file));
    moves.push((rel(root, file), rel(root, &processed)));
    let mut plan = Plan {
        kind: "import".into(),
        writes: writes
            .iter()
            .map(|(dest, b, fmt)| PlannedWrite {
                dest: dest.clone(),
                format: fmt.to_string(),
                sha256: sha256_hex(b),
                action: "import".into(),
                direction: "pull".into(),
                platform: platform.into(),
                data_type: DATA_TYPE.into(),
                source: source.clone(),
            })
            .collect(),
        manifest: None,
        moves,
        outcome: "applied".into(),
        held_over: Vec::new(),
        prune_dirs: prune,
    };
    let bytes: Vec<Vec<u8>> = writes.into_iter().map(|(_, b, _)| b).collect();
    if policy == Policy::RequiresApproval {
        let id = format!("IMP-{}", &sha[..10.min(sha.len())]);
        let held = inbox.join("pending").join(name);
        move_file(file, &held)?;
        if let Some(last) = plan.moves.last_mut() {
            *last = (rel(root, &held), rel(root, &processed));
        }
        pending::hold(root, &plan, &bytes, &id)?;
        return Ok(ImportedFile {
            status: "held".into(),
            pending_id: Some(id),
            moved_to: Some(rel(root, &held)),
            ..base_file
        });
    }
    pending::commit(root, &plan, &bytes)?;
    Ok(ImportedFile {
        status: "applied".into(),
        ..base_file
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use tempfile::TempDir;

    const HEX: &str = "B5580D04D4754C4885A247";
    const B64: &str = "2O2Fr$t4X7Zf8NOew3FLOH";
    const GONE: &str = "1x0Hdc1LbB5fLlGVuHbBAy";

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn element(root: &Path, id: &str, class: &str, name: &str, psets: &str, materials: &str) {
        let d = format!("elements/element_{id}");
        write(root, &format!("{d}/metadata.json"), &format!(
            "{{\"GlobalId\": \"{id}\", \"Name\": \"{name}\", \"IFCClass\": \"{class}\", \"ObjectType\": null, \"Tag\": null, \"Psets\": {{}}, \"Custom\": 7}}"
        ));
        write(root, &format!("{d}/properties/psets.json"), psets);
        write(root, &format!("{d}/materials/materials.json"), materials);
        write(
            root,
            &format!("{d}/relationships/spatial.json"),
            r#"{"site_name": "Site", "site_id": null, "building_name": "Clinic", "building_id": null, "storey_name": "Level 1", "storey_id": null}"#,
        );
        write(
            root,
            &format!("{d}/geometry/shape.json"),
            r#"{"bounding_box": {"min_x": 0.0, "min_y": 0.0, "min_z": 0.0, "max_x": 6.0, "max_y": 0.3, "max_z": 3.0}, "volume": 5.4, "centroid": [3.0, 0.15, 1.5]}"#,
        );
    }

    fn project() -> TempDir {
        let t = TempDir::new().unwrap();
        let r = t.path();
        write(
            r,
            "aecos_project.json",
            r#"{"name": "Clinic", "elements_dir": "elements"}"#,
        );
        element(
            r,
            HEX,
            "IfcWall",
            "Wall A",
            r#"{"Pset_WallCommon": {"IsExternal": true, "FireRating": "2H", "Status": "New"}, "Dimensions": {"thickness_mm": 300}}"#,
            r#"[{"name": "Brick", "thickness": 92.0, "category": "wall", "fraction": null}, {"name": "CMU", "thickness": 203.2, "category": null, "fraction": null}]"#,
        );
        element(
            r,
            B64,
            "IfcDoor",
            "Door 1",
            r#"{"Pset_DoorCommon": {"FireRating": "20 MIN"}}"#,
            "[]",
        );
        element(
            r,
            GONE,
            "IfcColumn",
            "Column C1",
            r#"{"Pset_ColumnCommon": {"LoadBearing": true}}"#,
            "[]",
        );
        t
    }

    /// The model as aecos's own export of the project would read back.
    fn model_of(root: &Path) -> IncomingModel {
        let els = elements::read_elements(root).unwrap();
        let containers = container_names(&els);
        IncomingModel {
            elements: els
                .iter()
                .zip(&containers)
                .map(|(e, c)| {
                    let mut n = neutral(e, &ifc_guid::element_guid("Clinic", &e.global_id).0, c);
                    // What the exporter adds and the reader gives back.
                    n.psets.insert(
                        STATUS_PSET.into(),
                        [("Status".to_string(), Value::String("installed".into()))].into(),
                    );
                    if let Some(s) = n
                        .psets
                        .get_mut("Pset_WallCommon")
                        .and_then(|p| p.remove("Status"))
                    {
                        n.psets.insert(
                            "AECOS_WallCommon".into(),
                            [("Status".to_string(), s)].into(),
                        );
                    }
                    n
                })
                .collect(),
        }
    }

    fn pull(root: &Path, file_name: &str, body: &str, model: &IncomingModel) -> ImportedFile {
        write(root, &format!("inbox/{file_name}"), body);
        let file = root.join("inbox").join(file_name);
        let sha = sha256_hex(body.as_bytes());
        let (rules, rules_path) = rules::load(root).unwrap();
        import_model(
            root,
            &file,
            &sha,
            model,
            "ifc",
            &rules,
            &rules_path,
            &root.join("inbox"),
            file_name,
        )
        .unwrap()
    }

    fn wall_guid() -> String {
        ifc_guid::element_guid("Clinic", HEX).0
    }

    fn find<'a>(m: &'a mut IncomingModel, g: &str) -> &'a mut IncomingElement {
        m.elements.iter_mut().find(|e| e.global_id == g).unwrap()
    }

    fn read(root: &Path, rel: &str) -> Value {
        serde_json::from_slice(&std::fs::read(root.join(rel)).unwrap()).unwrap()
    }

    #[test]
    fn first_pull_of_our_own_export_changes_nothing_but_records_the_base() {
        let t = project();
        let r = t.path();
        let before = elements::read_elements(r).unwrap();
        let m = model_of(r);
        let f = pull(r, "v1.ifc", "v1", &m);
        let rep = f.model.unwrap();
        assert!(rep.first_pull);
        assert_eq!(
            (
                rep.added.len(),
                rep.removed.len(),
                rep.changed.len(),
                rep.conflicts.len()
            ),
            (0, 0, 0, 0),
            "{rep:?}"
        );
        assert_eq!(rep.unchanged, 3);
        assert_eq!(elements::read_elements(r).unwrap(), before);
        assert!(r.join(pulled_model_file("ifc")).is_file());
        assert!(r.join("inbox/processed/v1.ifc").is_file());
        // The base holds the normalised model: no status set, Status folded back.
        let base = read(r, &pulled_model_file("ifc"));
        let text = base.to_string();
        assert!(!text.contains(STATUS_PSET) && !text.contains("AECOS_WallCommon"));
    }

    #[test]
    fn second_pull_applies_model_changes_in_aecos_layout() {
        let t = project();
        let r = t.path();
        let m = model_of(r);
        pull(r, "v1.ifc", "v1", &m);
        let mut m2 = m.clone();
        let wall = find(&mut m2, &wall_guid());
        wall.name = Some("Wall A (revised)".into());
        wall.psets
            .get_mut("Pset_WallCommon")
            .unwrap()
            .insert("FireRating".into(), Value::String("3H".into()));
        wall.materials = vec!["CMU".into(), "Gypsum".into()];
        let door = find(&mut m2, B64);
        door.container = Some("Level 2".into());
        door.tag = Some("D-101".into());
        m2.elements.retain(|e| e.global_id != GONE);
        m2.elements.push(IncomingElement {
            global_id: "0QJ0vy$Cr3fxHKP5VtC3Sw".into(),
            class: "IfcWindow".into(),
            name: Some("Window W1".into()),
            tag: Some("W1".into()),
            psets: [(
                "Pset_WindowCommon".to_string(),
                [("IsExternal".to_string(), Value::Bool(true))].into(),
            )]
            .into(),
            materials: vec!["Glass".into()],
            container: Some("Level 1".into()),
        });
        let f = pull(r, "v2.ifc", "v2", &m2);
        assert_eq!(f.status, "applied");
        let rep = f.model.unwrap();
        assert!(!rep.first_pull);
        assert_eq!(rep.added.len(), 1);
        assert_eq!(rep.removed.len(), 1);
        assert_eq!(rep.changed.len(), 2, "{rep:?}");
        let wall_change = rep.changed.iter().find(|c| c.aecos_id == HEX).unwrap();
        assert_eq!(
            wall_change.fields,
            ["Pset_WallCommon.FireRating", "materials", "name"]
        );

        // Hex element matched through its minted GUID; files in AEC OS's layout.
        let wd = format!("elements/element_{HEX}");
        let meta = read(r, &format!("{wd}/metadata.json"));
        assert_eq!(meta["Name"], "Wall A (revised)");
        assert_eq!(meta["GlobalId"], HEX);
        assert_eq!(meta["Custom"], 7, "keys aecos does not manage are kept");
        assert_eq!(meta["Psets"]["Pset_WallCommon.FireRating"], "3H");
        assert_eq!(
            read(r, &format!("{wd}/properties/psets.json"))["Pset_WallCommon"]["FireRating"],
            "3H"
        );
        let mats = read(r, &format!("{wd}/materials/materials.json"));
        assert_eq!(mats[0]["name"], "CMU");
        assert_eq!(
            mats[0]["thickness"], 203.2,
            "a kept material keeps its thickness"
        );
        assert_eq!(
            mats[1],
            serde_json::json!({"name": "Gypsum", "thickness": null, "category": null, "fraction": null})
        );
        let sp = read(
            r,
            &format!("elements/element_{B64}/relationships/spatial.json"),
        );
        assert_eq!(sp["storey_name"], "Level 2");
        assert_eq!(sp["building_name"], "Clinic");

        // New element readable by the element reader; removed one moved out, not deleted.
        let els = elements::read_elements(r).unwrap();
        let ids: Vec<&str> = els.iter().map(|e| e.global_id.as_str()).collect();
        assert_eq!(ids, ["0QJ0vy$Cr3fxHKP5VtC3Sw", B64, HEX]);
        let w = els.iter().find(|e| e.ifc_class == "IfcWindow").unwrap();
        assert_eq!(w.tag.as_deref(), Some("W1"));
        assert_eq!(w.spatial.storey_name.as_deref(), Some("Level 1"));
        assert!(w.geometry.as_ref().unwrap().is_placeholder());
        assert!(!r.join(format!("elements/element_{GONE}")).exists());
        let short = &sha256_hex(b"v2")[..8];
        assert!(r
            .join(format!(
                "integration/removed/ifc-model-{short}/element_{GONE}/metadata.json"
            ))
            .is_file());
        let md =
            std::fs::read_to_string(r.join(format!("records/pulled/ifc/model/changes/{short}.md")))
                .unwrap();
        assert!(
            md.contains("## Added")
                && md.contains("Window W1")
                && md.contains("Pset_WallCommon.FireRating")
        );

        // The same file again changes nothing.
        let again = pull(r, "v2-again.ifc", "v2", &m2);
        assert_eq!(again.status, "unchanged");
    }

    #[test]
    fn both_sides_changed_is_a_conflict_and_ours_is_kept() {
        let t = project();
        let r = t.path();
        let m = model_of(r);
        pull(r, "v1.ifc", "v1", &m);
        write(
            r,
            &format!("elements/element_{B64}/properties/psets.json"),
            r#"{"Pset_DoorCommon": {"FireRating": "45 MIN"}}"#,
        );
        let mut m2 = m.clone();
        find(&mut m2, B64)
            .psets
            .get_mut("Pset_DoorCommon")
            .unwrap()
            .insert("FireRating".into(), Value::String("90 MIN".into()));
        // A change only here stays; an element changed here and removed there is kept.
        write(
            r,
            &format!("elements/element_{GONE}/properties/psets.json"),
            r#"{"Pset_ColumnCommon": {"LoadBearing": false}}"#,
        );
        m2.elements.retain(|e| e.global_id != GONE);
        let f = pull(r, "v2.ifc", "v2", &m2);
        let rep = f.model.unwrap();
        assert_eq!(rep.conflicts.len(), 2, "{rep:?}");
        let c = &rep.conflicts[0];
        assert_eq!(
            (c.field.as_str(), &c.ours, &c.theirs),
            (
                "Pset_DoorCommon.FireRating",
                &Value::from("45 MIN"),
                &Value::from("90 MIN")
            )
        );
        assert_eq!(c.base, Value::from("20 MIN"));
        assert_eq!(rep.conflicts[1].field, "element");
        assert_eq!(
            read(r, &format!("elements/element_{B64}/properties/psets.json"))["Pset_DoorCommon"]
                ["FireRating"],
            "45 MIN"
        );
        assert!(r
            .join(format!("elements/element_{GONE}/metadata.json"))
            .is_file());
        let cf = format!(
            "integration/conflicts/ifc-model-{}.json",
            &sha256_hex(b"v2")[..8]
        );
        assert_eq!(read(r, &cf)["conflicts"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn classes_written_as_substitutes_are_not_changes() {
        let t = project();
        let r = t.path();
        element(
            r,
            "3C0FFEE0000000000000AA",
            "IfcDuctSegment",
            "Duct",
            "{}",
            "[]",
        );
        let mut m = model_of(r);
        // IFC2X3 has no IfcDuctSegment: aecos wrote it as IfcFlowSegment.
        let duct = ifc_guid::element_guid("Clinic", "3C0FFEE0000000000000AA").0;
        find(&mut m, &duct).class = "IfcFlowSegment".into();
        find(&mut m, B64).class = "IfcWindow".into();
        let rep = pull(r, "v1.ifc", "v1", &m).model.unwrap();
        assert_eq!(rep.changed.len(), 1, "{rep:?}");
        assert_eq!(
            rep.changed[0].aecos_id, B64,
            "a door that became a window is a change"
        );
        assert!(same_class("IfcDuctSegment", "IfcFlowSegment"));
        assert!(same_class("IfcFurniture", "IfcBuildingElementProxy"));
        assert!(!same_class("IfcWall", "IfcSlab"));
    }

    #[test]
    fn held_for_approval_then_applied_with_removed_folders_pruned() {
        let t = project();
        let r = t.path();
        let m = model_of(r);
        pull(r, "v1.ifc", "v1", &m);
        write(
            r,
            "integration/data_flow_rules.json",
            r#"{"version": 1, "default": "allowed", "rules": [{"platform": "ifc", "data_type": "model", "push": "allowed", "pull": "requires_approval"}]}"#,
        );
        let mut m2 = m.clone();
        m2.elements.retain(|e| e.global_id != GONE);
        find(&mut m2, B64).name = Some("Door 1 (revised)".into());
        let f = pull(r, "v2.ifc", "v2", &m2);
        assert_eq!(f.status, "held");
        let id = f.pending_id.unwrap();
        // Nothing applied yet.
        assert!(r
            .join(format!("elements/element_{GONE}/metadata.json"))
            .is_file());
        assert_eq!(
            read(r, &format!("elements/element_{B64}/metadata.json"))["Name"],
            "Door 1"
        );
        assert!(r.join("inbox/pending/v2.ifc").is_file());
        pending::approve(r, &id).unwrap();
        assert_eq!(
            read(r, &format!("elements/element_{B64}/metadata.json"))["Name"],
            "Door 1 (revised)"
        );
        assert!(
            !r.join(format!("elements/element_{GONE}")).exists(),
            "emptied folder pruned"
        );
        assert!(r.join("inbox/processed/v2.ifc").is_file());
        let els = elements::read_elements(r).unwrap();
        assert_eq!(els.len(), 2);
    }

    #[test]
    fn blocked_pulls_write_nothing() {
        let t = project();
        let r = t.path();
        write(
            r,
            "integration/data_flow_rules.json",
            r#"{"version": 1, "default": "allowed", "rules": [{"platform": "ifc", "data_type": "model", "push": "allowed", "pull": "blocked"}]}"#,
        );
        write(r, "inbox/v1.ifc", "v1");
        let (rules, rules_path) = rules::load(r).unwrap();
        let e = import_model(
            r,
            &r.join("inbox/v1.ifc"),
            &sha256_hex(b"v1"),
            &model_of(r),
            "ifc",
            &rules,
            &rules_path,
            &r.join("inbox"),
            "v1.ifc",
        )
        .unwrap_err();
        assert!(matches!(e, Error::Blocked { .. }));
        assert!(!r.join(pulled_model_file("ifc")).exists());
    }

    #[test]
    fn first_pull_removes_nothing() {
        let t = project();
        let r = t.path();
        let mut m = model_of(r);
        m.elements.retain(|e| e.global_id != GONE);
        let rep = pull(r, "v1.ifc", "v1", &m).model.unwrap();
        assert!(rep.removed.is_empty());
        assert_eq!(rep.not_in_model, 1);
        assert!(r
            .join(format!("elements/element_{GONE}/metadata.json"))
            .is_file());
    }

    #[test]
    fn recorded_guid_maps_match_renamed_projects() {
        let t = project();
        let r = t.path();
        let mut m = model_of(r);
        // The model was exported when the project had another name.
        let old = ifc_guid::element_guid("Old name", HEX).0;
        find(&mut m, &wall_guid()).global_id = old.clone();
        find(&mut m, &old).name = Some("Renamed wall".into());
        let map = serde_json::json!({"schema_version": 1, "project": "Old name", "ifc_schema": "IFC4", "algorithm": "aecos-ifc-guid/v1",
            "elements": [{"aecos_id": HEX, "ifc_guid": old, "minted": true, "aecos_class": "IfcWall", "entity": "IfcWall"}]});
        write(r, "outbox/ifc/X_IFC4_guid-map.json", &map.to_string());
        let rep = pull(r, "v1.ifc", "v1", &m).model.unwrap();
        assert!(rep.added.is_empty(), "{rep:?}");
        assert_eq!(rep.changed.len(), 1);
        assert_eq!(
            read(r, &format!("elements/element_{HEX}/metadata.json"))["Name"],
            "Renamed wall"
        );
    }

    #[test]
    fn invalid_models_are_rejected() {
        let t = project();
        let r = t.path();
        let mut m = model_of(r);
        m.elements[0].global_id = "not-a-guid".into();
        let f = pull(r, "bad.ifc", "bad", &m);
        assert_eq!(f.status, "rejected");
        let mut m = model_of(r);
        let dup = m.elements[0].clone();
        m.elements.push(dup);
        assert_eq!(pull(r, "dup.ifc", "dup", &m).status, "rejected");
    }

    #[test]
    fn values_become_scalars() {
        assert_eq!(scalar(serde_json::json!(["ROUND"])), Value::from("ROUND"));
        assert_eq!(scalar(serde_json::json!([0.076])), serde_json::json!(0.076));
        assert_eq!(
            scalar(serde_json::json!(["A", 2, true])),
            Value::from("A, 2, true")
        );
        assert_eq!(
            scalar(serde_json::json!({"id": 5})),
            Value::from("{\"id\":5}")
        );
        assert_eq!(scalar(serde_json::json!(null)), Value::Null);
    }

    #[test]
    fn values_compare_by_meaning() {
        assert!(same_value(
            &serde_json::json!(914),
            &serde_json::json!(914.0)
        ));
        assert!(!same_value(
            &serde_json::json!(914),
            &serde_json::json!(915)
        ));
        assert!(same_value(&Value::from("New"), &Value::from("NEW")));
        assert!(!same_value(&Value::from("New"), &Value::from("new")));
        assert!(!same_value(&Value::from("1"), &serde_json::json!(1)));
    }

    #[test]
    fn normalize_folds_custom_sets_back() {
        let e = IncomingElement {
            global_id: B64.into(),
            class: "IfcWall".into(),
            name: None,
            tag: None,
            psets: [
                (
                    STATUS_PSET.to_string(),
                    [("Status".to_string(), Value::from("installed"))].into(),
                ),
                (
                    "AECOS_WallCommon".to_string(),
                    [
                        ("Status".to_string(), Value::from("New")),
                        ("IsExternal".to_string(), Value::Bool(false)),
                    ]
                    .into(),
                ),
                (
                    "Pset_WallCommon".to_string(),
                    [("IsExternal".to_string(), Value::Bool(true))].into(),
                ),
            ]
            .into(),
            materials: vec![],
            container: None,
        };
        let n = normalize_incoming(e);
        assert_eq!(n.psets.keys().collect::<Vec<_>>(), ["Pset_WallCommon"]);
        assert_eq!(n.psets["Pset_WallCommon"]["Status"], "New");
        assert_eq!(
            n.psets["Pset_WallCommon"]["IsExternal"], true,
            "the standard set's value wins"
        );
    }
}
