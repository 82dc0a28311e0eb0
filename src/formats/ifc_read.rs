//! IFC model layer over the STEP reader: which instances are products, and for each its
//! GlobalId, class, name, tag, property and quantity sets, materials and spatial container.
//!
//! It reads only; it does not validate the model against the schema (an attribute of the
//! wrong type reads as absent) and never panics on a broken model.
//!
//! # Schemas
//! FILE_SCHEMA `IFC2X3*` reads with the IFC2X3 tables, `IFC4` with IFC4, and every later
//! `IFC4X…` (IFC4X1, IFC4X2, IFC4X3, its release candidates and addenda) with IFC4X3_ADD2,
//! the superset IfcOpenShell 0.9 ships; any other schema is an error. An instance whose
//! class the schema does not know is kept but is never a product.
//!
//! # Property sets: the semantics of IfcOpenShell's `util.element.get_psets`
//! * The type's sets first: the type is the `RelatingType` of the lowest-numbered
//!   IfcRelDefinesByType naming the product (IFC2X3 reaches it through `IsDefinedBy`, later
//!   schemas through `IsTypedBy`; both pick the first). Its `HasPropertySets` are read in
//!   order.
//! * Then every IfcRelDefinesByProperties naming the product, by ascending instance
//!   number (IfcOpenShell's inverse order); an IfcPropertySetDefinitionSet is unpacked.
//! * Sets merge by name: a set whose name is already there updates it property by property,
//!   so an occurrence set overrides the type's values of the same name and keeps the rest.
//! * Each set carries `"id"`: the STEP instance number of the definition that was merged in
//!   last (for an overridden type set, the occurrence's). A set without a name is keyed
//!   `"null"` (as Python's `json.dumps` writes IfcOpenShell's `None` key).
//! * Values: IfcPropertySingleValue → its value unwrapped (`IFCLABEL('x')` → `"x"`,
//!   `.T.`/`.F.` → booleans, `.U.` → `"UNKNOWN"`, other enumerations → their name); an
//!   unset value → null. IfcPropertyEnumeratedValue / IfcPropertyListValue → a list of
//!   unwrapped values. IfcPropertyBoundedValue and IfcPropertyTableValue → an object of all
//!   attributes plus `"id"` and `"type"` (bounded values without `Unit`). IfcComplexProperty
//!   → its set attributes except Name, plus `"properties"` (nested). Quantities → their
//!   value (4th attribute); IfcPhysicalComplexQuantity like a complex property. Other
//!   property classes are skipped (as IfcOpenShell skips them). Definitions other than
//!   IfcPropertySet and IfcElementQuantity (predefined property sets) give every set
//!   attribute from the 5th on. A reference to another instance inside a value is written
//!   `{"id": n, "type": "IfcClass"}`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use serde_json::{Map, Number, Value as Json};

use super::ifc_schema::{
    self, SchemaDef, IS_ELEMENT, IS_PRODUCT, IS_SPATIAL_ELEMENT, IS_SPATIAL_STRUCTURE_ELEMENT,
};
use super::step_read::{Instance, StepError, StepFile, Value};

/// Why a STEP file could not be read as IFC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IfcError {
    #[error(transparent)]
    Step(#[from] StepError),
    #[error("{}: FILE_SCHEMA {schema:?} is not an IFC schema aecos reads (hint: export as IFC2X3, IFC4 or IFC4X3_ADD2)", .path.display())]
    Schema {
        path: std::path::PathBuf,
        schema: String,
    },
}

impl From<IfcError> for crate::error::DataError {
    fn from(e: IfcError) -> Self {
        match e {
            IfcError::Step(s) => s.into(),
            IfcError::Schema { path, schema } => crate::error::DataError::new(
                &path,
                format!("FILE_SCHEMA {schema:?} is not an IFC schema aecos reads"),
                "export the model as IFC2X3, IFC4 or IFC4X3_ADD2",
            ),
        }
    }
}

/// The schema tables a FILE_SCHEMA identifier reads with (see the module docs).
pub fn schema_for(identifier: &str) -> Option<&'static SchemaDef> {
    let id = identifier.trim().to_ascii_uppercase();
    if id.starts_with("IFC2X3") {
        Some(&ifc_schema::IFC2X3)
    } else if id == "IFC4" || (id.starts_with("IFC4_") && !id.starts_with("IFC4X")) {
        Some(&ifc_schema::IFC4)
    } else if id.starts_with("IFC4X") {
        Some(&ifc_schema::IFC4X3_ADD2)
    } else {
        None
    }
}

/// Index of an entity in its schema's table.
pub type EntityId = u16;

/// The class of an instance the schema does not know.
const UNKNOWN: EntityId = u16::MAX;

fn cmp_upper(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_uppercase())
        .cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
}

impl SchemaDef {
    /// The entity with this name (any case).
    pub fn find(&self, name: &str) -> Option<EntityId> {
        self.entities
            .binary_search_by(|e| cmp_upper(e.name, name))
            .ok()
            .and_then(|i| EntityId::try_from(i).ok())
    }
    pub fn name_of(&self, e: EntityId) -> &'static str {
        self.entities.get(usize::from(e)).map_or("", |d| d.name)
    }
    /// The `IS_*` flags of an entity.
    pub fn flags(&self, e: EntityId) -> u32 {
        self.entities.get(usize::from(e)).map_or(0, |d| d.flags)
    }
    /// Whether `e` is `ancestor` or one of its subtypes.
    pub fn is_a(&self, mut e: EntityId, ancestor: EntityId) -> bool {
        for _ in 0..64 {
            if e == ancestor {
                return true;
            }
            match self.entities.get(usize::from(e)) {
                Some(d) if d.supertype != u16::MAX => e = d.supertype,
                _ => return false,
            }
        }
        false
    }
    /// Whether `e` is the entity named `ancestor` or one of its subtypes.
    pub fn is_a_name(&self, e: EntityId, ancestor: &str) -> bool {
        self.find(ancestor).is_some_and(|a| self.is_a(e, a))
    }
    /// All explicit attributes, inherited ones first.
    pub fn attributes(&self, e: EntityId) -> Vec<&'static str> {
        let mut chain = Vec::new();
        let mut cur = Some(e);
        while let Some(c) = cur {
            let Some(d) = self.entities.get(usize::from(c)) else {
                break;
            };
            chain.push(d.attributes);
            cur = (d.supertype != u16::MAX && chain.len() < 64).then_some(d.supertype);
        }
        chain.into_iter().rev().flatten().copied().collect()
    }
    /// Position of the attribute `name` of entity `e` (walks the chain, no allocation).
    pub fn attribute_index(&self, e: EntityId, name: &str) -> Option<usize> {
        let mut cur = e;
        for _ in 0..64 {
            let d = self.entities.get(usize::from(cur))?;
            if let Some(k) = d.attributes.iter().position(|a| *a == name) {
                return Some(k + self.inherited_count(d.supertype));
            }
            if d.supertype == u16::MAX {
                return None;
            }
            cur = d.supertype;
        }
        None
    }
    /// Number of attributes an entity and its supertypes declare.
    fn inherited_count(&self, mut e: EntityId) -> usize {
        let mut n = 0;
        for _ in 0..64 {
            let Some(d) = self.entities.get(usize::from(e)) else {
                break;
            };
            n += d.attributes.len();
            e = d.supertype;
        }
        n
    }
}

/// A product with what the importer needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Product {
    /// None when unset (`$`).
    pub global_id: Option<String>,
    /// As the schema spells it (`IfcWall`).
    pub class: &'static str,
    pub name: Option<String>,
    /// Property and quantity sets by name (see the module docs).
    pub psets: Map<String, Json>,
    /// STEP instance number.
    pub id: u64,
}

/// An IFC file read into instances, with its schema and the relationships `get_psets` and
/// the importer need.
pub struct IfcModel<'a> {
    pub step: StepFile<'a>,
    pub schema: &'static SchemaDef,
    /// Entity of every instance, in file order ([`UNKNOWN`]: not in the schema).
    classes: Vec<EntityId>,
    /// Object id → IfcRelDefinesByProperties definitions, by ascending relationship id.
    defined_by: HashMap<u64, Vec<u64>>,
    /// Object id → relating type (of the lowest-numbered IfcRelDefinesByType).
    typed_by: HashMap<u64, u64>,
    /// Element id → spatial container (IfcRelContainedInSpatialStructure) or, for a part,
    /// the whole it aggregates into (IfcRelAggregates).
    container: HashMap<u64, u64>,
    /// Object id → relating material definitions (IfcRelAssociatesMaterial).
    material: HashMap<u64, Vec<u64>>,
    /// File positions of the products.
    products: Vec<usize>,
}

/// Reads an IFC file's bytes (STEP text; unzip an ifcZIP first with
/// [`super::step_read::step_bytes`]).
pub fn read_ifc<'a>(path: &Path, bytes: &'a [u8]) -> Result<IfcModel<'a>, IfcError> {
    let step = super::step_read::parse(path, bytes)?;
    let identifier = step.header.schemas.first().cloned().unwrap_or_default();
    let schema = schema_for(&identifier).ok_or_else(|| IfcError::Schema {
        path: path.to_path_buf(),
        schema: identifier,
    })?;
    Ok(IfcModel::new(step, schema))
}

impl<'a> IfcModel<'a> {
    fn new(step: StepFile<'a>, schema: &'static SchemaDef) -> Self {
        // Classify every instance, a chunk per task, caching name look-ups per chunk.
        let classes: Vec<EntityId> = step
            .segments()
            .par_iter()
            .flat_map_iter(|seg| {
                let mut cache: HashMap<&[u8], EntityId> = HashMap::new();
                seg.iter()
                    .map(|inst| {
                        let name = step.class_ascii(inst);
                        *cache
                            .entry(name.as_bytes())
                            .or_insert_with(|| schema.find(name.as_str()).unwrap_or(UNKNOWN))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        // The relationships read, by kind (subtypes count too, as `is_a` does: IFC2X3's
        // IfcRelOverridesProperties is an IfcRelDefinesByProperties).
        let want = [
            ifc_schema::IS_REL_DEFINES_BY_PROPERTIES,
            ifc_schema::IS_REL_DEFINES_BY_TYPE,
            ifc_schema::IS_REL_CONTAINED,
            ifc_schema::IS_REL_AGGREGATES,
            ifc_schema::IS_REL_ASSOCIATES_MATERIAL,
        ];
        let mut rels: Vec<(usize, usize, u32)> = Vec::new(); // (kind, position, id)
        let mut products = Vec::new();
        for (pos, (&c, inst)) in classes.iter().zip(step.instances()).enumerate() {
            if c == UNKNOWN {
                continue;
            }
            let flags = schema.flags(c);
            if flags & IS_PRODUCT != 0 {
                products.push(pos);
            }
            if let Some(kind) = want.iter().position(|w| flags & w != 0) {
                rels.push((kind, pos, inst.id));
            }
        }
        let mut model = IfcModel {
            step,
            schema,
            classes,
            defined_by: HashMap::new(),
            typed_by: HashMap::new(),
            container: HashMap::new(),
            material: HashMap::new(),
            products,
        };
        // By kind, then in ascending id order (IfcOpenShell's inverse order); containment
        // before aggregation, so that an element both contained and part of a whole
        // reports its spatial container.
        rels.sort_by_key(|r| (r.0, r.2));
        for (kind, pos, _) in rels {
            let Some(inst) = model.step.at(pos) else {
                continue;
            };
            let args: Vec<Value<'a>> = model.step.args(inst).iter().collect();
            let refs = |k: usize| -> Vec<u64> {
                args.get(k)
                    .and_then(|v| v.as_list())
                    .map(|l| l.iter().filter_map(|v| v.as_ref_id()).collect())
                    .unwrap_or_default()
            };
            let single = |k: usize| args.get(k).and_then(|v| v.as_ref_id());
            match kind {
                0 => {
                    // RelatingPropertyDefinition may be an IfcPropertySetDefinitionSet.
                    let defs: Vec<u64> = match args.get(5) {
                        Some(Value::Ref(d)) => vec![*d],
                        Some(v @ Value::Typed(..)) => v
                            .typed_inner()
                            .and_then(|(_, inner)| inner.as_list())
                            .map(|l| l.iter().filter_map(|v| v.as_ref_id()).collect())
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    };
                    for o in refs(4) {
                        model
                            .defined_by
                            .entry(o)
                            .or_default()
                            .extend(defs.iter().copied());
                    }
                }
                1 => {
                    if let Some(t) = single(5) {
                        for o in refs(4) {
                            model.typed_by.entry(o).or_insert(t);
                        }
                    }
                }
                2 => {
                    if let Some(s) = single(5) {
                        for o in refs(4) {
                            model.container.entry(o).or_insert(s);
                        }
                    }
                }
                3 => {
                    if let Some(whole) = single(4) {
                        for o in refs(5) {
                            model.container.entry(o).or_insert(whole);
                        }
                    }
                }
                _ => {
                    if let Some(m) = single(5) {
                        for o in refs(4) {
                            model.material.entry(o).or_default().push(m);
                        }
                    }
                }
            }
        }
        model
    }

    /// The instance with this id and its entity.
    fn instance(&self, id: u64) -> Option<(&Instance, Option<EntityId>)> {
        let pos = self.step.position(id)?;
        let c = self.classes.get(pos).copied().filter(|c| *c != UNKNOWN);
        Some((self.step.at(pos)?, c))
    }

    fn args(&self, id: u64) -> Option<(Option<EntityId>, Vec<Value<'a>>)> {
        let (inst, c) = self.instance(id)?;
        Some((c, self.step.args(inst).iter().collect()))
    }

    /// The class name of an instance as the schema spells it.
    pub fn class_name(&self, id: u64) -> Option<&'static str> {
        self.instance(id)?.1.map(|c| self.schema.name_of(c))
    }

    /// Whether the instance is of the entity `ancestor` or a subtype.
    pub fn is_a(&self, id: u64, ancestor: &str) -> bool {
        self.instance(id)
            .and_then(|(_, c)| c)
            .is_some_and(|c| self.schema.is_a_name(c, ancestor))
    }

    /// Number of instances of classes the schema knows (IfcOpenShell leaves the others
    /// out of the model too).
    pub fn entity_count(&self) -> usize {
        self.classes.iter().filter(|c| **c != UNKNOWN).count()
    }

    /// Ids of the products (instances of IfcProduct subtypes), in file order.
    pub fn product_ids(&self) -> Vec<u64> {
        self.products
            .iter()
            .filter_map(|p| self.step.at(*p).map(|i| u64::from(i.id)))
            .collect()
    }

    /// Whether an instance is an IfcElement / a spatial element (IfcSpatialElement, or
    /// IfcSpatialStructureElement in IFC2X3).
    pub fn kind(&self, id: u64) -> (bool, bool) {
        let f = self
            .instance(id)
            .and_then(|(_, c)| c)
            .map_or(0, |c| self.schema.flags(c));
        (
            f & IS_ELEMENT != 0,
            f & (IS_SPATIAL_ELEMENT | IS_SPATIAL_STRUCTURE_ELEMENT) != 0,
        )
    }

    /// Writes the products as a JSON array, in file order, a batch at a time (each batch
    /// built in parallel), so that memory does not grow with the number of products.
    pub fn write_products_json<W: std::io::Write>(&self, out: &mut W) -> std::io::Result<()> {
        let cache = self.type_cache();
        out.write_all(b"[")?;
        let mut first = true;
        for batch in self.product_ids().chunks(4096) {
            let parts: Vec<Vec<u8>> = batch
                .par_iter()
                .filter_map(|id| self.product_with(*id, &cache))
                .map(|p| serde_json::to_vec(&p))
                .collect::<Result<_, _>>()?;
            for part in parts {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(&part)?;
            }
        }
        out.write_all(b"]")
    }

    /// The sets of every type object some product is typed by.
    fn type_cache(&self) -> HashMap<u64, Map<String, Json>> {
        let mut types: Vec<u64> = self.typed_by.values().copied().collect();
        types.sort_unstable();
        types.dedup();
        types
            .par_iter()
            .map(|t| (*t, self.type_psets(*t)))
            .collect()
    }

    /// One product with its sets.
    pub fn product(&self, id: u64) -> Option<Product> {
        self.product_with(id, &HashMap::new())
    }

    fn product_with(&self, id: u64, types: &HashMap<u64, Map<String, Json>>) -> Option<Product> {
        let (c, args) = self.args(id)?;
        let class = self.schema.name_of(c?);
        Some(Product {
            id,
            global_id: args
                .first()
                .and_then(|v| v.as_string())
                .map(Cow::into_owned),
            class,
            name: args.get(2).and_then(|v| v.as_string()).map(Cow::into_owned),
            psets: self.psets_with(id, types),
        })
    }

    /// All products, in file order (built in parallel; each type's sets are read once).
    pub fn products(&self) -> Vec<Product> {
        let cache = self.type_cache();
        self.product_ids()
            .par_iter()
            .filter_map(|id| self.product_with(*id, &cache))
            .collect()
    }

    /// IfcElement.Tag of an element.
    pub fn tag(&self, id: u64) -> Option<String> {
        let (c, args) = self.args(id)?;
        let k = self.schema.attribute_index(c?, "Tag")?;
        args.get(k)?.as_string().map(Cow::into_owned)
    }

    /// The spatial structure element containing a product (IfcRelContainedInSpatialStructure,
    /// the lowest-numbered one), else the whole it is part of (IfcRelAggregates).
    pub fn container(&self, id: u64) -> Option<u64> {
        self.container.get(&id).copied()
    }

    /// The type object of an occurrence.
    pub fn type_of(&self, id: u64) -> Option<u64> {
        self.typed_by.get(&id).copied()
    }

    /// Names of the materials associated with an object (or, failing that, its type):
    /// material, layer set and layers, constituent set and constituents, profile set and
    /// profiles, material lists; in order, without repeats.
    pub fn materials(&self, id: u64) -> Vec<String> {
        self.material_list(id, true)
    }

    /// Names of the IfcMaterials only (no set names), in layer order: what an AEC OS
    /// element's materials.json lists.
    pub fn base_materials(&self, id: u64) -> Vec<String> {
        self.material_list(id, false)
    }

    fn material_list(&self, id: u64, sets: bool) -> Vec<String> {
        let defs = self
            .material
            .get(&id)
            .or_else(|| self.type_of(id).and_then(|t| self.material.get(&t)));
        let mut names = Vec::new();
        for d in defs.into_iter().flatten() {
            self.material_names(*d, 0, sets, &mut names);
        }
        names
    }

    fn material_names(&self, id: u64, depth: usize, sets: bool, out: &mut Vec<String>) {
        let Some((Some(c), args)) = self.args(id) else {
            return;
        };
        if depth > 8 {
            return;
        }
        let name_of = |attr: &str| -> Option<String> {
            let k = self.schema.attribute_index(c, attr)?;
            args.get(k)?.as_string().map(Cow::into_owned)
        };
        let refs_of = |attr: &str| -> Vec<u64> {
            let Some(k) = self.schema.attribute_index(c, attr) else {
                return Vec::new();
            };
            match args.get(k) {
                Some(Value::Ref(r)) => vec![*r],
                Some(Value::List(l)) => l.iter().filter_map(|v| v.as_ref_id()).collect(),
                _ => Vec::new(),
            }
        };
        let mut push = |n: Option<String>| {
            if let Some(n) = n.filter(|n| !n.is_empty()) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        };
        let class = self.schema.name_of(c);
        match class {
            "IfcMaterial" => push(name_of("Name")),
            "IfcMaterialLayerSet" if sets => push(name_of("LayerSetName")),
            "IfcMaterialProfileSet" | "IfcMaterialConstituentSet" if sets => push(name_of("Name")),
            _ => {}
        }
        let children: Vec<u64> = match class {
            "IfcMaterialList" => refs_of("Materials"),
            "IfcMaterialLayerSetUsage" => refs_of("ForLayerSet"),
            "IfcMaterialProfileSetUsage" | "IfcMaterialProfileSetUsageTapering" => {
                refs_of("ForProfileSet")
            }
            "IfcMaterialLayerSet" => refs_of("MaterialLayers"),
            "IfcMaterialProfileSet" => refs_of("MaterialProfiles"),
            "IfcMaterialConstituentSet" => refs_of("MaterialConstituents"),
            "IfcMaterialLayer"
            | "IfcMaterialLayerWithOffsets"
            | "IfcMaterialProfile"
            | "IfcMaterialProfileWithOffsets"
            | "IfcMaterialConstituent" => refs_of("Material"),
            _ => Vec::new(),
        };
        for ch in children {
            self.material_names(ch, depth + 1, sets, out);
        }
    }

    /// `get_psets(element)` (see the module docs).
    pub fn psets(&self, id: u64) -> Map<String, Json> {
        self.psets_with(id, &HashMap::new())
    }

    /// `get_psets`, taking type objects' sets from `types` where they are there.
    fn psets_with(&self, id: u64, types: &HashMap<u64, Map<String, Json>>) -> Map<String, Json> {
        let mut psets = match self.typed_by.get(&id) {
            Some(t) => types.get(t).cloned().unwrap_or_else(|| self.type_psets(*t)),
            None => Map::new(),
        };
        for d in self.defined_by.get(&id).into_iter().flatten() {
            self.merge_definition(&mut psets, *d);
        }
        psets
    }

    /// The sets of a type object (`HasPropertySets`, in order).
    fn type_psets(&self, type_id: u64) -> Map<String, Json> {
        let mut psets = Map::new();
        let Some((Some(tc), targs)) = self.args(type_id) else {
            return psets;
        };
        let list = self
            .schema
            .attribute_index(tc, "HasPropertySets")
            .and_then(|k| targs.get(k))
            .and_then(|v| v.as_list());
        for d in list
            .iter()
            .flat_map(|l| l.iter())
            .filter_map(|v| v.as_ref_id())
        {
            self.merge_definition(&mut psets, d);
        }
        psets
    }

    fn merge_definition(&self, psets: &mut Map<String, Json>, def: u64) {
        let Some((Some(c), args)) = self.args(def) else {
            return;
        };
        let name = args
            .get(2)
            .and_then(|v| v.as_string())
            .map_or_else(|| "null".to_string(), Cow::into_owned);
        let props = self.property_definition(def, c, &args);
        let entry = psets
            .entry(name)
            .or_insert_with(|| Json::Object(Map::new()));
        if let Json::Object(m) = entry {
            m.extend(props);
        }
    }

    /// `get_property_definition`.
    fn property_definition(&self, def: u64, c: EntityId, args: &[Value<'a>]) -> Map<String, Json> {
        let mut props = Map::new();
        match self.schema.name_of(c) {
            "IfcElementQuantity" => self.quantities(args.get(5), &mut props, 0),
            "IfcPropertySet" => self.properties(args.get(4), &mut props, 0),
            _ => {
                for (k, attr) in self.schema.attributes(c).iter().enumerate().skip(4) {
                    match args.get(k) {
                        None | Some(Value::Null | Value::Derived) => {}
                        Some(v) => {
                            props.insert((*attr).to_string(), self.value(v, 0));
                        }
                    }
                }
            }
        }
        props.insert("id".into(), Json::from(def));
        props
    }

    fn properties(&self, list: Option<&Value<'a>>, out: &mut Map<String, Json>, depth: usize) {
        let Some(list) = list.and_then(|v| v.as_list()) else {
            return;
        };
        if depth > 16 {
            return;
        }
        for pid in list.iter().filter_map(|v| v.as_ref_id()) {
            let Some((Some(c), args)) = self.args(pid) else {
                continue;
            };
            let name = args
                .first()
                .and_then(|v| v.as_string())
                .map_or_else(|| "null".into(), Cow::into_owned);
            let value = match self.schema.name_of(c) {
                "IfcPropertySingleValue" => match args.get(2) {
                    Some(v @ Value::Typed(..)) => self.value(v, 0),
                    _ => Json::Null,
                },
                "IfcPropertyEnumeratedValue" | "IfcPropertyListValue" => {
                    match args.get(2).and_then(|v| v.as_list()) {
                        Some(l) if !l.is_empty() => {
                            Json::Array(l.iter().map(|v| self.value(&v, 0)).collect())
                        }
                        _ => Json::Null,
                    }
                }
                "IfcPropertyBoundedValue" => {
                    let mut m = self.info(pid, c, &args, false);
                    m.shift_remove("Unit");
                    Json::Object(m)
                }
                "IfcPropertyTableValue" => Json::Object(self.info(pid, c, &args, false)),
                "IfcComplexProperty" => {
                    let mut m = self.info(pid, c, &args, true);
                    m.shift_remove("Name");
                    m.shift_remove("HasProperties");
                    let k = self.schema.attribute_index(c, "HasProperties");
                    let mut nested = Map::new();
                    self.properties(k.and_then(|k| args.get(k)), &mut nested, depth + 1);
                    m.insert("properties".into(), Json::Object(nested));
                    Json::Object(m)
                }
                _ => continue,
            };
            out.insert(name, value);
        }
    }

    fn quantities(&self, list: Option<&Value<'a>>, out: &mut Map<String, Json>, depth: usize) {
        let Some(list) = list.and_then(|v| v.as_list()) else {
            return;
        };
        if depth > 16 {
            return;
        }
        for qid in list.iter().filter_map(|v| v.as_ref_id()) {
            let Some((Some(c), args)) = self.args(qid) else {
                continue;
            };
            let name = args
                .first()
                .and_then(|v| v.as_string())
                .map_or_else(|| "null".into(), Cow::into_owned);
            let flags = self.schema.flags(c);
            if flags & ifc_schema::IS_PHYSICAL_SIMPLE_QUANTITY != 0 {
                out.insert(name, args.get(3).map_or(Json::Null, |v| self.value(v, 0)));
            } else if flags & ifc_schema::IS_PHYSICAL_COMPLEX_QUANTITY != 0 {
                let mut m = self.info(qid, c, &args, true);
                m.shift_remove("Name");
                m.shift_remove("HasQuantities");
                let k = self.schema.attribute_index(c, "HasQuantities");
                let mut nested = Map::new();
                self.quantities(k.and_then(|k| args.get(k)), &mut nested, depth + 1);
                m.insert("properties".into(), Json::Object(nested));
                out.insert(name, Json::Object(m));
            }
        }
    }

    /// `get_info()`: id, type and every attribute (only the set ones when `set_only`).
    fn info(&self, id: u64, c: EntityId, args: &[Value<'a>], set_only: bool) -> Map<String, Json> {
        let mut m = Map::new();
        m.insert("id".into(), Json::from(id));
        m.insert("type".into(), Json::from(self.schema.name_of(c)));
        for (k, attr) in self.schema.attributes(c).iter().enumerate() {
            let v = args.get(k).map_or(Json::Null, |v| self.value(v, 0));
            if !(set_only && v.is_null()) {
                m.insert((*attr).to_string(), v);
            }
        }
        m
    }

    /// A value as JSON (typed values unwrapped).
    fn value(&self, v: &Value<'a>, depth: usize) -> Json {
        if depth > 32 {
            return Json::Null;
        }
        match v {
            Value::Null | Value::Derived => Json::Null,
            Value::Integer(s) => s
                .as_str()
                .parse::<i64>()
                .map(Json::from)
                .unwrap_or_else(|_| number(v.as_f64())),
            Value::Real(_) => number(v.as_f64()),
            Value::String(s) => Json::String(s.decode().into_owned()),
            Value::Binary(b) => Json::String(b.as_str().to_string()),
            Value::Enum(e) => match e.as_bytes() {
                b"T" => Json::Bool(true),
                b"F" => Json::Bool(false),
                b"U" => Json::String("UNKNOWN".into()),
                _ => Json::String(e.as_str().to_string()),
            },
            Value::Ref(r) => {
                let mut m = Map::new();
                m.insert("id".into(), Json::from(*r));
                m.insert(
                    "type".into(),
                    self.class_name(*r).map_or(Json::Null, Json::from),
                );
                Json::Object(m)
            }
            Value::List(l) => Json::Array(l.iter().map(|x| self.value(&x, depth + 1)).collect()),
            Value::Typed(_, inner) => inner
                .iter()
                .next()
                .map_or(Json::Null, |x| self.value(&x, depth + 1)),
        }
    }
}

fn number(f: Option<f64>) -> Json {
    f.and_then(Number::from_f64)
        .map_or(Json::Null, Json::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_identifiers_map_to_tables() {
        assert_eq!(schema_for("IFC2X3").map(|s| s.name), Some("IFC2X3"));
        assert_eq!(schema_for("ifc2x3_final").map(|s| s.name), Some("IFC2X3"));
        assert_eq!(schema_for("IFC4").map(|s| s.name), Some("IFC4"));
        assert_eq!(schema_for("IFC4X1").map(|s| s.name), Some("IFC4X3_ADD2"));
        assert_eq!(
            schema_for("IFC4X3_RC2").map(|s| s.name),
            Some("IFC4X3_ADD2")
        );
        assert_eq!(
            schema_for("IFC4X3_ADD2").map(|s| s.name),
            Some("IFC4X3_ADD2")
        );
        assert!(schema_for("CONFIG_CONTROL_DESIGN").is_none());
        assert!(schema_for("").is_none());
    }

    #[test]
    fn hierarchy_look_ups() {
        let s = &ifc_schema::IFC4;
        let wall = s.find("IFCWALL").expect("IfcWall");
        assert_eq!(s.name_of(wall), "IfcWall");
        assert_eq!(s.find("ifcwall"), Some(wall));
        assert!(s.is_a_name(wall, "IfcProduct"));
        assert!(s.is_a_name(wall, "IfcBuildingElement"));
        assert!(!s.is_a_name(wall, "IfcSpatialElement"));
        assert_ne!(s.flags(wall) & IS_ELEMENT, 0);
        let attrs = s.attributes(wall);
        assert_eq!(&attrs[..3], ["GlobalId", "OwnerHistory", "Name"]);
        assert_eq!(s.attribute_index(wall, "Tag"), Some(7));
        assert_eq!(s.attribute_index(wall, "PredefinedType"), Some(8));
        assert!(s.find("IFCBEAMSTANDARDCASE").is_some());
        assert!(ifc_schema::IFC4X3_ADD2
            .find("IFCBEAMSTANDARDCASE")
            .is_none());
        // IFC2X3 has no IfcSpatialElement; storeys are spatial structure elements
        let s2 = &ifc_schema::IFC2X3;
        assert!(s2.find("IfcSpatialElement").is_none());
        let storey = s2.find("IfcBuildingStorey").expect("storey");
        assert_ne!(s2.flags(storey) & IS_SPATIAL_STRUCTURE_ELEMENT, 0);
        let project = s2.find("IfcProject").expect("project");
        assert_eq!(s2.flags(project) & IS_PRODUCT, 0);
    }

    fn model(schema: &str, data: &str) -> String {
        format!(
            "ISO-10303-21;HEADER;FILE_DESCRIPTION((''),'2;1');FILE_NAME('','',(''),(''),'','','');\
             FILE_SCHEMA(('{schema}'));ENDSEC;DATA;\n{data}\nENDSEC;END-ISO-10303-21;"
        )
    }

    #[test]
    fn ifc2x3_type_sets_and_merge_order() {
        // IFC2X3: the type comes through IsDefinedBy; two occurrence sets of one name
        // merge in relationship-id order (the later id wins), whatever the file order.
        let text = model(
            "IFC2X3",
            "#1=IFCWALL('g',$,'w',$,$,$,$,$);\n\
             #2=IFCWALLTYPE('t',$,'T',$,$,(#3),$,$,$,.STANDARD.);\n\
             #3=IFCPROPERTYSET('p',$,'S',$,(#4));\n\
             #4=IFCPROPERTYSINGLEVALUE('A',$,IFCLABEL('type'),$);\n\
             #9=IFCRELDEFINESBYPROPERTIES('r',$,$,$,(#1),#7);\n\
             #8=IFCRELDEFINESBYPROPERTIES('r',$,$,$,(#1),#5);\n\
             #5=IFCPROPERTYSET('p',$,'S',$,(#6));\n\
             #6=IFCPROPERTYSINGLEVALUE('A',$,IFCLABEL('first'),$);\n\
             #7=IFCPROPERTYSET('p',$,'S',$,(#10));\n\
             #10=IFCPROPERTYSINGLEVALUE('B',$,IFCINTEGER(3),$);\n\
             #11=IFCRELDEFINESBYTYPE('r',$,$,$,(#1),#2);",
        );
        let m = read_ifc(Path::new("t.ifc"), text.as_bytes()).expect("reads");
        let p = m.product(1).expect("wall");
        assert_eq!(
            Json::Object(p.psets),
            serde_json::json!({"S": {"A": "first", "B": 3, "id": 7}})
        );
    }

    #[test]
    fn relationship_subtypes_count() {
        // IFC2X3's IfcRelOverridesProperties is an IfcRelDefinesByProperties (IfcOpenShell
        // gives {"S": {"A": 1.5, "id": 2}} for this wall).
        let text = model(
            "IFC2X3",
            "#1=IFCWALL('g',$,'w',$,$,$,$,$);\n\
             #2=IFCPROPERTYSET('p',$,'S',$,(#3));\n\
             #3=IFCPROPERTYSINGLEVALUE('A',$,IFCREAL(1.5),$);\n\
             #4=IFCRELOVERRIDESPROPERTIES('r',$,$,$,(#1),#2,(#3));",
        );
        let m = read_ifc(Path::new("t.ifc"), text.as_bytes()).expect("reads");
        assert_eq!(
            Json::Object(m.psets(1)),
            serde_json::json!({"S": {"A": 1.5, "id": 2}})
        );
    }

    #[test]
    fn containment_wins_over_aggregation() {
        let text = model(
            "IFC4",
            "#1=IFCRELAGGREGATES('a',$,$,$,#10,(#11));\n\
             #2=IFCRELCONTAINEDINSPATIALSTRUCTURE('c',$,$,$,(#11),#12);\n\
             #10=IFCELEMENTASSEMBLY('x',$,$,$,$,$,$,$,$,$);\n\
             #11=IFCBEAM('y',$,$,$,$,$,$,$,$);\n\
             #12=IFCBUILDINGSTOREY('z',$,$,$,$,$,$,$,$,$);",
        );
        let m = read_ifc(Path::new("t.ifc"), text.as_bytes()).expect("reads");
        assert_eq!(m.container(11), Some(12));
        assert_eq!(m.container(10), None);
    }

    #[test]
    fn unknown_schema_and_classes() {
        let text = model("AP214", "#1=X(1);");
        let Err(e) = read_ifc(Path::new("t.ifc"), text.as_bytes()) else {
            panic!("AP214 must be refused")
        };
        assert!(e.to_string().contains("AP214"), "{e}");
        let text = model(
            "IFC4",
            "#1=IFCNOSUCHTHING('g');#2=IFCWALL('g',$,$,$,$,$,$,$,$);",
        );
        let m = read_ifc(Path::new("t.ifc"), text.as_bytes()).expect("reads");
        assert_eq!(m.entity_count(), 1);
        assert_eq!(m.product_ids(), vec![2]);
        assert_eq!(m.class_name(1), None);
    }
}
