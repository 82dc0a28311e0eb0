//! Typing of an element's property sets for IFC: which sets are standard (`Pset_…` with a
//! buildingSMART template in the target schema, see [`super::ifc_pset_types`]), how each
//! value is typed (the template's measure type, e.g. `IfcBoolean` for `IsExternal`,
//! `IfcThermalTransmittanceMeasure` for `ThermalTransmittance`, an enumeration for
//! `Status`), and where what a template does not cover goes.
//!
//! Naming rule: a custom set never carries a `Pset_` name. A `Pset_X` set with no template
//! in the schema, and the properties of a standard set its template does not define (or
//! defines as bounded, table or reference values, which a scalar cannot fill), go to the
//! custom set `AECOS_X`. Other sets keep their names and are typed by their JSON values
//! (bool `IfcBoolean`, integer `IfcInteger`, other number `IfcReal`, text `IfcLabel`, or
//! `IfcText` above 255 characters). `Qto_` sets are quantities, not handled here.
//!
//! Pure: no I/O. A value a standard template cannot take is an error, never a guess.

use std::collections::BTreeMap;

use super::ifc_write::IfcSchema;
use super::step_string;
use crate::project::elements::PropValue;
use crate::project::serde_util::parse_json_number;

/// The base STEP type of a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Bool,
    Logical,
    Int,
    Real,
    Number,
    Text,
}

/// How a template property holds its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropKind {
    Single,
    Enumerated,
    List,
    /// Bounded, table or reference values: not something a scalar fills.
    Unsupported,
}

/// One property of a standard set's template.
#[derive(Debug)]
pub struct PropTemplate {
    pub name: &'static str,
    pub kind: PropKind,
    /// The IFC defined type, e.g. `IfcBoolean`.
    pub measure: &'static str,
    pub base: Base,
    /// Enumeration name and items (`PEnum_ElementStatus`, `NEW`, …).
    pub enumeration: Option<(&'static str, &'static [&'static str])>,
}

/// A standard set's template.
#[derive(Debug)]
pub struct PsetTemplate {
    pub name: &'static str,
    pub props: &'static [PropTemplate],
}

/// Prefix of the custom set that takes what a `Pset_` name cannot carry.
pub const CUSTOM_PREFIX: &str = "AECOS_";

/// Longest IfcLabel / IfcIdentifier (STRING(255)).
const MAX_LABEL: usize = 255;

/// The standard templates aecos knows for `schema`, sorted by name.
pub fn templates(schema: IfcSchema) -> &'static [PsetTemplate] {
    use super::ifc_pset_types as t;
    match schema {
        IfcSchema::Ifc2x3 => t::IFC2X3,
        IfcSchema::Ifc4 => t::IFC4,
        IfcSchema::Ifc4x3Add2 => t::IFC4X3ADD2,
    }
}

/// The template of standard set `name` in `schema`.
pub fn template(schema: IfcSchema, name: &str) -> Option<&'static PsetTemplate> {
    let all = templates(schema);
    all.binary_search_by(|t| t.name.cmp(name))
        .ok()
        .and_then(|i| all.get(i))
}

/// True for names IFC reserves for standard sets (`Pset_`, any case).
pub fn is_reserved(name: &str) -> bool {
    name.get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("pset_"))
}

/// The custom set that takes the uncovered part of reserved set `name`: `AECOS_` + the
/// rest of the name (`Pset_WallCommon` → `AECOS_WallCommon`).
pub fn custom_name(name: &str) -> String {
    format!("{CUSTOM_PREFIX}{}", name.get(5..).unwrap_or(""))
}

/// A property value as the writer emits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfcValue {
    /// `IfcPropertySingleValue` with a typed value, e.g. `IFCBOOLEAN(.T.)`; `None` = unset.
    Single(Option<String>),
    /// `IfcPropertyEnumeratedValue` with the item, referring to an `IfcPropertyEnumeration`.
    Enumerated {
        item: String,
        enumeration: &'static str,
        items: &'static [&'static str],
    },
    /// `IfcPropertyListValue` with one typed value.
    List(String),
}

/// One property ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfcProp {
    pub name: String,
    pub value: IfcValue,
}

/// One property set ready to write, properties sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfcPset {
    pub name: String,
    pub props: Vec<IfcProp>,
}

/// Why a value cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropError {
    pub pset: String,
    pub prop: String,
    pub message: String,
    pub hint: String,
}

/// Types the property sets of one element for `schema` (quantity sets `Qto_…` are left
/// out). Sets come out sorted by name; empty ones are dropped.
pub fn type_psets(
    schema: IfcSchema,
    psets: &BTreeMap<String, BTreeMap<String, PropValue>>,
) -> Result<Vec<IfcPset>, PropError> {
    let mut out: BTreeMap<String, BTreeMap<String, IfcValue>> = BTreeMap::new();
    let mut put = |set: String, prop: &str, value: IfcValue| -> Result<(), PropError> {
        let slot = out.entry(set.clone()).or_default();
        if slot.insert(prop.to_string(), value).is_some() {
            return Err(PropError {
                pset: set,
                prop: prop.to_string(),
                message: "the property is given twice (once under the standard set's name, once in the custom set that takes its non-standard properties)".into(),
                hint: "keep the property in one set only".into(),
            });
        }
        Ok(())
    };
    for (set, props) in psets {
        if is_quantity_set(set) {
            continue;
        }
        let standard = if is_reserved(set) {
            template(schema, set)
        } else {
            None
        };
        for (prop, value) in props {
            let err = |message: String, hint: String| PropError {
                pset: set.clone(),
                prop: prop.clone(),
                message,
                hint,
            };
            let tp = standard.and_then(|t| t.props.iter().find(|p| p.name == prop));
            match (standard, tp) {
                (Some(_), Some(tp)) if tp.kind != PropKind::Unsupported => {
                    let v = typed_standard(schema, tp, value).map_err(|(m, h)| err(m, h))?;
                    put(set.clone(), prop, v)?;
                }
                _ if is_reserved(set) => {
                    put(custom_name(set), prop, typed_custom(value))?;
                }
                _ => put(set.clone(), prop, typed_custom(value))?,
            }
        }
    }
    Ok(out
        .into_iter()
        .filter(|(_, props)| !props.is_empty())
        .map(|(name, props)| IfcPset {
            name,
            props: props
                .into_iter()
                .map(|(name, value)| IfcProp { name, value })
                .collect(),
        })
        .collect())
}

/// `Qto_` sets hold quantities (written as IfcElementQuantity).
pub fn is_quantity_set(name: &str) -> bool {
    name.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("qto_"))
}

/// A custom property typed by its JSON value.
pub fn typed_custom(value: &PropValue) -> IfcValue {
    IfcValue::Single(match value {
        PropValue::Bool(b) => Some(format!("IFCBOOLEAN({})", bool_literal(*b))),
        PropValue::Int(i) => Some(format!("IFCINTEGER({i})")),
        PropValue::Number(n) => step_string::real(n).map(|r| format!("IFCREAL({r})")),
        PropValue::Text(t) if t.chars().count() > MAX_LABEL => {
            Some(format!("IFCTEXT({})", step_string::string(t)))
        }
        PropValue::Text(t) => Some(format!("IFCLABEL({})", step_string::string(t))),
        PropValue::Null => None,
    })
}

fn bool_literal(b: bool) -> &'static str {
    if b {
        ".T."
    } else {
        ".F."
    }
}

fn describe(value: &PropValue) -> String {
    match value {
        PropValue::Bool(b) => b.to_string(),
        PropValue::Int(i) => i.to_string(),
        PropValue::Number(n) => n.clone(),
        PropValue::Text(t) => format!("{t:?}"),
        PropValue::Null => "null".into(),
    }
}

/// A value typed by its standard template; `Err((message, hint))` when it does not fit.
fn typed_standard(
    schema: IfcSchema,
    tp: &PropTemplate,
    value: &PropValue,
) -> Result<IfcValue, (String, String)> {
    if *value == PropValue::Null {
        return Ok(IfcValue::Single(None));
    }
    if tp.kind == PropKind::Enumerated {
        let Some((enumeration, items)) = tp.enumeration else {
            return Err((
                format!(
                    "{} has no enumeration in the {} template",
                    tp.name,
                    schema.name()
                ),
                "this is a gap in aecos's template table; please report it".into(),
            ));
        };
        let text = match value {
            PropValue::Text(t) => t.trim(),
            _ => "",
        };
        return match items.iter().find(|i| i.eq_ignore_ascii_case(text)) {
            Some(item) => Ok(IfcValue::Enumerated {
                item: item.to_string(),
                enumeration,
                items,
            }),
            None => Err((
                format!(
                    "{} is not one of the standard values of {}",
                    describe(value),
                    tp.name
                ),
                format!("use one of {} (any case)", items.join(", ")),
            )),
        };
    }
    let literal = base_literal(tp, value)?;
    let typed = format!("{}({literal})", tp.measure.to_ascii_uppercase());
    Ok(match tp.kind {
        PropKind::List => IfcValue::List(typed),
        _ => IfcValue::Single(Some(typed)),
    })
}

/// The STEP literal of `value` for the template's base type.
fn base_literal(tp: &PropTemplate, value: &PropValue) -> Result<String, (String, String)> {
    let wrong = |want: &str| {
        (
            format!(
                "{} is not {want}, as the standard {} ({}) requires",
                describe(value),
                tp.name,
                tp.measure
            ),
            format!("write {} as {want}", tp.name),
        )
    };
    match tp.base {
        Base::Bool | Base::Logical => match value {
            PropValue::Bool(b) => Ok(bool_literal(*b).to_string()),
            PropValue::Text(t) if t.eq_ignore_ascii_case("true") => Ok(".T.".into()),
            PropValue::Text(t) if t.eq_ignore_ascii_case("false") => Ok(".F.".into()),
            _ => Err(wrong("true or false")),
        },
        Base::Int => match value {
            PropValue::Int(i) => Ok(i.to_string()),
            PropValue::Number(n) => parse_json_number(n)
                .filter(|d| d.fract().is_zero())
                .map(|d| d.trunc().normalize().to_string())
                .ok_or_else(|| wrong("a whole number")),
            _ => Err(wrong("a whole number")),
        },
        Base::Real | Base::Number => {
            let text = match value {
                PropValue::Int(i) => i.to_string(),
                PropValue::Number(n) => n.clone(),
                _ => return Err(wrong("a number")),
            };
            let d = parse_json_number(&text).ok_or_else(|| wrong("a number"))?;
            if tp.measure.contains("NonNegative") && d.is_sign_negative() && !d.is_zero() {
                return Err(wrong("a number of 0 or more"));
            }
            if tp.measure.contains("Positive")
                && !tp.measure.contains("NonNegative")
                && (d.is_zero() || d.is_sign_negative())
            {
                return Err(wrong("a number above 0"));
            }
            step_string::real(&text).ok_or_else(|| wrong("a number"))
        }
        Base::Text => {
            let text = match value {
                PropValue::Text(t) => t.clone(),
                PropValue::Int(i) => i.to_string(),
                PropValue::Number(n) => n.clone(),
                _ => return Err(wrong("text")),
            };
            if text.chars().count() > MAX_LABEL && tp.measure != "IfcText" {
                return Err((
                    format!(
                        "{} is longer than the {MAX_LABEL} characters {} allows",
                        tp.name, tp.measure
                    ),
                    "shorten the value".into(),
                ));
            }
            Ok(step_string::string(&text))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn psets(entries: &[(&str, &str, PropValue)]) -> BTreeMap<String, BTreeMap<String, PropValue>> {
        let mut m: BTreeMap<String, BTreeMap<String, PropValue>> = BTreeMap::new();
        for (s, p, v) in entries {
            m.entry(s.to_string())
                .or_default()
                .insert(p.to_string(), v.clone());
        }
        m
    }

    fn find<'a>(sets: &'a [IfcPset], set: &str, prop: &str) -> Option<&'a IfcValue> {
        sets.iter()
            .find(|s| s.name == set)?
            .props
            .iter()
            .find(|p| p.name == prop)
            .map(|p| &p.value)
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for schema in IfcSchema::ALL {
            let t = templates(schema);
            assert!(
                t.windows(2).all(|w| w[0].name < w[1].name),
                "{}",
                schema.name()
            );
            assert!(template(schema, "Pset_WallCommon").is_some());
        }
        assert!(template(IfcSchema::Ifc2x3, "Pset_FootingCommon").is_none());
        assert!(template(IfcSchema::Ifc4, "Pset_FootingCommon").is_some());
    }

    #[test]
    fn standard_properties_are_typed_by_the_template() {
        let p = psets(&[
            ("Pset_WallCommon", "IsExternal", PropValue::Bool(true)),
            (
                "Pset_WallCommon",
                "Reference",
                PropValue::Text("W-1".into()),
            ),
            (
                "Pset_WallCommon",
                "FireRating",
                PropValue::Text("2H".into()),
            ),
            (
                "Pset_WallCommon",
                "ThermalTransmittance",
                PropValue::Number("0.35".into()),
            ),
            ("Pset_WallCommon", "Status", PropValue::Text("New".into())),
        ]);
        let s = type_psets(IfcSchema::Ifc4, &p).unwrap();
        assert_eq!(s.len(), 1);
        let v = |prop| find(&s, "Pset_WallCommon", prop).unwrap().clone();
        assert_eq!(
            v("IsExternal"),
            IfcValue::Single(Some("IFCBOOLEAN(.T.)".into()))
        );
        assert_eq!(
            v("Reference"),
            IfcValue::Single(Some("IFCIDENTIFIER('W-1')".into()))
        );
        assert_eq!(
            v("FireRating"),
            IfcValue::Single(Some("IFCLABEL('2H')".into()))
        );
        assert_eq!(
            v("ThermalTransmittance"),
            IfcValue::Single(Some("IFCTHERMALTRANSMITTANCEMEASURE(0.35)".into()))
        );
        match v("Status") {
            IfcValue::Enumerated {
                item, enumeration, ..
            } => {
                assert_eq!(item, "NEW");
                assert_eq!(enumeration, "PEnum_ElementStatus");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ifc2x3_moves_status_to_a_custom_set() {
        let p = psets(&[
            ("Pset_WallCommon", "IsExternal", PropValue::Bool(false)),
            ("Pset_WallCommon", "Status", PropValue::Text("New".into())),
            ("Pset_FootingCommon", "LoadBearing", PropValue::Bool(true)),
        ]);
        let s = type_psets(IfcSchema::Ifc2x3, &p).unwrap();
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["AECOS_FootingCommon", "AECOS_WallCommon", "Pset_WallCommon"]
        );
        assert_eq!(
            find(&s, "AECOS_WallCommon", "Status"),
            Some(&IfcValue::Single(Some("IFCLABEL('New')".into())))
        );
        assert!(find(&s, "Pset_WallCommon", "Status").is_none());
    }

    #[test]
    fn custom_sets_keep_their_names_and_json_types() {
        let p = psets(&[
            ("Dimensions", "width_mm", PropValue::Int(914)),
            (
                "Dimensions",
                "height_mm",
                PropValue::Number("2134.0".into()),
            ),
            ("Dimensions", "note", PropValue::Text("x".repeat(300))),
            ("Dimensions", "flag", PropValue::Bool(false)),
            ("Dimensions", "gone", PropValue::Null),
            ("pset_lowercase", "a", PropValue::Int(1)),
            (
                "Qto_WallBaseQuantities",
                "Length",
                PropValue::Number("6.0".into()),
            ),
        ]);
        let s = type_psets(IfcSchema::Ifc4, &p).unwrap();
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["AECOS_lowercase", "Dimensions"]);
        assert_eq!(
            find(&s, "Dimensions", "width_mm"),
            Some(&IfcValue::Single(Some("IFCINTEGER(914)".into())))
        );
        assert_eq!(
            find(&s, "Dimensions", "height_mm"),
            Some(&IfcValue::Single(Some("IFCREAL(2134.0)".into())))
        );
        assert!(
            matches!(find(&s, "Dimensions", "note"), Some(IfcValue::Single(Some(t))) if t.starts_with("IFCTEXT("))
        );
        assert_eq!(
            find(&s, "Dimensions", "gone"),
            Some(&IfcValue::Single(None))
        );
    }

    #[test]
    fn wrong_values_for_standard_properties_are_errors() {
        for (prop, value, want) in [
            (
                "IsExternal",
                PropValue::Text("yes please".into()),
                "true or false",
            ),
            (
                "ThermalTransmittance",
                PropValue::Text("low".into()),
                "a number",
            ),
            (
                "Status",
                PropValue::Text("Installed".into()),
                "standard values",
            ),
        ] {
            let p = psets(&[("Pset_WallCommon", prop, value)]);
            let e = type_psets(IfcSchema::Ifc4, &p).unwrap_err();
            assert_eq!(e.prop, prop);
            assert!(e.message.contains(want), "{}", e.message);
        }
        let p = psets(&[("Pset_StairCommon", "RiserHeight", PropValue::Int(0))]);
        let e = type_psets(IfcSchema::Ifc4, &p).unwrap_err();
        assert!(e.message.contains("above 0"), "{}", e.message);
    }

    #[test]
    fn collision_between_moved_and_existing_custom_property_is_an_error() {
        let p = psets(&[
            ("Pset_WallCommon", "Status", PropValue::Text("New".into())),
            ("AECOS_WallCommon", "Status", PropValue::Text("Old".into())),
        ]);
        let e = type_psets(IfcSchema::Ifc2x3, &p).unwrap_err();
        assert_eq!(e.prop, "Status");
    }

    #[test]
    fn list_and_count_values() {
        let p = psets(&[
            (
                "Pset_PipeSegmentTypeCommon",
                "NominalDiameter",
                PropValue::Number("0.076".into()),
            ),
            ("Pset_StairCommon", "NumberOfRiser", PropValue::Int(18)),
        ]);
        let s = type_psets(IfcSchema::Ifc2x3, &p).unwrap();
        assert_eq!(
            find(&s, "Pset_PipeSegmentTypeCommon", "NominalDiameter"),
            Some(&IfcValue::List("IFCPOSITIVELENGTHMEASURE(0.076)".into()))
        );
        assert_eq!(
            find(&s, "Pset_StairCommon", "NumberOfRiser"),
            Some(&IfcValue::Single(Some("IFCCOUNTMEASURE(18.)".into())))
        );
    }
}
