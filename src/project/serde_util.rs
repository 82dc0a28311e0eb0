//! Strict serde helpers for record files: amounts as decimal strings, ISO dates, and JSON
//! loading that turns every problem into a `DataError` naming the file, line and field.
//!
//! Must not accept floats for money: a JSON number with a fraction is refused, because
//! it may already have lost precision in whoever wrote it.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::error::DataError;

/// A decimal amount or rate read from a record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Amount(pub Decimal);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal amount as a string, like \"1234.56\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Amount, E> {
                parse_decimal_strict(s).map(Amount).ok_or_else(|| {
                    E::custom(format!(
                        "{s:?} is not a decimal amount; write digits with an optional sign and point, like \"-1234.56\""
                    ))
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                Err(E::custom(format!(
                    "the number {v} has a fraction; write amounts as strings (\"12.50\") so no precision is lost"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

/// `-?digits(.digits)?` and nothing else.
pub fn parse_decimal_strict(s: &str) -> Option<Decimal> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let mut parts = body.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let ok_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !ok_digits(int) || frac.is_some_and(|f| !ok_digits(f)) || body.len() > 40 {
        return None;
    }
    Decimal::from_str(s).ok()
}

/// A calendar date written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IsoDate(pub Date);

const ISO: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub fn parse_iso_date(s: &str) -> Option<Date> {
    if s.len() != 10 || !s.as_bytes()[0].is_ascii_digit() {
        return None; // no signed or six-digit years
    }
    Date::parse(s, ISO).ok()
}

pub fn format_iso_date(d: Date) -> String {
    d.format(ISO).unwrap_or_default()
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_iso_date(&s)
            .map(IsoDate)
            .ok_or_else(|| de::Error::custom(format!("{s:?} is not a date; write YYYY-MM-DD")))
    }
}

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_iso_date(self.0))
    }
}

/// Reads and parses a JSON record file; errors name the file, line, column and field path.
pub fn load_json<T: DeserializeOwned>(path: &Path, hint: &str) -> Result<T, DataError> {
    let bytes = std::fs::read(path).map_err(|e| {
        DataError::new(
            path,
            format!("cannot read the file: {e}"),
            "check the path and permissions",
        )
    })?;
    parse_json(path, &bytes, hint)
}

/// Parses JSON bytes as `T` (see `load_json`).
pub fn parse_json<T: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    hint: &str,
) -> Result<T, DataError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => Err(DataError::new(path, e.to_string(), hint).at(e.line(), e.column())),
        },
        Err(e) => {
            let field = e.path().to_string();
            let inner = e.into_inner();
            let mut err =
                DataError::new(path, inner.to_string(), hint).at(inner.line(), inner.column());
            if field != "." && !field.is_empty() {
                err = err.field(field);
            }
            Err(err)
        }
    }
}

/// The 1-based line where the value at `path` (as `serde_path_to_error` writes paths:
/// `lines[2].cost_code`) starts in JSON `text`, for errors found after parsing.
pub fn json_path_line(text: &str, path: &str) -> Option<usize> {
    enum Frame {
        Obj(Option<String>),
        Arr(usize),
    }
    fn here(stack: &[Frame]) -> Option<String> {
        let mut s = String::new();
        for f in stack {
            match f {
                Frame::Obj(Some(k)) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Frame::Obj(None) => return None,
                Frame::Arr(n) => s.push_str(&format!("[{n}]")),
            }
        }
        Some(s)
    }
    let b = text.as_bytes();
    let (mut i, mut line) = (0, 1);
    let mut stack: Vec<Frame> = Vec::new();
    let mut expect_key = false;
    while i < b.len() {
        let c = b[i];
        let structural = matches!(c, b'}' | b']' | b',' | b':' | b'\n' | b' ' | b'\t' | b'\r');
        let is_value = !(structural || c == b'"' && expect_key);
        if is_value && !stack.is_empty() && here(&stack).as_deref() == Some(path) {
            return Some(line);
        }
        match c {
            b'\n' => line += 1,
            b'{' => {
                stack.push(Frame::Obj(None));
                expect_key = true;
            }
            b'[' => stack.push(Frame::Arr(0)),
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Arr(n)) => *n += 1,
                Some(Frame::Obj(k)) => {
                    *k = None;
                    expect_key = true;
                }
                None => {}
            },
            b':' => expect_key = false,
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if expect_key {
                    let key = text.get(start..i.min(b.len())).unwrap_or("").to_string();
                    if let Some(Frame::Obj(k)) = stack.last_mut() {
                        *k = Some(key);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct T {
        #[allow(dead_code)]
        amount: Amount,
        #[allow(dead_code)]
        date: IsoDate,
    }

    #[test]
    fn amounts_are_strings_or_integers_never_floats() {
        let p = Path::new("x.json");
        assert!(parse_json::<T>(p, br#"{"amount":"12.50","date":"2026-01-31"}"#, "").is_ok());
        assert!(parse_json::<T>(p, br#"{"amount":12,"date":"2026-01-31"}"#, "").is_ok());
        let e = parse_json::<T>(p, br#"{"amount":12.5,"date":"2026-01-31"}"#, "").unwrap_err();
        assert!(e.message.contains("fraction"), "{e}");
        assert_eq!(e.field.as_deref(), Some("amount"));
        let e =
            parse_json::<T>(p, b"{\"amount\":\"1,2\",\n\"date\":\"2026-01-31\"}", "").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e =
            parse_json::<T>(p, b"{\"amount\":\"1\",\n\"date\":\"31/01/2026\"}", "").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("date")));
        let e = parse_json::<T>(p, b"{\"amount\":\"1\",\"date\":\"2026-01-31\",\"x\":1}", "")
            .unwrap_err();
        assert!(e.message.contains("unknown field `x`"), "{e}");
        assert!(parse_json::<T>(
            p,
            b"{\"amount\":\"1\",\"date\":\"2026-01-31\"} trailing",
            ""
        )
        .is_err());
    }

    #[test]
    fn json_paths_are_found_on_their_line() {
        let text = "{\n  \"id\": \"SC-1\",\n  \"lines\": [\n    {\"line\": 1, \"code\": \"a\"},\n    {\n      \"line\": 2,\n      \"code\": \"b,\\\"}\"\n    }\n  ],\n  \"x\": {\"y\": [1, [2, 3]]}\n}\n";
        assert_eq!(json_path_line(text, "id"), Some(2));
        assert_eq!(json_path_line(text, "lines"), Some(3));
        assert_eq!(json_path_line(text, "lines[0].code"), Some(4));
        assert_eq!(json_path_line(text, "lines[1]"), Some(5));
        assert_eq!(json_path_line(text, "lines[1].line"), Some(6));
        assert_eq!(json_path_line(text, "lines[1].code"), Some(7));
        assert_eq!(json_path_line(text, "x.y[1][0]"), Some(10));
        assert_eq!(json_path_line(text, "nope"), None);
        assert_eq!(json_path_line("{\"a\": ", "a"), None);
    }

    #[test]
    fn dates_are_plain_iso() {
        assert!(parse_iso_date("2026-01-12").is_some());
        for bad in [
            "+2026-01-12",
            "-2026-01-12",
            "2026-1-12",
            "2026-02-30",
            "12/01/2026",
            "002026-01-12",
        ] {
            assert!(parse_iso_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn strict_decimal() {
        assert!(parse_decimal_strict("-12.5").is_some());
        for bad in ["", "1.", ".5", "1e3", "+1", "1,000", " 1"] {
            assert!(parse_decimal_strict(bad).is_none(), "{bad}");
        }
    }
}
