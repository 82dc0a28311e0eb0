//! IFC writer: an AEC OS project's elements as one ISO 10303-21 (STEP) file in IFC2X3,
//! IFC4 or IFC4X3_ADD2 that IFC tools (Revit links, Navisworks, Solibri) open and that
//! `ifcopenshell.validate --rules` accepts.
//!
//! What it writes: the header; an owner history (mandatory on every rooted entity in
//! IFC2X3, written in every schema); SI units (metre, square and cubic metre, radian,
//! kilogram); a 3D model context with a `Body` sub-context; the project; site, building
//! and storeys from the elements' `spatial.json` (elements without a storey are contained
//! in their building, spaces are aggregated instead of contained); each element as its
//! own class (a class the schema lacks becomes its nearest valid class, see
//! [`class_spec`], with the original class kept in ObjectType) with name and tag; a box
//! body from its bounding box placed where it is; its property sets typed by
//! [`super::ifc_psets`]; its `Qto_` sets as quantities; its materials (a layer set when
//! every layer has a thickness, taken as millimetres as AEC OS writes them); and its
//! construction status from the project's records as the custom set `AECOS_Status`.
//!
//! GlobalIds: see [`super::ifc_guid`]. Elements keep valid IFC GlobalIds; AEC OS's hex
//! ids get minted GUIDs, returned in [`IfcModel::guids`] so the export can record the
//! mapping. Every GlobalId in the file is checked unique before anything is returned.
//!
//! Deterministic (same elements and options, same bytes) and ASCII only. It must not read
//! or write files and must not guess: data a valid file cannot carry is an error naming
//! the element's file and field.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use super::ifc_guid;
use super::ifc_psets::{self, IfcValue};
use super::step_string::{real, string};
use crate::error::DataError;
use crate::project::element_status::ElementStatus;
use crate::project::elements::{
    Element, PropValue, GEOMETRY_FILE, MATERIALS_FILE, METADATA_FILE, PSETS_FILE,
};
use crate::project::serde_util::parse_json_number;

/// The IFC schemas aecos writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum IfcSchema {
    Ifc2x3,
    Ifc4,
    Ifc4x3Add2,
}

impl IfcSchema {
    pub const ALL: [IfcSchema; 3] = [IfcSchema::Ifc2x3, IfcSchema::Ifc4, IfcSchema::Ifc4x3Add2];

    /// The FILE_SCHEMA name: `IFC2X3`, `IFC4`, `IFC4X3_ADD2`.
    pub fn name(self) -> &'static str {
        match self {
            IfcSchema::Ifc2x3 => "IFC2X3",
            IfcSchema::Ifc4 => "IFC4",
            IfcSchema::Ifc4x3Add2 => "IFC4X3_ADD2",
        }
    }

    /// Parses a schema name, any case.
    pub fn parse(text: &str) -> Option<IfcSchema> {
        IfcSchema::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(text.trim()))
    }

    fn view_definition(self) -> &'static str {
        match self {
            IfcSchema::Ifc2x3 => "ViewDefinition [CoordinationView_V2.0]",
            IfcSchema::Ifc4 => "ViewDefinition [ReferenceView_V1.2]",
            IfcSchema::Ifc4x3Add2 => "ViewDefinition [ReferenceView]",
        }
    }
}

/// What the writer needs besides the elements.
pub struct IfcOptions<'a> {
    pub schema: IfcSchema,
    /// IfcProject.Name.
    pub project_name: &'a str,
    /// The key of every minted GUID (aecos_project.json's name), see [`ifc_guid::mint`].
    pub guid_key: &'a str,
    /// FILE_NAME's name field (the drop file's name).
    pub file_name: &'a str,
    /// Header time stamp and owner-history creation date (the same inputs must give the
    /// same bytes, so this comes from the records, not the clock).
    pub stamp: time::PrimitiveDateTime,
    /// Construction status by AEC OS GlobalId.
    pub statuses: &'a BTreeMap<String, ElementStatus>,
}

/// One element's identity in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct GuidEntry {
    /// The element's GlobalId in AEC OS (its folder name after `element_`).
    pub aecos_id: String,
    /// The GlobalId written to the file.
    pub ifc_guid: String,
    /// True when aecos minted `ifc_guid` (the AEC OS id is not a valid IFC GlobalId).
    pub minted: bool,
    /// The element's IFCClass in AEC OS.
    pub aecos_class: String,
    /// The entity written (differs when the schema lacks the class).
    pub entity: String,
}

/// A written model.
#[derive(Debug, Clone)]
pub struct IfcModel {
    pub bytes: Vec<u8>,
    /// Every element, sorted by AEC OS id.
    pub guids: Vec<GuidEntry>,
    /// Counts for reports.
    pub entities: usize,
    pub storeys: usize,
    pub property_sets: usize,
}

/// How an AEC OS class is written in a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassSpec {
    /// The entity name, e.g. `IfcWall`.
    pub entity: &'static str,
    /// Attributes after Tag (or after LongName for spaces), e.g. `,$` for PredefinedType.
    tail: &'static str,
    /// A spatial element (IfcSpace): aggregated, not contained; no Tag.
    pub spatial: bool,
    /// IfcDoor / IfcWindow: OverallHeight and OverallWidth come right after Tag.
    pub overall_size: bool,
}

const fn spec(entity: &'static str, tail: &'static str) -> ClassSpec {
    ClassSpec {
        entity,
        tail,
        spatial: false,
        overall_size: false,
    }
}

const fn sized(entity: &'static str, tail: &'static str) -> ClassSpec {
    ClassSpec {
        entity,
        tail,
        spatial: false,
        overall_size: true,
    }
}

/// How `class` is written in `schema`; `None` for a class aecos does not know, which is
/// written as IfcBuildingElementProxy (see [`proxy`]).
pub fn class_spec(schema: IfcSchema, class: &str) -> Option<ClassSpec> {
    let ifc2x3 = schema == IfcSchema::Ifc2x3;
    Some(match class {
        "IfcSpace" if ifc2x3 => ClassSpec {
            entity: "IfcSpace",
            tail: ",.ELEMENT.,.NOTDEFINED.,$",
            spatial: true,
            overall_size: false,
        },
        "IfcSpace" => ClassSpec {
            entity: "IfcSpace",
            tail: ",.ELEMENT.,$,$",
            spatial: true,
            overall_size: false,
        },
        "IfcWall" | "IfcWallStandardCase" if ifc2x3 => spec("IfcWall", ""),
        "IfcWall" | "IfcWallStandardCase" => spec("IfcWall", ",$"),
        "IfcBeam" if ifc2x3 => spec("IfcBeam", ""),
        "IfcColumn" if ifc2x3 => spec("IfcColumn", ""),
        "IfcMember" if ifc2x3 => spec("IfcMember", ""),
        "IfcPlate" if ifc2x3 => spec("IfcPlate", ""),
        "IfcFooting" if ifc2x3 => spec("IfcFooting", ",.NOTDEFINED."),
        "IfcRoof" if ifc2x3 => spec("IfcRoof", ",.NOTDEFINED."),
        "IfcStair" if ifc2x3 => spec("IfcStair", ",.NOTDEFINED."),
        "IfcDuctSegment" | "IfcPipeSegment" if ifc2x3 => spec("IfcFlowSegment", ""),
        "IfcBeam" => spec("IfcBeam", ",$"),
        "IfcColumn" => spec("IfcColumn", ",$"),
        "IfcMember" => spec("IfcMember", ",$"),
        "IfcPlate" => spec("IfcPlate", ",$"),
        "IfcFooting" => spec("IfcFooting", ",$"),
        "IfcRoof" => spec("IfcRoof", ",$"),
        "IfcStair" => spec("IfcStair", ",$"),
        "IfcDuctSegment" => spec("IfcDuctSegment", ",$"),
        "IfcPipeSegment" => spec("IfcPipeSegment", ",$"),
        "IfcCovering" => spec("IfcCovering", ",$"),
        "IfcRailing" => spec("IfcRailing", ",$"),
        "IfcSlab" => spec("IfcSlab", ",$"),
        "IfcBuildingElementProxy" => spec("IfcBuildingElementProxy", ",$"),
        "IfcDoor" if ifc2x3 => sized("IfcDoor", ""),
        "IfcWindow" if ifc2x3 => sized("IfcWindow", ""),
        "IfcDoor" => sized("IfcDoor", ",$,$,$"),
        "IfcWindow" => sized("IfcWindow", ",$,$,$"),
        "IfcFlowTerminal" => spec("IfcFlowTerminal", ""),
        "IfcFlowSegment" => spec("IfcFlowSegment", ""),
        _ => return None,
    })
}

/// The class an unknown AEC OS class is written as.
pub fn proxy() -> ClassSpec {
    spec("IfcBuildingElementProxy", ",$")
}

/// Kind of a quantity, from its name.
fn quantity_entity(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    if n.ends_with("area") {
        Some("IFCQUANTITYAREA")
    } else if n.ends_with("volume") {
        Some("IFCQUANTITYVOLUME")
    } else if n.ends_with("weight") || n.ends_with("mass") {
        Some("IFCQUANTITYWEIGHT")
    } else if n.ends_with("count") {
        Some("IFCQUANTITYCOUNT")
    } else if [
        "length",
        "width",
        "height",
        "depth",
        "perimeter",
        "thickness",
        "diameter",
        "radius",
    ]
    .iter()
    .any(|k| n.ends_with(k))
    {
        Some("IFCQUANTITYLENGTH")
    } else {
        None
    }
}

/// The custom set holding an element's construction status.
pub const STATUS_PSET: &str = "AECOS_Status";

/// Site and building names used when `spatial.json` names none.
pub const DEFAULT_SITE: &str = "Default Site";
pub const DEFAULT_BUILDING: &str = "Default Building";

/// Entity buffer with sequential ids.
struct Out {
    data: String,
    next: usize,
}

impl Out {
    fn add(&mut self, body: &str) -> usize {
        let id = self.next;
        self.next += 1;
        let _ = writeln!(self.data, "#{id}={body};");
        id
    }
}

fn opt_string(s: &Option<String>) -> String {
    match s {
        Some(t) => string(t),
        None => "$".into(),
    }
}

fn refs(ids: &[usize]) -> String {
    let parts: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
    format!("({})", parts.join(","))
}

fn dec_real(d: Decimal) -> String {
    let t = d.normalize().to_string();
    real(&t).unwrap_or(t)
}

/// (site, building, storey) names of an element's container.
type ContainerKey = (String, String, Option<String>);

fn named(n: &Option<String>) -> Option<String> {
    n.as_ref().filter(|t| !t.trim().is_empty()).cloned()
}

/// Where elements that name no site or building go: the first site (by name) any element
/// names, and in it the first building; the defaults when none is named. One project
/// model then has one site and building unless the elements name several.
struct SpatialDefaults {
    site: String,
    building_by_site: BTreeMap<String, String>,
    building: String,
}

impl SpatialDefaults {
    fn new(elements: &[Element]) -> Self {
        let site = elements
            .iter()
            .filter_map(|e| named(&e.spatial.site_name))
            .min()
            .unwrap_or_else(|| DEFAULT_SITE.to_string());
        let mut building_by_site: BTreeMap<String, String> = BTreeMap::new();
        for e in elements {
            if let Some(b) = named(&e.spatial.building_name) {
                let s = named(&e.spatial.site_name).unwrap_or_else(|| site.clone());
                let slot = building_by_site.entry(s).or_insert_with(|| b.clone());
                if b < *slot {
                    *slot = b;
                }
            }
        }
        let building = building_by_site
            .get(&site)
            .or_else(|| building_by_site.values().min())
            .cloned()
            .unwrap_or_else(|| DEFAULT_BUILDING.to_string());
        SpatialDefaults {
            site,
            building_by_site,
            building,
        }
    }

    fn container_of(&self, e: &Element) -> ContainerKey {
        let s = &e.spatial;
        let site = named(&s.site_name).unwrap_or_else(|| self.site.clone());
        let building = named(&s.building_name).unwrap_or_else(|| {
            self.building_by_site
                .get(&site)
                .cloned()
                .unwrap_or_else(|| self.building.clone())
        });
        (site, building, named(&s.storey_name))
    }
}

/// The name of the spatial element each element is written into (its storey, else its
/// building, resolved as the writer resolves missing names), in `elements` order. Model
/// pulls compare an incoming element's container with this.
pub fn container_names(elements: &[Element]) -> Vec<String> {
    let defaults = SpatialDefaults::new(elements);
    elements
        .iter()
        .map(|e| {
            let (_, building, storey) = defaults.container_of(e);
            storey.unwrap_or(building)
        })
        .collect()
}

/// Box corner and size in metres; `None` when the element has no real geometry.
struct BoxGeom {
    origin: [String; 3],
    size: [Decimal; 3],
}

fn box_geometry(e: &Element) -> Result<Option<BoxGeom>, DataError> {
    let path = e.folder.join(GEOMETRY_FILE);
    let Some(g) = &e.geometry else {
        return Ok(None);
    };
    if g.is_placeholder() {
        return Ok(None);
    }
    let Some(b) = &g.bbox else { return Ok(None) };
    let v = b.values();
    let mut nums = [Decimal::ZERO; 6];
    for (slot, text) in nums.iter_mut().zip(v) {
        *slot = parse_json_number(text).ok_or_else(|| {
            DataError::new(
                &path,
                format!("bounding box value {text} is out of range"),
                "write the box in metres",
            )
            .field("bounding_box")
        })?;
    }
    let size = [nums[3] - nums[0], nums[4] - nums[1], nums[5] - nums[2]];
    if size.iter().any(|s| s.is_sign_negative() && !s.is_zero()) {
        return Err(DataError::new(
            &path,
            "the bounding box has a max below its min",
            "swap the values so that max_x >= min_x, max_y >= min_y and max_z >= min_z",
        )
        .field("bounding_box"));
    }
    if size.iter().any(|s| s.is_zero()) {
        // A flat or empty box has no solid body; the element is still placed.
        return Ok(Some(BoxGeom {
            origin: [v[0].to_string(), v[1].to_string(), v[2].to_string()],
            size: [Decimal::ZERO; 3],
        }));
    }
    Ok(Some(BoxGeom {
        origin: [v[0].to_string(), v[1].to_string(), v[2].to_string()],
        size,
    }))
}

/// A door's or window's overall height and width in metres: AEC OS's `Dimensions`
/// (`height_mm`, `width_mm`), else the `Qto_DoorBaseQuantities` /
/// `Qto_WindowBaseQuantities` `Height` and `Width` (metres); only values above 0.
fn overall_size(e: &Element) -> [Option<Decimal>; 2] {
    let num = |set: &str, prop: &str| match e.prop(set, prop) {
        Some(PropValue::Int(i)) => Some(Decimal::from(*i)),
        Some(PropValue::Number(n)) => parse_json_number(n),
        _ => None,
    };
    let qto = if e.ifc_class == "IfcDoor" {
        "Qto_DoorBaseQuantities"
    } else {
        "Qto_WindowBaseQuantities"
    };
    let pick = |mm: &str, q: &str| {
        num("Dimensions", mm)
            .map(|v| v / Decimal::ONE_THOUSAND)
            .or_else(|| num(qto, q))
            .filter(|v| *v > Decimal::ZERO)
    };
    [pick("height_mm", "Height"), pick("width_mm", "Width")]
}

/// The psets to write for an element: its own plus the status set.
fn element_psets(
    e: &Element,
    status: Option<&ElementStatus>,
) -> Result<BTreeMap<String, BTreeMap<String, PropValue>>, DataError> {
    let mut psets = e.psets.clone();
    if let Some(st) = status {
        if psets.contains_key(STATUS_PSET) {
            return Err(DataError::new(
                &e.folder.join(PSETS_FILE),
                format!("the element has its own {STATUS_PSET} set, which aecos writes from the project's records"),
                format!("rename the element's {STATUS_PSET} set"),
            )
            .field(STATUS_PSET));
        }
        let mut set = BTreeMap::new();
        set.insert("Status".to_string(), PropValue::Text(st.status.clone()));
        if !st.activities.is_empty() {
            set.insert(
                "Activities".to_string(),
                PropValue::Text(st.activities.join(";")),
            );
        }
        if let Some(p) = st.percent_complete {
            set.insert(
                "PercentComplete".to_string(),
                PropValue::Number(p.normalize().to_string()),
            );
        }
        psets.insert(STATUS_PSET.to_string(), set);
    }
    Ok(psets)
}

/// Writes the elements as an IFC file.
pub fn write_ifc(elements: &[Element], opts: &IfcOptions) -> Result<IfcModel, DataError> {
    let schema = opts.schema;
    let project = opts.guid_key;
    let mint = |label: String| ifc_guid::mint(project, &label);
    let ifc2x3 = schema == IfcSchema::Ifc2x3;
    let mut o = Out {
        data: String::new(),
        next: 1,
    };
    let version = env!("CARGO_PKG_VERSION");
    let stamp = opts.stamp.assume_utc();

    // Owner history, units, contexts, project.
    let person = o.add("IFCPERSON($,$,'aecos',$,$,$,$,$)");
    let org = o.add("IFCORGANIZATION($,'aecos',$,$,$)");
    let pando = o.add(&format!("IFCPERSONANDORGANIZATION(#{person},#{org},$)"));
    let app = o.add(&format!(
        "IFCAPPLICATION(#{org},{},'aecos','aecos')",
        string(version)
    ));
    let oh = o.add(&format!(
        "IFCOWNERHISTORY(#{pando},#{app},$,.NOCHANGE.,$,$,$,{})",
        stamp.unix_timestamp()
    ));
    let origin = o.add("IFCCARTESIANPOINT((0.,0.,0.))");
    let z = o.add("IFCDIRECTION((0.,0.,1.))");
    let x = o.add("IFCDIRECTION((1.,0.,0.))");
    let world = o.add(&format!("IFCAXIS2PLACEMENT3D(#{origin},#{z},#{x})"));
    let ctx = o.add(&format!(
        "IFCGEOMETRICREPRESENTATIONCONTEXT($,'Model',3,1.E-05,#{world},$)"
    ));
    let body_ctx = o.add(&format!(
        "IFCGEOMETRICREPRESENTATIONSUBCONTEXT('Body','Model',*,*,*,*,#{ctx},$,.MODEL_VIEW.,$)"
    ));
    let units = [
        o.add("IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.)"),
        o.add("IFCSIUNIT(*,.AREAUNIT.,$,.SQUARE_METRE.)"),
        o.add("IFCSIUNIT(*,.VOLUMEUNIT.,$,.CUBIC_METRE.)"),
        o.add("IFCSIUNIT(*,.PLANEANGLEUNIT.,$,.RADIAN.)"),
        o.add("IFCSIUNIT(*,.MASSUNIT.,.KILO.,.GRAM.)"),
    ];
    let ua = o.add(&format!("IFCUNITASSIGNMENT({})", refs(&units)));
    let mut used = Guids::default();
    let project_guid = used.take(mint("project".into()), "the project".into())?;
    let proj = o.add(&format!(
        "IFCPROJECT('{project_guid}',#{oh},{},$,$,$,$,(#{ctx}),#{ua})",
        string(opts.project_name)
    ));

    // Element GUIDs first, so spatial GUIDs taken from spatial.json cannot steal one.
    let mut entries = Vec::with_capacity(elements.len());
    for e in elements {
        let (g, minted) = ifc_guid::element_guid(project, &e.global_id);
        let spec = class_spec(schema, &e.ifc_class).unwrap_or_else(proxy);
        let g = used
            .take(g, format!("element {}", e.global_id))
            .map_err(|mut err| {
                err.path = e.folder.join(METADATA_FILE);
                err.field = Some("GlobalId".into());
                err
            })?;
        entries.push(GuidEntry {
            aecos_id: e.global_id.clone(),
            ifc_guid: g,
            minted,
            aecos_class: e.ifc_class.clone(),
            entity: spec.entity.to_string(),
        });
    }

    // Spatial structure: sites → buildings → storeys, sorted by name.
    let mut tree: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut storey_ids: BTreeMap<ContainerKey, String> = BTreeMap::new();
    let defaults = SpatialDefaults::new(elements);
    for e in elements {
        let key = defaults.container_of(e);
        let storeys = tree
            .entry(key.0.clone())
            .or_default()
            .entry(key.1.clone())
            .or_default();
        if let Some(s) = &key.2 {
            storeys.insert(s.clone());
            if let Some(id) = e
                .spatial
                .storey_id
                .as_ref()
                .filter(|i| ifc_guid::is_valid(i))
            {
                storey_ids.entry(key.clone()).or_insert_with(|| id.clone());
            }
        }
    }
    if tree.is_empty() {
        tree.entry(DEFAULT_SITE.into())
            .or_default()
            .entry(DEFAULT_BUILDING.into())
            .or_default();
    }
    // Container placement and entity id by key.
    let mut containers: BTreeMap<ContainerKey, (usize, usize, String)> = BTreeMap::new();
    let mut storey_count = 0;
    for (site, buildings) in &tree {
        let site_guid = used.take(mint(format!("site/{site}")), format!("site {site}"))?;
        let site_pl = o.add(&format!("IFCLOCALPLACEMENT($,#{world})"));
        let site_id = o.add(&format!(
            "IFCSITE('{site_guid}',#{oh},{},$,$,#{site_pl},$,$,.ELEMENT.,$,$,$,$,$)",
            string(site)
        ));
        let agg = used.take(mint(format!("aggregates/{site_guid}")), "a relation".into())?;
        o.add(&format!(
            "IFCRELAGGREGATES('{agg}',#{oh},$,$,#{proj},(#{site_id}))"
        ));
        let mut building_ids = Vec::new();
        for (building, storeys) in buildings {
            let b_guid = used.take(
                mint(format!("building/{site}/{building}")),
                format!("building {building}"),
            )?;
            let b_pl = o.add(&format!("IFCLOCALPLACEMENT(#{site_pl},#{world})"));
            let b_id = o.add(&format!(
                "IFCBUILDING('{b_guid}',#{oh},{},$,$,#{b_pl},$,$,.ELEMENT.,$,$,$)",
                string(building)
            ));
            building_ids.push(b_id);
            containers.insert(
                (site.clone(), building.clone(), None),
                (b_id, b_pl, b_guid.clone()),
            );
            let mut storey_entities = Vec::new();
            for storey in storeys {
                let key = (site.clone(), building.clone(), Some(storey.clone()));
                let wanted = storey_ids
                    .get(&key)
                    .filter(|g| !used.contains(g))
                    .cloned()
                    .unwrap_or_else(|| mint(format!("storey/{site}/{building}/{storey}")));
                let s_guid = used.take(wanted, format!("storey {storey}"))?;
                let s_pl = o.add(&format!("IFCLOCALPLACEMENT(#{b_pl},#{world})"));
                let s_id = o.add(&format!(
                    "IFCBUILDINGSTOREY('{s_guid}',#{oh},{},$,$,#{s_pl},$,$,.ELEMENT.,$)",
                    string(storey)
                ));
                storey_entities.push(s_id);
                storey_count += 1;
                containers.insert(key, (s_id, s_pl, s_guid));
            }
            if !storey_entities.is_empty() {
                let agg = used.take(mint(format!("aggregates/{b_guid}")), "a relation".into())?;
                o.add(&format!(
                    "IFCRELAGGREGATES('{agg}',#{oh},$,$,#{b_id},{})",
                    refs(&storey_entities)
                ));
            }
        }
        let agg = used.take(
            mint(format!("aggregates/{site_guid}/buildings")),
            "a relation".into(),
        )?;
        o.add(&format!(
            "IFCRELAGGREGATES('{agg}',#{oh},$,$,#{site_id},{})",
            refs(&building_ids)
        ));
    }

    // Materials, one entity per name.
    let mut material_ids: BTreeMap<String, usize> = BTreeMap::new();
    let names: BTreeSet<&str> = elements
        .iter()
        .flat_map(|e| e.materials.iter().map(|m| m.name.as_str()))
        .collect();
    for name in names {
        let id = if ifc2x3 {
            o.add(&format!("IFCMATERIAL({})", string(name)))
        } else {
            o.add(&format!("IFCMATERIAL({},$,$)", string(name)))
        };
        material_ids.insert(name.to_string(), id);
    }

    // Elements.
    let mut contained: BTreeMap<ContainerKey, Vec<usize>> = BTreeMap::new();
    let mut spaces: BTreeMap<ContainerKey, Vec<usize>> = BTreeMap::new();
    let mut enumerations: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut pset_count = 0;
    for (e, entry) in elements.iter().zip(&entries) {
        let key = defaults.container_of(e);
        let (_, container_pl, _) = containers.get(&key).cloned().unwrap_or_default();
        let spec = class_spec(schema, &e.ifc_class).unwrap_or_else(proxy);
        let object_type = match (&e.object_type, spec.entity == e.ifc_class) {
            (Some(t), _) => Some(t.clone()),
            (None, true) => None,
            (None, false) => Some(e.ifc_class.clone()),
        };
        let geom = box_geometry(e)?;
        let (placement, shape) = match &geom {
            Some(g) => {
                let pt = o.add(&format!(
                    "IFCCARTESIANPOINT(({}))",
                    g.origin
                        .iter()
                        .map(|t| real(t).unwrap_or_else(|| t.clone()))
                        .collect::<Vec<_>>()
                        .join(",")
                ));
                let ax = o.add(&format!("IFCAXIS2PLACEMENT3D(#{pt},$,$)"));
                let pl = o.add(&format!("IFCLOCALPLACEMENT(#{container_pl},#{ax})"));
                let shape = if g.size.iter().all(|s| !s.is_zero()) {
                    let two = Decimal::TWO;
                    let centre = o.add(&format!(
                        "IFCCARTESIANPOINT(({},{}))",
                        dec_real(g.size[0] / two),
                        dec_real(g.size[1] / two)
                    ));
                    let pos = o.add(&format!("IFCAXIS2PLACEMENT2D(#{centre},$)"));
                    let profile = o.add(&format!(
                        "IFCRECTANGLEPROFILEDEF(.AREA.,$,#{pos},{},{})",
                        dec_real(g.size[0]),
                        dec_real(g.size[1])
                    ));
                    let solid = o.add(&format!(
                        "IFCEXTRUDEDAREASOLID(#{profile},#{world},#{z},{})",
                        dec_real(g.size[2])
                    ));
                    let rep = o.add(&format!(
                        "IFCSHAPEREPRESENTATION(#{body_ctx},'Body','SweptSolid',(#{solid}))"
                    ));
                    Some(o.add(&format!("IFCPRODUCTDEFINITIONSHAPE($,$,(#{rep}))")))
                } else {
                    None
                };
                (pl, shape)
            }
            None => (
                o.add(&format!("IFCLOCALPLACEMENT(#{container_pl},#{world})")),
                None,
            ),
        };
        let shape = shape.map(|s| format!("#{s}")).unwrap_or_else(|| "$".into());
        let head = format!(
            "{}('{}',#{oh},{},$,{},#{placement},{shape}",
            spec.entity.to_ascii_uppercase(),
            entry.ifc_guid,
            opt_string(&e.name),
            opt_string(&object_type),
        );
        // Tag, or for IfcSpace (which has no Tag) LongName.
        let size = if spec.overall_size {
            let [h, w] = overall_size(e);
            let m = |d: Option<Decimal>| d.map(dec_real).unwrap_or_else(|| "$".into());
            format!(",{},{}", m(h), m(w))
        } else {
            String::new()
        };
        let el = o.add(&format!(
            "{head},{}{size}{})",
            opt_string(&e.tag),
            spec.tail
        ));
        if spec.spatial {
            spaces.entry(key).or_default().push(el);
        } else {
            contained.entry(key).or_default().push(el);
        }
        let g = &entry.ifc_guid;

        // Property sets.
        let psets = element_psets(e, opts.statuses.get(&e.global_id))?;
        let typed = ifc_psets::type_psets(schema, &psets).map_err(|pe| {
            DataError::new(&e.folder.join(PSETS_FILE), pe.message, pe.hint)
                .field(format!("{}.{}", pe.pset, pe.prop))
        })?;
        for set in &typed {
            let mut props = Vec::new();
            for p in &set.props {
                let name = string(&p.name);
                let id = match &p.value {
                    IfcValue::Single(v) => o.add(&format!(
                        "IFCPROPERTYSINGLEVALUE({name},$,{},$)",
                        v.as_deref().unwrap_or("$")
                    )),
                    IfcValue::List(v) => o.add(&format!("IFCPROPERTYLISTVALUE({name},$,({v}),$)")),
                    IfcValue::Enumerated {
                        item,
                        enumeration,
                        items,
                    } => {
                        let en = match enumerations.get(enumeration) {
                            Some(id) => *id,
                            None => {
                                let values: Vec<String> = items
                                    .iter()
                                    .map(|i| format!("IFCLABEL({})", string(i)))
                                    .collect();
                                let id = o.add(&format!(
                                    "IFCPROPERTYENUMERATION({},({}),$)",
                                    string(enumeration),
                                    values.join(",")
                                ));
                                enumerations.insert(enumeration, id);
                                id
                            }
                        };
                        o.add(&format!(
                            "IFCPROPERTYENUMERATEDVALUE({name},$,(IFCLABEL({})),#{en})",
                            string(item)
                        ))
                    }
                };
                props.push(id);
            }
            let ps_guid = used.take(
                mint(format!("pset/{g}/{}", set.name)),
                format!("set {}", set.name),
            )?;
            let ps = o.add(&format!(
                "IFCPROPERTYSET('{ps_guid}',#{oh},{},$,{})",
                string(&set.name),
                refs(&props)
            ));
            let rel = used.take(
                mint(format!("defines/{g}/{}", set.name)),
                "a relation".into(),
            )?;
            o.add(&format!(
                "IFCRELDEFINESBYPROPERTIES('{rel}',#{oh},$,$,(#{el}),#{ps})"
            ));
            pset_count += 1;
        }

        // Quantity sets.
        for (set, quantities) in e
            .psets
            .iter()
            .filter(|(n, _)| ifc_psets::is_quantity_set(n))
        {
            let mut qs = Vec::new();
            for (name, value) in quantities {
                let field = format!("{set}.{name}");
                let path = e.folder.join(PSETS_FILE);
                let text = match value {
                    PropValue::Null => continue,
                    PropValue::Int(i) => i.to_string(),
                    PropValue::Number(n) => n.clone(),
                    _ => {
                        return Err(DataError::new(
                            &path,
                            "a quantity must be a number",
                            "write the quantity as a number (or move it to a property set)",
                        )
                        .field(field));
                    }
                };
                let Some(entity) = quantity_entity(name) else {
                    return Err(DataError::new(&path, format!("cannot tell whether quantity {name} is a length, area, volume, weight or count"), "name it as the Qto templates do (…Length, …Width, …Height, …Area, …Volume, …Weight, …Count), or move it to a property set").field(field));
                };
                let d = parse_json_number(&text).unwrap_or_default();
                if d.is_sign_negative() && !d.is_zero() {
                    return Err(DataError::new(
                        &path,
                        format!("quantity {name} is negative ({text})"),
                        "a quantity is 0 or more; correct the value",
                    )
                    .field(field));
                }
                let v = real(&text).unwrap_or(text);
                let formula = if ifc2x3 { "" } else { ",$" };
                qs.push(o.add(&format!("{entity}({},$,$,{v}{formula})", string(name))));
            }
            if qs.is_empty() {
                continue;
            }
            let q_guid = used.take(mint(format!("qto/{g}/{set}")), format!("quantities {set}"))?;
            let q = o.add(&format!(
                "IFCELEMENTQUANTITY('{q_guid}',#{oh},{},$,$,{})",
                string(set),
                refs(&qs)
            ));
            let rel = used.take(mint(format!("defines/{g}/{set}")), "a relation".into())?;
            o.add(&format!(
                "IFCRELDEFINESBYPROPERTIES('{rel}',#{oh},$,$,(#{el}),#{q})"
            ));
        }

        // Materials.
        if !e.materials.is_empty() {
            let path = e.folder.join(MATERIALS_FILE);
            let thicknesses: Vec<Option<Decimal>> = e
                .materials
                .iter()
                .map(|m| m.thickness.as_deref().and_then(parse_json_number))
                .collect();
            let mat = |name: &str| material_ids.get(name).copied().unwrap_or_default();
            let relating = if thicknesses
                .iter()
                .all(|t| t.is_some_and(|t| t > Decimal::ZERO))
            {
                let mut layers = Vec::new();
                for (m, t) in e.materials.iter().zip(&thicknesses) {
                    let metres = dec_real(t.unwrap_or_default() / Decimal::ONE_THOUSAND);
                    let layer = if ifc2x3 {
                        o.add(&format!("IFCMATERIALLAYER(#{},{metres},$)", mat(&m.name)))
                    } else {
                        o.add(&format!(
                            "IFCMATERIALLAYER(#{},{metres},$,$,$,{},$)",
                            mat(&m.name),
                            opt_string(&m.category)
                        ))
                    };
                    layers.push(layer);
                }
                let set_name = opt_string(&e.name);
                if ifc2x3 {
                    o.add(&format!(
                        "IFCMATERIALLAYERSET({},{set_name})",
                        refs(&layers)
                    ))
                } else {
                    o.add(&format!(
                        "IFCMATERIALLAYERSET({},{set_name},$)",
                        refs(&layers)
                    ))
                }
            } else if thicknesses
                .iter()
                .any(|t| t.is_some_and(|t| t <= Decimal::ZERO))
            {
                return Err(DataError::new(
                    &path,
                    "a layer thickness is 0 or negative",
                    "give every layer a thickness above 0 (in mm), or none",
                )
                .field("thickness"));
            } else if e.materials.len() == 1 {
                mat(&e.materials[0].name)
            } else {
                let ids: Vec<usize> = e.materials.iter().map(|m| mat(&m.name)).collect();
                o.add(&format!("IFCMATERIALLIST({})", refs(&ids)))
            };
            let rel = used.take(mint(format!("material/{g}")), "a relation".into())?;
            o.add(&format!(
                "IFCRELASSOCIATESMATERIAL('{rel}',#{oh},$,$,(#{el}),#{relating})"
            ));
        }
    }

    // Containment and space aggregation, one relation per container.
    for (key, els) in &contained {
        let Some((c, _, cg)) = containers.get(key) else {
            continue;
        };
        let rel = used.take(mint(format!("contains/{cg}")), "a relation".into())?;
        o.add(&format!(
            "IFCRELCONTAINEDINSPATIALSTRUCTURE('{rel}',#{oh},$,$,{},#{c})",
            refs(els)
        ));
    }
    for (key, els) in &spaces {
        let Some((c, _, cg)) = containers.get(key) else {
            continue;
        };
        let rel = used.take(mint(format!("aggregates/{cg}/spaces")), "a relation".into())?;
        o.add(&format!(
            "IFCRELAGGREGATES('{rel}',#{oh},$,$,#{c},{})",
            refs(els)
        ));
    }

    let entities = o.next - 1;
    let ts = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    let tool = format!("aecos {version}");
    let mut text = String::with_capacity(o.data.len() + 512);
    text.push_str("ISO-10303-21;\nHEADER;\n");
    let _ = writeln!(
        text,
        "FILE_DESCRIPTION(({}),'2;1');",
        string(schema.view_definition())
    );
    let _ = writeln!(
        text,
        "FILE_NAME({},'{ts}',('aecos'),('aecos'),{},{},'');",
        string(opts.file_name),
        string(&tool),
        string(&tool)
    );
    let _ = writeln!(text, "FILE_SCHEMA(('{}'));", schema.name());
    text.push_str("ENDSEC;\nDATA;\n");
    text.push_str(&o.data);
    text.push_str("ENDSEC;\nEND-ISO-10303-21;\n");
    Ok(IfcModel {
        bytes: text.into_bytes(),
        guids: entries,
        entities,
        storeys: storey_count,
        property_sets: pset_count,
    })
}

/// Every GlobalId written so far, with what it identifies.
#[derive(Default)]
struct Guids(BTreeMap<String, String>);

impl Guids {
    /// Takes `g` for `what`; a GlobalId used twice is an error.
    fn take(&mut self, g: String, what: String) -> Result<String, DataError> {
        if let Some(prev) = self.0.get(&g) {
            return Err(DataError::new(
                Path::new(METADATA_FILE),
                format!("GlobalId {g} would be used twice: by {prev} and by {what}"),
                "give one of the elements another GlobalId (a GlobalId must be unique in a model)",
            ));
        }
        self.0.insert(g.clone(), what);
        Ok(g)
    }

    fn contains(&self, g: &str) -> bool {
        self.0.contains_key(g)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::project::elements::{
        classify_global_id, BoundingBox, Geometry, MaterialLayer, Spatial,
    };
    use std::path::PathBuf;

    fn props(entries: &[(&str, &str, PropValue)]) -> BTreeMap<String, BTreeMap<String, PropValue>> {
        let mut m: BTreeMap<String, BTreeMap<String, PropValue>> = BTreeMap::new();
        for (s, p, v) in entries {
            m.entry(s.to_string())
                .or_default()
                .insert(p.to_string(), v.clone());
        }
        m
    }

    fn element(id: &str, class: &str) -> Element {
        Element {
            global_id: id.into(),
            folder: PathBuf::from(format!("elements/element_{id}")),
            name: Some(format!("{class} {}", &id[..4])),
            ifc_class: class.into(),
            object_type: None,
            tag: None,
            psets: BTreeMap::new(),
            materials: Vec::new(),
            geometry: None,
            spatial: Spatial {
                site_name: Some("Site A".into()),
                building_name: Some("Clinic".into()),
                storey_name: Some("Level 1".into()),
                ..Default::default()
            },
            id_kind: classify_global_id(id),
            missing: Vec::new(),
        }
    }

    fn bbox(v: [&str; 6]) -> Option<Geometry> {
        Some(Geometry {
            bbox: Some(BoundingBox {
                min_x: v[0].into(),
                min_y: v[1].into(),
                min_z: v[2].into(),
                max_x: v[3].into(),
                max_y: v[4].into(),
                max_z: v[5].into(),
            }),
            volume: Some("1.0".into()),
            centroid: None,
        })
    }

    /// A hex-id wall with everything, an IFC-id door with non-ASCII text, a space, a duct
    /// and a class aecos does not know.
    fn fixture() -> Vec<Element> {
        let mut wall = element("B5580D04D4754C4885A247", "IfcWall");
        wall.tag = Some("W-EXT-01".into());
        wall.object_type = Some("Basic Wall:EW-1".into());
        wall.psets = props(&[
            ("Pset_WallCommon", "IsExternal", PropValue::Bool(true)),
            (
                "Pset_WallCommon",
                "Reference",
                PropValue::Text("EW-1".into()),
            ),
            (
                "Pset_WallCommon",
                "ThermalTransmittance",
                PropValue::Number("0.35".into()),
            ),
            ("Pset_WallCommon", "Status", PropValue::Text("New".into())),
            ("Dimensions", "thickness_mm", PropValue::Int(300)),
            (
                "Qto_WallBaseQuantities",
                "Length",
                PropValue::Number("6.0".into()),
            ),
            (
                "Qto_WallBaseQuantities",
                "NetVolume",
                PropValue::Number("5.4".into()),
            ),
        ]);
        wall.materials = vec![
            MaterialLayer {
                name: "Brick".into(),
                thickness: Some("92".into()),
                category: Some("wall".into()),
                fraction: None,
            },
            MaterialLayer {
                name: "CMU".into(),
                thickness: Some("203.2".into()),
                category: None,
                fraction: None,
            },
        ];
        wall.geometry = bbox(["0.0", "0.0", "0.0", "6.0", "0.3", "3.0"]);
        let mut door = element("2O2Fr$t4X7Zf8NOew3FLOH", "IfcDoor");
        door.name = Some("T\u{fc}r O'Neil 2\u{2033}".into());
        door.materials = vec![MaterialLayer {
            name: "Wood".into(),
            thickness: None,
            category: None,
            fraction: None,
        }];
        door.spatial.storey_id = Some("0yJ$8Kq1L4dQbnVZ8wHr3x".into());
        let mut space = element("1x0Hdc1LbB5fLlGVuHbBAy", "IfcSpace");
        space.tag = Some("101".into());
        space.geometry = bbox(["1", "1", "0", "4", "5", "3"]);
        let mut duct = element("0A1B2C3D4E5F60718293A4", "IfcDuctSegment");
        duct.spatial = Spatial::default();
        duct.psets = props(&[(
            "Pset_DuctSegmentTypeCommon",
            "Shape",
            PropValue::Text("Round".into()),
        )]);
        let chair = element("3C0FFEE0000000000000AA", "IfcFurniture");
        vec![wall, door, space, duct, chair]
    }

    fn statuses() -> BTreeMap<String, ElementStatus> {
        let mut m = BTreeMap::new();
        m.insert(
            "B5580D04D4754C4885A247".to_string(),
            ElementStatus {
                status: "installed".into(),
                activities: vec!["ACT-1200".into()],
                percent_complete: Some(Decimal::ONE_HUNDRED),
                date: None,
                note: None,
            },
        );
        m
    }

    fn write(schema: IfcSchema, elements: &[Element]) -> Result<IfcModel, DataError> {
        let st = statuses();
        write_ifc(
            elements,
            &IfcOptions {
                schema,
                project_name: "Clinic",
                guid_key: "Clinic",
                file_name: "test.ifc",
                stamp: time::macros::datetime!(2026-05-29 16:00),
                statuses: &st,
            },
        )
    }

    fn text(schema: IfcSchema) -> String {
        String::from_utf8(write(schema, &fixture()).unwrap().bytes).unwrap()
    }

    #[test]
    fn golden_ifc4() {
        insta::assert_snapshot!("fixture_ifc4", text(IfcSchema::Ifc4));
    }

    #[test]
    fn deterministic() {
        for schema in IfcSchema::ALL {
            assert_eq!(text(schema), text(schema));
        }
    }

    /// Every `#n` referenced is defined, ids are unique, GlobalIds are valid and unique,
    /// and the file is ASCII.
    #[test]
    fn structurally_sound_in_every_schema() {
        for schema in IfcSchema::ALL {
            let t = text(schema);
            assert!(t.bytes().all(|b| b == b'\n' || (0x20..=0x7E).contains(&b)));
            assert!(t.contains(&format!("FILE_SCHEMA(('{}'));", schema.name())));
            let mut defined = BTreeSet::new();
            let mut referenced = BTreeSet::new();
            let mut guids = BTreeSet::new();
            for line in t.lines().filter(|l| l.starts_with('#')) {
                let (id, body) = line.split_once('=').unwrap();
                assert!(defined.insert(id.to_string()), "{id} twice");
                let mut rest = body;
                while let Some(i) = rest.find('#') {
                    let digits: String = rest[i + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_digit())
                        .collect();
                    referenced.insert(format!("#{digits}"));
                    rest = &rest[i + 1..];
                }
                // Rooted entities start with their GlobalId and the owner history.
                if let Some(g) = body
                    .split_once("('")
                    .and_then(|(_, r)| r.split_once("',#5,"))
                {
                    assert!(
                        ifc_guid::is_valid(g.0),
                        "{}: bad GlobalId {}",
                        schema.name(),
                        g.0
                    );
                    assert!(guids.insert(g.0.to_string()), "GlobalId {} twice", g.0);
                }
            }
            assert!(
                referenced.is_subset(&defined),
                "{:?}",
                referenced.difference(&defined).collect::<Vec<_>>()
            );
            assert!(guids.len() > 20);
        }
    }

    #[test]
    fn guid_mapping_is_returned() {
        let m = write(IfcSchema::Ifc4, &fixture()).unwrap();
        let wall = m
            .guids
            .iter()
            .find(|g| g.aecos_id == "B5580D04D4754C4885A247")
            .unwrap();
        assert!(wall.minted);
        assert_eq!(
            wall.ifc_guid,
            ifc_guid::mint("Clinic", "element/B5580D04D4754C4885A247")
        );
        let door = m
            .guids
            .iter()
            .find(|g| g.aecos_id == "2O2Fr$t4X7Zf8NOew3FLOH")
            .unwrap();
        assert!(!door.minted);
        assert_eq!(door.ifc_guid, door.aecos_id);
        let chair = m
            .guids
            .iter()
            .find(|g| g.aecos_class == "IfcFurniture")
            .unwrap();
        assert_eq!(chair.entity, "IfcBuildingElementProxy");
    }

    #[test]
    fn schema_differences() {
        let t2 = text(IfcSchema::Ifc2x3);
        let t4 = text(IfcSchema::Ifc4);
        // IFC2X3 has no IfcDuctSegment: written as IfcFlowSegment keeping the class.
        assert!(t2.contains("IFCFLOWSEGMENT(") && t2.contains("'IfcDuctSegment'"));
        assert!(t4.contains("IFCDUCTSEGMENT(") && !t4.contains("IFCFLOWSEGMENT("));
        // Status is an enumerated value in IFC4 and a custom label in IFC2X3.
        assert!(t4.contains("IFCPROPERTYENUMERATEDVALUE('Status',$,(IFCLABEL('NEW')),#"));
        assert!(t2.contains("IFCPROPERTYSET(") && t2.contains("'AECOS_WallCommon'"));
        assert!(!t2.contains("IFCPROPERTYENUMERATEDVALUE('Status'"));
        assert!(t2.contains("IFCPROPERTYSINGLEVALUE('Status',$,IFCLABEL('New'),$)"));
        // Material layers: 3 attributes in IFC2X3, 7 in IFC4; thickness mm -> m.
        assert!(t2.contains(",0.092,$);"), "{t2}");
        assert!(t4.contains(",0.092,$,$,$,'wall',$);"));
        // Quantities: IFC4 adds Formula.
        assert!(t2.contains("IFCQUANTITYLENGTH('Length',$,$,6.0);"));
        assert!(t4.contains("IFCQUANTITYLENGTH('Length',$,$,6.0,$);"));
        // IfcSpace: InteriorOrExteriorSpace in IFC2X3 only; tag as LongName.
        assert!(t2.contains(",'101',.ELEMENT.,.NOTDEFINED.,$);"));
        assert!(t4.contains(",'101',.ELEMENT.,$,$);"));
    }

    #[test]
    fn content() {
        let t = text(IfcSchema::Ifc4);
        // Escaped text, tag, object type, status set, box body, placement.
        assert!(t.contains(r"'T\X2\00FC\X0\r O''Neil 2\X2\2033\X0\'"));
        assert!(t.contains("'Basic Wall:EW-1',#"));
        assert!(t.contains(",'W-EXT-01',$);"));
        assert!(t.contains("IFCPROPERTYSINGLEVALUE('Status',$,IFCLABEL('installed'),$)"));
        assert!(t.contains("IFCPROPERTYSINGLEVALUE('Activities',$,IFCLABEL('ACT-1200'),$)"));
        assert!(t.contains("'AECOS_Status'"));
        assert!(t.contains("IFCRECTANGLEPROFILEDEF(.AREA.,$,#") && t.contains(",6.,0.3);"));
        assert!(t.contains("IFCEXTRUDEDAREASOLID(") && t.contains(",3.);"));
        // The door's storey id from spatial.json is kept.
        assert!(t.contains("IFCBUILDINGSTOREY('0yJ$8Kq1L4dQbnVZ8wHr3x'"));
        // The duct names no site or building: it joins the one the others name.
        assert_eq!(t.matches("IFCSITE(").count(), 1);
        assert_eq!(t.matches("IFCBUILDING(").count(), 1);
        assert!(t.contains("IFCPROPERTYENUMERATION('PEnum_ElementStatus',"));
        // One enumeration entity per name (IfcPropertyEnumeration.Name is UNIQUE).
        assert_eq!(
            t.matches("IFCPROPERTYENUMERATION('PEnum_ElementStatus'")
                .count(),
            1
        );
        assert!(t.contains("IFCPROPERTYENUMERATEDVALUE('Shape',$,(IFCLABEL('ROUND')),#"));
    }

    #[test]
    fn bad_data_is_an_error_naming_file_and_field() {
        let mut els = fixture();
        els[0].psets = props(&[(
            "Pset_WallCommon",
            "IsExternal",
            PropValue::Text("maybe".into()),
        )]);
        let e = write(IfcSchema::Ifc4, &els).unwrap_err();
        assert!(e.path.ends_with(PSETS_FILE));
        assert_eq!(e.field.as_deref(), Some("Pset_WallCommon.IsExternal"));

        let mut els = fixture();
        els[0].geometry = bbox(["1", "0", "0", "0", "1", "1"]);
        let e = write(IfcSchema::Ifc4, &els).unwrap_err();
        assert!(e.path.ends_with(GEOMETRY_FILE), "{e}");

        let mut els = fixture();
        els[0].psets = props(&[("Qto_WallBaseQuantities", "Length", PropValue::Int(-1))]);
        assert!(write(IfcSchema::Ifc4, &els)
            .unwrap_err()
            .message
            .contains("negative"));

        let mut els = fixture();
        els[0].psets = props(&[("Qto_WallBaseQuantities", "Oddity", PropValue::Int(1))]);
        assert!(write(IfcSchema::Ifc4, &els)
            .unwrap_err()
            .message
            .contains("cannot tell"));

        let mut els = fixture();
        els[0].psets = props(&[(STATUS_PSET, "Status", PropValue::Text("mine".into()))]);
        assert!(write(IfcSchema::Ifc4, &els)
            .unwrap_err()
            .message
            .contains(STATUS_PSET));

        let mut els = fixture();
        els[0].materials[0].thickness = Some("0".into());
        assert!(write(IfcSchema::Ifc4, &els)
            .unwrap_err()
            .path
            .ends_with(MATERIALS_FILE));
    }

    #[test]
    fn a_storey_id_already_used_by_an_element_is_not_reused() {
        let mut els = fixture();
        els[1].spatial.storey_id = Some("2O2Fr$t4X7Zf8NOew3FLOH".into()); // the door's own id
        let t = String::from_utf8(write(IfcSchema::Ifc4, &els).unwrap().bytes).unwrap();
        assert_eq!(t.matches("'2O2Fr$t4X7Zf8NOew3FLOH'").count(), 1);
    }

    #[test]
    fn flat_and_placeholder_geometry_have_no_body() {
        let mut els = vec![element("1x0Hdc1LbB5fLlGVuHbBAy", "IfcSlab")];
        els[0].geometry = bbox(["0", "0", "0", "5", "5", "0"]);
        let t = String::from_utf8(write(IfcSchema::Ifc4, &els).unwrap().bytes).unwrap();
        assert!(!t.contains("IFCEXTRUDEDAREASOLID"));
        assert!(t.contains("IFCCARTESIANPOINT((0.,0.,0.))"));
    }

    #[test]
    fn doors_and_windows_carry_their_overall_size() {
        let mut door = element("2O2Fr$t4X7Zf8NOew3FLOH", "IfcDoor");
        door.psets = props(&[
            ("Dimensions", "height_mm", PropValue::Int(2134)),
            ("Dimensions", "width_mm", PropValue::Number("914.0".into())),
        ]);
        let mut window = element("0QJ0vy$Cr3fxHKP5VtC3Sw", "IfcWindow");
        window.psets = props(&[
            (
                "Qto_WindowBaseQuantities",
                "Height",
                PropValue::Number("1.2".into()),
            ),
            ("Qto_WindowBaseQuantities", "Width", PropValue::Int(0)),
        ]);
        let els = vec![door, window];
        let t4 = String::from_utf8(write(IfcSchema::Ifc4, &els).unwrap().bytes).unwrap();
        assert!(t4.contains(",$,2.134,0.914,$,$,$);"), "{t4}");
        assert!(
            t4.contains(",$,1.2,$,$,$,$);"),
            "a width of 0 is left unset"
        );
        let t2 = String::from_utf8(write(IfcSchema::Ifc2x3, &els).unwrap().bytes).unwrap();
        assert!(t2.contains(",$,2.134,0.914);"));
    }

    #[test]
    fn schema_names() {
        assert_eq!(IfcSchema::parse("ifc4x3_add2"), Some(IfcSchema::Ifc4x3Add2));
        assert_eq!(IfcSchema::parse("IFC2X3"), Some(IfcSchema::Ifc2x3));
        assert_eq!(IfcSchema::parse("IFC5"), None);
    }
}
