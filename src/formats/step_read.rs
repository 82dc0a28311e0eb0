//! ISO 10303-21 (STEP physical file) reader, as IFC uses it: the header
//! (FILE_DESCRIPTION, FILE_NAME, FILE_SCHEMA), every entity instance of the DATA
//! sections with its attribute values, comments, records over several lines, and ifcZIP.
//!
//! It reads only and knows no schema: `ifc_read` gives the instances meaning. It must never
//! panic on any input; malformed input is a [`StepError`] with the 1-based line and column.
//!
//! # How it reads
//! * The grammar is written with nom over bytes. Every instance is parsed in full (every
//!   value of every attribute is checked against the grammar, string escapes included),
//!   but nothing is allocated per value: a [`Value`] borrows from the input, a list keeps
//!   its span and is parsed again when iterated, and strings are decoded only when asked
//!   ([`StepStr::decode`]). What is kept per instance is its id, class and argument span
//!   ([`Instance`], 24 bytes), plus a dense id → instance index.
//! * The DATA section is cut into chunks at candidate record starts (a `#` after a line
//!   break) that are parsed in parallel with rayon. A chunk whose candidate start turned
//!   out to lie inside a string or comment (the previous chunk ended elsewhere) is parsed
//!   again from where the previous one really ended, so the result is always that of a
//!   sequential parse.
//! * Whitespace (space, tab, CR, LF) and `/* comments */` may stand between any two
//!   tokens. Keywords are case-insensitive for look-ups but kept as written.
//! * Strings: `''` is a quote, `\\` a backslash, `\S\c` is `c`+0x80 in ISO 8859-1 (the
//!   only code page `\PA\` may select; `\PB\`…`\PI\` are refused when followed by `\S\`),
//!   `\X\hh` one ISO 8859-1 character, `\X2\hhhh…\X0\` UTF-16 code units (surrogate pairs
//!   joined), `\X4\hhhhhhhh…\X0\` code points. Raw bytes ≥ 0x80 are accepted as UTF-8
//!   (as IfcOpenShell does), and so are line breaks inside a string, which are kept as
//!   IfcOpenShell keeps them. Any other backslash is an error.
//! * Instance ids must be unique and fit in 32 bits (IfcOpenShell's limit too).

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

use nom::IResult;
use rayon::prelude::*;

/// Why a STEP file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {message} (hint: {hint})", .path.display())]
pub struct StepError {
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in bytes).
    pub column: usize,
    pub message: String,
    pub hint: &'static str,
}

const HINT_SYNTAX: &str =
    "the file is not valid ISO 10303-21; export the model again from the authoring tool";
const HINT_ZIP: &str = "an ifcZIP must be a zip archive holding one .ifc file; unzip it and check";

impl StepError {
    fn at(path: &Path, bytes: &[u8], offset: usize, message: String, hint: &'static str) -> Self {
        let (line, column) = line_column(bytes, offset);
        StepError {
            path: path.to_path_buf(),
            line,
            column,
            message,
            hint,
        }
    }
}

impl From<StepError> for crate::error::DataError {
    fn from(e: StepError) -> Self {
        crate::error::DataError::new(&e.path, e.message, e.hint).at(e.line, e.column)
    }
}

/// 1-based line and column of a byte offset.
pub fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

// ---------------------------------------------------------------------------------------
// Values

/// ASCII text from the file (a number, enumeration, binary or keyword), checked by the
/// grammar and turned into `&str` only when asked (no UTF-8 check while parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ascii<'a>(&'a [u8]);

impl<'a> Ascii<'a> {
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
    /// The text (the grammar let only ASCII through, so this never loses anything).
    pub fn as_str(&self) -> &'a str {
        std::str::from_utf8(self.0).unwrap_or_default()
    }
}

impl PartialEq<&str> for Ascii<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// One attribute value, borrowing from the file's bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// `$`: unset.
    Null,
    /// `*`: derived in the subtype.
    Derived,
    /// An integer, as written (checked: optional sign and digits).
    Integer(Ascii<'a>),
    /// A real, as written (checked: sign, digits, `.`, digits, exponent).
    Real(Ascii<'a>),
    String(StepStr<'a>),
    /// `"…"` hexadecimal binary, without the quotes.
    Binary(Ascii<'a>),
    /// `.NAME.` without the dots (`.T.` and `.F.` are booleans, `.U.` unknown).
    Enum(Ascii<'a>),
    /// `#id`.
    Ref(u64),
    /// `(…)`.
    List(List<'a>),
    /// `TYPENAME(value)`: a value of a select type wrapped in its defined type.
    Typed(Ascii<'a>, List<'a>),
}

impl<'a> Value<'a> {
    /// An integer's value (None when it is not an integer or does not fit in i64).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(s) => s.as_str().parse().ok(),
            _ => None,
        }
    }
    /// A number's value (integers too).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Integer(s) | Value::Real(s) => s.as_str().parse().ok(),
            _ => None,
        }
    }
    pub fn as_ref_id(&self) -> Option<u64> {
        match self {
            Value::Ref(id) => Some(*id),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<List<'a>> {
        match self {
            Value::List(l) => Some(*l),
            _ => None,
        }
    }
    /// A string's decoded text.
    pub fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Value::String(s) => Some(s.decode()),
            _ => None,
        }
    }
    /// The value inside a typed value (`IFCLABEL('x')` → `'x'`).
    pub fn typed_inner(&self) -> Option<(&'a str, Value<'a>)> {
        match self {
            Value::Typed(name, inner) => inner.iter().next().map(|v| (name.as_str(), v)),
            _ => None,
        }
    }
}

/// A list's bytes between its parentheses; iterating parses its elements again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct List<'a> {
    inner: &'a [u8],
}

impl<'a> List<'a> {
    /// The elements in order.
    pub fn iter(&self) -> ListIter<'a> {
        ListIter {
            rest: self.inner,
            first: true,
        }
    }
    /// The element at `index`.
    pub fn get(&self, index: usize) -> Option<Value<'a>> {
        self.iter().nth(index)
    }
    pub fn len(&self) -> usize {
        self.iter().count()
    }
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// Iterator over a [`List`] (the list was checked when the file was read, so it cannot fail).
pub struct ListIter<'a> {
    rest: &'a [u8],
    first: bool,
}

impl<'a> Iterator for ListIter<'a> {
    type Item = Value<'a>;
    fn next(&mut self) -> Option<Value<'a>> {
        let (i, ()) = ws(self.rest).ok()?;
        let i = if self.first {
            i
        } else {
            let (i, _) = byte(b',', "`,`")(i).ok()?;
            ws(i).ok()?.0
        };
        if i.is_empty() {
            return None;
        }
        let (i, v) = parameter(i, 0).ok()?;
        self.first = false;
        self.rest = i;
        Some(v)
    }
}

/// A string as written between its quotes, escapes checked but not yet decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepStr<'a> {
    raw: &'a [u8],
}

impl<'a> StepStr<'a> {
    /// The bytes between the quotes, undecoded.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
    /// The text with every escape decoded (borrowed when there is nothing to decode).
    pub fn decode(&self) -> Cow<'a, str> {
        let plain = !self.raw.iter().any(|b| matches!(b, b'\'' | b'\\'));
        if plain {
            if let Ok(s) = std::str::from_utf8(self.raw) {
                return Cow::Borrowed(s);
            }
        }
        // The escapes were checked when the file was read; decoding cannot fail, but it
        // degrades to U+FFFD rather than panic should it meet something unexpected.
        Cow::Owned(
            decode_string(self.raw)
                .unwrap_or_else(|_| String::from_utf8_lossy(self.raw).into_owned()),
        )
    }
}

/// Decodes a string's raw bytes; `Err(offset, message)` on a bad escape.
fn decode_string(raw: &[u8]) -> Result<String, (usize, &'static str)> {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    let push_char = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    while i < raw.len() {
        match raw[i] {
            b'\'' => {
                // checked as `''` by the scanner
                out.push(b'\'');
                i += 2;
            }
            b'\\' => {
                let rest = &raw[i..];
                if rest.starts_with(b"\\\\") {
                    out.push(b'\\');
                    i += 2;
                } else if rest.starts_with(b"\\S\\") {
                    let c = *rest
                        .get(3)
                        .ok_or((i, "`\\S\\` needs a character after it"))?;
                    push_char(&mut out, char::from(c.wrapping_add(0x80)));
                    i += 4;
                } else if rest.len() >= 4 && rest.starts_with(b"\\P") && rest[3] == b'\\' {
                    if !(b'A'..=b'I').contains(&rest[2]) {
                        return Err((i, "code page escape must be `\\PA\\` to `\\PI\\`"));
                    }
                    if rest[2] != b'A' && memchr::memmem::find(&raw[i..], b"\\S\\").is_some() {
                        return Err((
                            i,
                            "only code page ISO 8859-1 (`\\PA\\`) is supported with `\\S\\`",
                        ));
                    }
                    i += 4;
                } else if rest.starts_with(b"\\X2\\") || rest.starts_with(b"\\X4\\") {
                    let width = if rest[2] == b'2' { 4 } else { 8 };
                    let end = memchr::memmem::find(&rest[4..], b"\\X0\\")
                        .ok_or((i, "`\\X2\\`/`\\X4\\` without its closing `\\X0\\`"))?;
                    let hex = &rest[4..4 + end];
                    if hex.is_empty() || hex.len() % width != 0 {
                        return Err((i, "`\\X2\\` needs groups of 4 hex digits, `\\X4\\` of 8"));
                    }
                    let units = hex.chunks(width).map(parse_hex);
                    if width == 4 {
                        let units: Vec<u16> = units
                            .map(|u| u.map(|v| v as u16))
                            .collect::<Option<_>>()
                            .ok_or((i, "bad hex digit in `\\X2\\`"))?;
                        for c in char::decode_utf16(units) {
                            push_char(
                                &mut out,
                                c.map_err(|_| (i, "unpaired UTF-16 surrogate in `\\X2\\`"))?,
                            );
                        }
                    } else {
                        for u in units {
                            let c = u
                                .and_then(char::from_u32)
                                .ok_or((i, "bad code point in `\\X4\\`"))?;
                            push_char(&mut out, c);
                        }
                    }
                    i += 4 + end + 4;
                } else if rest.starts_with(b"\\X\\") {
                    let v = rest
                        .get(3..5)
                        .and_then(parse_hex)
                        .ok_or((i, "`\\X\\` needs two hex digits"))?;
                    push_char(&mut out, char::from(v as u8));
                    i += 5;
                } else {
                    return Err((
                        i,
                        "a backslash must be doubled (`\\\\`) or start an escape (`\\S\\`, `\\X\\`, `\\X2\\`, `\\X4\\`, `\\P?\\`)",
                    ));
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| {
        (
            e.utf8_error().valid_up_to(),
            "the string is not valid UTF-8",
        )
    })
}

fn parse_hex(h: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(h).ok()?;
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

// ---------------------------------------------------------------------------------------
// Grammar

type In<'a> = &'a [u8];

/// A syntax error: where (the rest of the input) and what was expected.
#[derive(Debug)]
pub(crate) struct Syntax<'a> {
    at: In<'a>,
    expected: Cow<'static, str>,
}

impl<'a> nom::error::ParseError<In<'a>> for Syntax<'a> {
    fn from_error_kind(input: In<'a>, _kind: nom::error::ErrorKind) -> Self {
        Syntax {
            at: input,
            expected: Cow::Borrowed("valid STEP syntax"),
        }
    }
    fn append(_input: In<'a>, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, T> = IResult<In<'a>, T, Syntax<'a>>;

fn fail<'a, T>(at: In<'a>, expected: impl Into<Cow<'static, str>>) -> PResult<'a, T> {
    Err(nom::Err::Failure(Syntax {
        at,
        expected: expected.into(),
    }))
}

/// Lists nest no deeper than this (IFC needs 3); deeper input is refused, not recursed.
const MAX_DEPTH: usize = 32;

/// Skips whitespace and comments.
#[inline]
fn ws(mut i: In<'_>) -> PResult<'_, ()> {
    // most tokens follow each other directly
    if i.first().is_some_and(|c| *c > b' ' && *c != b'/') {
        return Ok((i, ()));
    }
    loop {
        match i.first() {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i = &i[1..],
            Some(b'/') if i.get(1) == Some(&b'*') => match memchr::memmem::find(&i[2..], b"*/") {
                Some(end) => i = &i[2 + end + 2..],
                None => return fail(i, "the end `*/` of this comment"),
            },
            _ => return Ok((i, ())),
        }
    }
}

/// Gives a nom parser's recoverable error the description of what was expected there
/// (and makes it final: the STEP grammar never needs to backtrack).
fn expect<'a, O>(
    what: impl Into<Cow<'static, str>> + Clone,
    mut p: impl FnMut(In<'a>) -> PResult<'a, O>,
) -> impl FnMut(In<'a>) -> PResult<'a, O> {
    move |i: In<'a>| {
        p(i).map_err(|e| match e {
            nom::Err::Error(_) => nom::Err::Failure(Syntax {
                at: i,
                expected: what.clone().into(),
            }),
            other => other,
        })
    }
}

/// One given byte.
fn byte<'a>(b: u8, what: &'static str) -> impl FnMut(In<'a>) -> PResult<'a, char> {
    expect(what, nom::character::complete::char(char::from(b)))
}

/// Bytes allowed after the first in a keyword or enumeration: `[A-Za-z0-9_]`.
const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_';
        c += 1;
    }
    t
};

#[inline]
fn word_len(i: In<'_>) -> usize {
    i.iter()
        .position(|c| !WORD[usize::from(*c)])
        .unwrap_or(i.len())
}

/// `[A-Za-z_!][A-Za-z0-9_]*`
#[inline]
fn keyword(i: In<'_>) -> PResult<'_, Ascii<'_>> {
    let bang = usize::from(i.first() == Some(&b'!'));
    let what = "a keyword (an entity or type name)";
    let (j, word) = expect(
        what,
        nom::bytes::complete::take_while1(|c: u8| WORD[usize::from(c)]),
    )(&i[bang..])?;
    if word[0].is_ascii_digit() {
        return fail(i, what);
    }
    Ok((j, Ascii(&i[..bang + word.len()])))
}

#[inline]
fn digits(i: In<'_>) -> usize {
    nom::character::complete::digit0::<_, Syntax<'_>>(i).map_or(0, |(_, d)| d.len())
}

/// `#123`, returning the id.
#[inline]
fn instance_name(i: In<'_>) -> PResult<'_, u64> {
    let (j, _) = byte(b'#', "`#` and an instance number")(i)?;
    let n = digits(j);
    if n == 0 {
        return fail(j, "the digits of an instance number after `#`");
    }
    let mut id: u64 = 0;
    for &d in &j[..n] {
        id = match id
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => v,
            None => return fail(i, "an instance number that fits in 64 bits"),
        };
    }
    Ok((&j[n..], id))
}

/// An integer or real.
#[inline]
fn number(i: In<'_>) -> PResult<'_, Value<'_>> {
    let mut n = usize::from(matches!(i.first(), Some(b'+' | b'-')));
    let int_digits = digits(&i[n..]);
    if int_digits == 0 {
        return fail(i, "digits");
    }
    n += int_digits;
    let mut real = false;
    if i.get(n) == Some(&b'.') {
        real = true;
        n += 1;
        n += digits(&i[n..]);
    }
    if matches!(i.get(n), Some(b'E' | b'e')) {
        real = true;
        n += 1;
        if matches!(i.get(n), Some(b'+' | b'-')) {
            n += 1;
        }
        let e = digits(&i[n..]);
        if e == 0 {
            return fail(&i[n..], "the digits of an exponent");
        }
        n += e;
    }
    let text = Ascii(&i[..n]);
    let v = if real {
        Value::Real(text)
    } else {
        Value::Integer(text)
    };
    Ok((&i[n..], v))
}

/// `'…'`, checking every escape.
fn string(i: In<'_>) -> PResult<'_, StepStr<'_>> {
    let body = &i[1..];
    let mut p = 0;
    let mut escapes = false;
    loop {
        match memchr::memchr2(b'\'', b'\\', &body[p..]) {
            None => return fail(i, "the closing `'` of this string"),
            Some(k) => {
                p += k;
                if body[p] == b'\\' {
                    escapes = true;
                    // `\\` is one backslash and `\S\` takes the next byte whatever it is
                    // (even `'`), so skip them whole; other escapes are checked below.
                    p += if body.get(p + 1) == Some(&b'\\') {
                        2
                    } else if body[p..].starts_with(b"\\S\\") && body.len() > p + 3 {
                        4
                    } else {
                        1
                    };
                } else if body.get(p + 1) == Some(&b'\'') {
                    p += 2;
                } else {
                    break;
                }
            }
        }
    }
    let raw = &body[..p];
    if escapes {
        if let Err((at, what)) = decode_string(raw) {
            return fail(&body[at..], what);
        }
    } else if !raw.is_ascii() {
        if let Err(e) = std::str::from_utf8(raw) {
            return fail(
                &body[e.valid_up_to()..],
                "UTF-8 text (non-ASCII must be escaped with `\\X2\\`)",
            );
        }
    }
    Ok((&body[p + 1..], StepStr { raw }))
}

/// `"0ABC…"`: a binary.
fn binary(i: In<'_>) -> PResult<'_, Ascii<'_>> {
    let body = &i[1..];
    let n = body
        .iter()
        .position(|c| !c.is_ascii_hexdigit())
        .unwrap_or(body.len());
    if body.get(n) != Some(&b'"') || n == 0 || !matches!(body[0], b'0'..=b'3') {
        return fail(i, "a binary: `\"`, a digit 0-3, hex digits and `\"`");
    }
    Ok((&body[n + 1..], Ascii(&body[..n])))
}

/// `.NAME.`
fn enumeration(i: In<'_>) -> PResult<'_, Ascii<'_>> {
    let body = &i[1..];
    let n = word_len(body);
    if n == 0 || body.get(n) != Some(&b'.') {
        return fail(i, "an enumeration `.NAME.`");
    }
    Ok((&body[n + 1..], Ascii(&body[..n])))
}

/// `( [param {, param}] )`, returning the span between the parentheses.
fn list(i: In<'_>, depth: usize) -> PResult<'_, List<'_>> {
    if depth >= MAX_DEPTH {
        return fail(i, format!("lists nested at most {MAX_DEPTH} deep"));
    }
    let (inner_start, _) = byte(b'(', "`(`")(i)?;
    let (mut j, ()) = ws(inner_start)?;
    if j.first() != Some(&b')') {
        loop {
            let (k, _) = parameter(j, depth + 1)?;
            let (k, ()) = ws(k)?;
            match k.first() {
                Some(b',') => j = ws(&k[1..])?.0,
                Some(b')') => {
                    j = k;
                    break;
                }
                _ => return fail(k, "`,` or `)`"),
            }
        }
    }
    let inner_len = inner_start.len() - j.len();
    Ok((
        &j[1..],
        List {
            inner: &inner_start[..inner_len],
        },
    ))
}

/// One parameter (value) of a record or list.
fn parameter(i: In<'_>, depth: usize) -> PResult<'_, Value<'_>> {
    match i.first() {
        Some(b'$') => Ok((&i[1..], Value::Null)),
        Some(b'*') => Ok((&i[1..], Value::Derived)),
        Some(b'#') => instance_name(i).map(|(j, id)| (j, Value::Ref(id))),
        Some(b'\'') => string(i).map(|(j, s)| (j, Value::String(s))),
        Some(b'"') => binary(i).map(|(j, s)| (j, Value::Binary(s))),
        Some(b'.') => enumeration(i).map(|(j, s)| (j, Value::Enum(s))),
        Some(b'(') => list(i, depth).map(|(j, l)| (j, Value::List(l))),
        Some(b'+' | b'-' | b'0'..=b'9') => number(i),
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' || *c == b'!' => {
            // a typed parameter holds exactly one value: NAME ( value )
            let (j, name) = keyword(i)?;
            let (j, ()) = ws(j)?;
            let (start, _) = byte(b'(', "`(` after a type name")(j)?;
            if depth >= MAX_DEPTH {
                return fail(j, format!("values nested at most {MAX_DEPTH} deep"));
            }
            let (k, ()) = ws(start)?;
            let (k, _) = parameter(k, depth + 1)?;
            let (k, ()) = ws(k)?;
            if k.first() != Some(&b')') {
                return fail(k, format!("`)`: exactly one value inside `{}(…)`", name.as_str()));
            }
            let inner = List {
                inner: &start[..start.len() - k.len()],
            };
            Ok((&k[1..], Value::Typed(name, inner)))
        }
        _ => fail(
            i,
            "a value: `$`, `*`, a number, a 'string', an .ENUM., a #reference, a (list) or TYPE(value)",
        ),
    }
}

/// `;` after optional whitespace.
#[inline]
fn semicolon(i: In<'_>) -> PResult<'_, ()> {
    nom::combinator::value((), nom::sequence::preceded(ws, byte(b';', "`;`")))(i)
}

/// A literal keyword such as `ENDSEC` (any case), after optional whitespace.
fn tag<'a>(i: In<'a>, t: &'static str) -> PResult<'a, ()> {
    let literal = expect(format!("`{t}`"), nom::bytes::complete::tag_no_case(t));
    nom::combinator::value((), nom::sequence::preceded(ws, literal))(i)
}

// ---------------------------------------------------------------------------------------
// Instances and the file

/// One entity instance: where its class name and arguments are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    /// Offset of the class name (of the `(` for a complex instance).
    class_start: u64,
    pub id: u32,
    /// 0 for a complex (multi-class) instance `#1=(A(…)B(…));`.
    class_len: u32,
    /// Bytes from `class_start` to the end of the arguments' `)`.
    len: u32,
}

/// The header's three entities.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Header {
    pub description: Vec<String>,
    pub implementation_level: String,
    pub name: String,
    pub time_stamp: String,
    pub author: Vec<String>,
    pub organization: Vec<String>,
    pub preprocessor_version: String,
    pub originating_system: String,
    pub authorization: String,
    /// FILE_SCHEMA's schema identifiers as written (`IFC4`, `IFC2X3`, …).
    pub schemas: Vec<String>,
}

/// A parsed STEP file, borrowing the bytes it was read from.
#[derive(Debug)]
pub struct StepFile<'a> {
    bytes: &'a [u8],
    pub header: Header,
    /// Instances in file order, in the parallel chunks they were read in.
    segments: Vec<Vec<Instance>>,
    /// First global position of each segment.
    segment_starts: Vec<usize>,
    index: IdIndex,
}

/// id → file position + 1: a dense table when the ids are compact (as exporters write
/// them), else sorted pairs, so that a few huge ids cannot make it allocate gigabytes.
#[derive(Debug)]
enum IdIndex {
    Dense(Vec<u32>),
    Sparse(Vec<(u32, u32)>),
}

impl IdIndex {
    fn get(&self, id: u64) -> Option<u32> {
        let id = u32::try_from(id).ok()?;
        let slot = match self {
            IdIndex::Dense(v) => *v.get(id as usize)?,
            IdIndex::Sparse(v) => v[v.binary_search_by_key(&id, |e| e.0).ok()?].1,
        };
        (slot != 0).then_some(slot)
    }
}

/// Refuses ids above this; a dense index over larger ids would waste memory.
const MAX_ID: u64 = u32::MAX as u64 - 1;

impl<'a> StepFile<'a> {
    /// The instances in file order, as the parallel chunks read them (concatenated, they
    /// are [`Self::instances`]).
    pub fn segments(&self) -> &[Vec<Instance>] {
        &self.segments
    }
    /// All instances in file order.
    pub fn instances(&self) -> impl Iterator<Item = &Instance> + '_ {
        self.segments.iter().flatten()
    }
    pub fn len(&self) -> usize {
        self.segments.iter().map(Vec::len).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The file position (0-based, in file order) of the instance with this id.
    pub fn position(&self, id: u64) -> Option<usize> {
        let pos = self.index.get(id)?;
        usize::try_from(pos - 1).ok()
    }
    /// The instance at a file position.
    pub fn at(&self, pos: usize) -> Option<&Instance> {
        let seg = self
            .segment_starts
            .partition_point(|s| *s <= pos)
            .checked_sub(1)?;
        self.segments.get(seg)?.get(pos - self.segment_starts[seg])
    }
    /// The instance with this id.
    pub fn get(&self, id: u64) -> Option<&Instance> {
        self.at(self.position(id)?)
    }
    /// The class name as written (upper case in IFC files); empty for a complex instance.
    pub fn class(&self, inst: &Instance) -> &'a str {
        self.class_ascii(inst).as_str()
    }
    /// [`Self::class`] without the conversion to `&str`.
    pub fn class_ascii(&self, inst: &Instance) -> Ascii<'a> {
        let start = inst.class_start as usize;
        Ascii(
            self.bytes
                .get(start..start + inst.class_len as usize)
                .unwrap_or(b""),
        )
    }
    /// The attribute values (for a complex instance: one `Typed` value per class).
    pub fn args(&self, inst: &Instance) -> List<'a> {
        let start = inst.class_start as usize;
        let end = start + inst.len as usize;
        let Some(span) = self.bytes.get(start + inst.class_len as usize..end) else {
            return List { inner: b"" };
        };
        // span is `ws ( … )`; it was checked when read.
        let inner = ws(span)
            .ok()
            .and_then(|(s, ())| s.get(1..s.len().saturating_sub(1)))
            .unwrap_or(b"");
        List { inner }
    }
    /// The parts of a complex instance: (class, arguments) per partial record.
    pub fn complex_parts(&self, inst: &Instance) -> Vec<(&'a str, List<'a>)> {
        if inst.class_len != 0 {
            return vec![(self.class(inst), self.args(inst))];
        }
        // `A(…) B(…)`: partial records without commas, checked when read.
        let mut parts = Vec::new();
        let mut rest = self.args(inst).inner;
        while let Ok((i, ())) = ws(rest) {
            let Ok((i, name)) = keyword(i) else { break };
            let Ok((i, args)) = ws(i).and_then(|(i, ())| list(i, 0)) else {
                break;
            };
            parts.push((name.as_str(), args));
            rest = i;
        }
        parts
    }
}

/// One entity instance record `#id = …;`, from `i` at its `#`.
fn record(i: In<'_>, base_len: usize) -> PResult<'_, (u64, Instance)> {
    let (j, id) = instance_name(i)?;
    let (j, ()) = ws(j)?;
    let (j, _) = byte(b'=', "`=` after the instance number")(j)?;
    let (j, ()) = ws(j)?;
    let class_at = j;
    let (j, class_len) = if j.first() == Some(&b'(') {
        // complex instance: ( NAME(…) NAME(…) … )
        let (mut k, _) = byte(b'(', "`(`")(j)?;
        let mut parts = 0;
        loop {
            let (k2, ()) = ws(k)?;
            if k2.first() == Some(&b')') {
                k = &k2[1..];
                break;
            }
            let (k3, name) = keyword(k2)?;
            let (k3, ()) = ws(k3)?;
            let (k3, _) = list(k3, 0).map_err(|e| {
                e.map(|s| Syntax {
                    expected: format!("{} in `{}`", s.expected, name.as_str()).into(),
                    ..s
                })
            })?;
            parts += 1;
            k = k3;
        }
        if parts == 0 {
            return fail(j, "at least one partial record in a complex instance");
        }
        (k, 0)
    } else {
        let (k, name) = keyword(j)?;
        let (k, ()) = ws(k)?;
        let (k, _) = list(k, 0)?;
        (k, name.as_bytes().len())
    };
    let len = class_at.len() - j.len();
    let (j, ()) = semicolon(j)?;
    if id > MAX_ID {
        return fail(i, format!("an instance number below {MAX_ID}"));
    }
    let Ok(len) = u32::try_from(len) else {
        return fail(i, "an instance shorter than 4 GiB");
    };
    Ok((
        j,
        (
            id,
            Instance {
                class_start: (base_len - class_at.len()) as u64,
                id: id as u32,
                class_len: class_len as u32,
                len,
            },
        ),
    ))
}

/// A header entity `NAME(args);` with the given name.
fn header_entity<'a>(i: In<'a>, name: &'static str) -> PResult<'a, List<'a>> {
    use nom::sequence::{delimited, preceded};
    delimited(|i| tag(i, name), preceded(ws, |i| list(i, 0)), semicolon)(i)
}

fn strings(v: Option<Value<'_>>) -> Vec<String> {
    match v {
        Some(Value::List(l)) => l
            .iter()
            .filter_map(|v| v.as_string().map(Cow::into_owned))
            .collect(),
        Some(Value::String(s)) => vec![s.decode().into_owned()],
        _ => Vec::new(),
    }
}

fn string_at(l: &List<'_>, k: usize) -> String {
    l.get(k)
        .and_then(|v| v.as_string())
        .map(Cow::into_owned)
        .unwrap_or_default()
}

/// `ISO-10303-21; HEADER; …; ENDSEC;` up to the first `DATA`.
fn header(i: In<'_>) -> PResult<'_, Header> {
    let (i, ()) = tag(i, "ISO-10303-21")?;
    let (i, ()) = semicolon(i)?;
    let (i, ()) = tag(i, "HEADER")?;
    let (i, ()) = semicolon(i)?;
    let (i, d) = header_entity(i, "FILE_DESCRIPTION")?;
    let (i, n) = header_entity(i, "FILE_NAME")?;
    let (mut i, s) = header_entity(i, "FILE_SCHEMA")?;
    // optional further header entities (e.g. FILE_POPULATION), then ENDSEC
    loop {
        if let Ok((j, ())) = tag(i, "ENDSEC") {
            i = semicolon(j)?.0;
            break;
        }
        let (j, ()) = ws(i)?;
        let (j, _) = keyword(j)?;
        let (j, ()) = ws(j)?;
        let (j, _) = list(j, 0)?;
        i = semicolon(j)?.0;
    }
    let h = Header {
        description: strings(d.get(0)),
        implementation_level: string_at(&d, 1),
        name: string_at(&n, 0),
        time_stamp: string_at(&n, 1),
        author: strings(n.get(2)),
        organization: strings(n.get(3)),
        preprocessor_version: string_at(&n, 4),
        originating_system: string_at(&n, 5),
        authorization: string_at(&n, 6),
        schemas: strings(s.get(0)),
    };
    Ok((i, h))
}

/// `DATA [(…)];`
fn data_start(i: In<'_>) -> PResult<'_, ()> {
    let (i, ()) = tag(i, "DATA")?;
    let (i, ()) = ws(i)?;
    let i = if i.first() == Some(&b'(') {
        list(i, 0)?.0
    } else {
        i
    };
    semicolon(i)
}

/// What parsing one chunk of a DATA section gave.
struct Chunk<'a> {
    start: usize,
    instances: Vec<Instance>,
    /// Where parsing stopped: the first record at or after the limit, or `ENDSEC`.
    end: usize,
    /// `ENDSEC` reached at `end`.
    endsec: bool,
    error: Option<Syntax<'a>>,
}

/// Parses records from `start` while they start before `limit` (or until ENDSEC).
fn parse_chunk(bytes: &[u8], start: usize, limit: usize) -> Chunk<'_> {
    let mut instances = Vec::with_capacity(limit.min(bytes.len()).saturating_sub(start) / 64 + 1);
    let mut i = &bytes[start..];
    let base = bytes.len();
    let chunk = |instances: Vec<Instance>, end: usize, endsec, error| Chunk {
        start,
        instances,
        end,
        endsec,
        error,
    };
    loop {
        let j = match ws(i) {
            Ok((j, ())) => j,
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                return chunk(instances, base - i.len(), false, Some(e))
            }
            Err(nom::Err::Incomplete(_)) => return chunk(instances, base - i.len(), false, None),
        };
        let pos = base - j.len();
        if j.first() != Some(&b'#') {
            let endsec = j.len() >= 6 && j[..6].eq_ignore_ascii_case(b"ENDSEC");
            let error = (!endsec).then_some(Syntax {
                at: j,
                expected: Cow::Borrowed("an instance `#id=…;` or `ENDSEC;`"),
            });
            return chunk(instances, pos, endsec, error);
        }
        if pos >= limit {
            return chunk(instances, pos, false, None);
        }
        match record(j, base) {
            Ok((k, (_, inst))) => {
                instances.push(inst);
                i = k;
            }
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                return chunk(instances, pos, false, Some(e))
            }
            Err(nom::Err::Incomplete(_)) => return chunk(instances, pos, false, None),
        }
    }
}

/// Candidate record starts: a `#` right after a line break, near every `step` bytes.
fn chunk_starts(bytes: &[u8], from: usize, step: usize) -> Vec<usize> {
    let mut starts = vec![from];
    let mut p = from + step;
    while p < bytes.len() {
        match memchr::memmem::find(&bytes[p..], b"\n#") {
            Some(k) => {
                starts.push(p + k + 1);
                p = p + k + 1 + step;
            }
            None => break,
        }
    }
    starts
}

/// Chunk size for the parallel parse.
const CHUNK: usize = 4 << 20;

/// Parses a STEP file's bytes. `path` is only used in errors.
pub fn parse<'a>(path: &Path, bytes: &'a [u8]) -> Result<StepFile<'a>, StepError> {
    parse_chunked(path, bytes, CHUNK)
}

/// [`parse`] with DATA chunks of about `chunk` bytes.
fn parse_chunked<'a>(
    path: &Path,
    bytes: &'a [u8],
    chunk: usize,
) -> Result<StepFile<'a>, StepError> {
    let syntax_error = |e: Syntax<'_>| {
        let offset = bytes.len() - e.at.len();
        StepError::at(
            path,
            bytes,
            offset,
            format!("expected {}", e.expected),
            HINT_SYNTAX,
        )
    };
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (mut rest, header) = match header(body) {
        Ok(r) => r,
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(syntax_error(e)),
        Err(nom::Err::Incomplete(_)) => {
            return Err(StepError::at(
                path,
                bytes,
                bytes.len(),
                "unexpected end of file".into(),
                HINT_SYNTAX,
            ))
        }
    };
    let mut segments: Vec<Vec<Instance>> = Vec::new();
    // One or more DATA sections, then END-ISO-10303-21;
    loop {
        if let Ok((j, ())) = tag(rest, "END-ISO-10303-21") {
            let (j, ()) = semicolon(j).map_err(|e| match e {
                nom::Err::Error(s) | nom::Err::Failure(s) => syntax_error(s),
                nom::Err::Incomplete(_) => syntax_error(Syntax {
                    at: j,
                    expected: "`;`".into(),
                }),
            })?;
            let _ = j; // anything after the end is ignored, as other readers do
            break;
        }
        let after = match data_start(rest) {
            Ok((j, ())) => j,
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                return Err(syntax_error(Syntax {
                    expected: "`DATA;` or `END-ISO-10303-21;`".into(),
                    ..e
                }))
            }
            Err(nom::Err::Incomplete(_)) => {
                return Err(StepError::at(
                    path,
                    bytes,
                    bytes.len(),
                    "unexpected end of file".into(),
                    HINT_SYNTAX,
                ))
            }
        };
        let from = bytes.len() - after.len();
        let starts = chunk_starts(bytes, from, chunk);
        let limits: Vec<usize> = starts.iter().skip(1).copied().chain([usize::MAX]).collect();
        let chunks: Vec<Chunk<'_>> = starts
            .par_iter()
            .zip(limits.par_iter())
            .map(|(&s, &l)| parse_chunk(bytes, s, l))
            .collect();
        // Stitch: accept a chunk only where the previous one really ended.
        let mut expected = from;
        let mut end = None;
        for (k, c) in chunks.into_iter().enumerate() {
            let c = if c.start == expected {
                c
            } else if expected < limits[k] {
                parse_chunk(bytes, expected, limits[k])
            } else {
                continue;
            };
            if let Some(e) = c.error {
                return Err(syntax_error(e));
            }
            expected = c.end;
            if !c.instances.is_empty() {
                let mut v = c.instances;
                v.shrink_to_fit();
                segments.push(v);
            }
            if c.endsec {
                end = Some(c.end);
                break;
            }
        }
        let Some(endsec_at) = end else {
            return Err(StepError::at(
                path,
                bytes,
                bytes.len(),
                "the DATA section has no `ENDSEC;`: the file is truncated".into(),
                HINT_SYNTAX,
            ));
        };
        rest = match tag(&bytes[endsec_at..], "ENDSEC").and_then(|(j, ())| semicolon(j)) {
            Ok((j, ())) => j,
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(syntax_error(e)),
            Err(nom::Err::Incomplete(_)) => {
                return Err(StepError::at(
                    path,
                    bytes,
                    bytes.len(),
                    "unexpected end of file".into(),
                    HINT_SYNTAX,
                ))
            }
        };
    }
    build_index(path, bytes, header, segments)
}

/// Builds the id index, refusing duplicate ids.
fn build_index<'a>(
    path: &Path,
    bytes: &'a [u8],
    header: Header,
    segments: Vec<Vec<Instance>>,
) -> Result<StepFile<'a>, StepError> {
    let count: usize = segments.iter().map(Vec::len).sum();
    let max_id = segments
        .iter()
        .flat_map(|s| s.iter().map(|i| i.id))
        .max()
        .unwrap_or(0) as usize;
    let duplicate = |inst: &Instance| {
        StepError::at(
            path,
            bytes,
            inst.class_start as usize,
            format!("instance #{} is defined twice", inst.id),
            "instance numbers must be unique; the exporting tool wrote a broken file",
        )
    };
    if u32::try_from(count).is_err() {
        return Err(StepError::at(
            path,
            bytes,
            0,
            "more than 4 billion instances".into(),
            HINT_SYNTAX,
        ));
    }
    let mut segment_starts = Vec::with_capacity(segments.len());
    let mut pos: u32 = 0;
    let dense = max_id <= 4 * count + (1 << 20);
    let index = if dense {
        let mut table = vec![0u32; max_id + 1];
        for seg in &segments {
            segment_starts.push(pos as usize);
            for inst in seg {
                pos += 1;
                let slot = &mut table[inst.id as usize];
                if *slot != 0 {
                    return Err(duplicate(inst));
                }
                *slot = pos;
            }
        }
        IdIndex::Dense(table)
    } else {
        let mut pairs = Vec::with_capacity(count);
        for seg in &segments {
            segment_starts.push(pos as usize);
            for inst in seg {
                pos += 1;
                pairs.push((inst.id, pos));
            }
        }
        pairs.sort_unstable();
        if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
            // report the later definition
            let later = (w[1].1 - 1) as usize;
            let seg = segment_starts.partition_point(|s| *s <= later) - 1;
            return Err(duplicate(&segments[seg][later - segment_starts[seg]]));
        }
        IdIndex::Sparse(pairs)
    };
    Ok(StepFile {
        bytes,
        header,
        segments,
        segment_starts,
        index,
    })
}

// ---------------------------------------------------------------------------------------
// ifcZIP

/// An ifcZIP may unpack to at most this many bytes (a guard against zip bombs).
pub const MAX_UNZIPPED: u64 = 8 << 30;

/// Whether `bytes` is a zip archive (ifcZIP).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The STEP text of a file's bytes: the bytes themselves, or for an ifcZIP the `.ifc`
/// inside it (at most [`MAX_UNZIPPED`] bytes).
pub fn step_bytes(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, StepError> {
    if is_zip(&bytes) {
        unzip_ifc(path, &bytes, MAX_UNZIPPED)
    } else {
        Ok(bytes)
    }
}

/// The `.ifc` file inside an ifcZIP, unpacked (at most `cap` bytes).
pub fn unzip_ifc(path: &Path, bytes: &[u8], cap: u64) -> Result<Vec<u8>, StepError> {
    let zip_err = |message: String| StepError {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        message,
        hint: HINT_ZIP,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| zip_err(format!("not a readable zip archive: {e}")))?;
    let names: Vec<String> = archive
        .file_names()
        .filter(|n| n.to_ascii_lowercase().ends_with(".ifc"))
        .map(str::to_string)
        .collect();
    let name = match names.as_slice() {
        [one] => one.clone(),
        [] => return Err(zip_err("the archive holds no .ifc file".into())),
        many => {
            return Err(zip_err(format!(
                "the archive holds {} .ifc files ({}); an ifcZIP holds one",
                many.len(),
                many.join(", ")
            )))
        }
    };
    let entry = archive
        .by_name(&name)
        .map_err(|e| zip_err(format!("cannot read {name} in the archive: {e}")))?;
    if entry.size() > cap {
        return Err(zip_err(format!(
            "{name} unpacks to {} bytes, more than the {cap} allowed",
            entry.size()
        )));
    }
    // The declared size may lie: reserve at most 256 MiB up front, let the rest grow.
    let reserve = entry.size().min(256 << 20);
    let mut out = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    entry
        .take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| zip_err(format!("cannot unpack {name}: {e}")))?;
    if out.len() as u64 > cap {
        return Err(zip_err(format!(
            "{name} unpacks to more than the {cap} bytes allowed"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Value<'_> {
        parameter(s.as_bytes(), 0).expect("parses").1
    }

    fn wrap(data: &str) -> String {
        format!(
            "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [CoordinationView]'),'2;1');\n\
             FILE_NAME('a.ifc','2024-01-01T00:00:00',('Me'),('Org'),'pre','sys','');\n\
             FILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n{data}\nENDSEC;\nEND-ISO-10303-21;\n"
        )
    }

    fn err(text: &str) -> StepError {
        parse(Path::new("t.ifc"), text.as_bytes()).expect_err("must fail")
    }

    #[test]
    fn simple_values() {
        assert_eq!(p("$"), Value::Null);
        assert_eq!(p("*"), Value::Derived);
        assert_eq!(p("#12"), Value::Ref(12));
        assert_eq!(p("-42").as_i64(), Some(-42));
        assert_eq!(p("+7"), Value::Integer(Ascii(b"+7")));
        assert_eq!(p("1.5E-3").as_f64(), Some(0.0015));
        assert_eq!(p("0."), Value::Real(Ascii(b"0.")));
        assert_eq!(p("2E3"), Value::Real(Ascii(b"2E3")));
        assert_eq!(p(".T."), Value::Enum(Ascii(b"T")));
        assert_eq!(p(".NOTDEFINED."), Value::Enum(Ascii(b"NOTDEFINED")));
        assert_eq!(p("\"0FF\""), Value::Binary(Ascii(b"0FF")));
    }

    #[test]
    fn lists_and_typed_values() {
        let l = p("( 1 , (2.,#3) ,$,'x')").as_list().expect("list");
        let items: Vec<Value<'_>> = l.iter().collect();
        assert_eq!(items.len(), 4);
        assert_eq!(items[1].as_list().map(|l| l.len()), Some(2));
        assert_eq!(p("()").as_list().map(|l| l.len()), Some(0));
        let (name, inner) = p("IFCLABEL('Wall')").typed_inner().expect("typed");
        assert_eq!(name, "IFCLABEL");
        assert_eq!(inner.as_string().as_deref(), Some("Wall"));
        let (_, inner) = p("IFCBOOLEAN(.T.)").typed_inner().expect("typed");
        assert_eq!(inner, Value::Enum(Ascii(b"T")));
        assert!(parameter(b"IFCLABEL('a','b')", 0).is_err());
        assert!(parameter(b"IFCLABEL()", 0).is_err());
        assert!(parameter(b"(1,,2)", 0).is_err());
        assert!(parameter(b"(1 2)", 0).is_err());
        let deep = "(".repeat(100) + &")".repeat(100);
        assert!(parameter(deep.as_bytes(), 0).is_err());
    }

    #[test]
    fn comments_and_whitespace_between_tokens() {
        let l = p("( /* a */ 1 /* b,c */ ,\r\n 2 )")
            .as_list()
            .expect("list");
        assert_eq!(
            l.iter().filter_map(|v| v.as_i64()).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(parameter(b"( /* open 1)", 0).is_err());
    }

    fn s(text: &str) -> String {
        p(text).as_string().expect("string").into_owned()
    }

    #[test]
    fn string_escapes() {
        assert_eq!(s("'plain'"), "plain");
        assert_eq!(s("'it''s'"), "it's");
        assert_eq!(s("'a\\\\b'"), "a\\b");
        assert_eq!(s("'end\\\\'"), "end\\");
        assert_eq!(s("'W\\X2\\00E4\\X0\\nd'"), "Wänd");
        assert_eq!(s("'\\X2\\D83DDE00\\X0\\'"), "😀");
        assert_eq!(s("'\\X4\\0001F600\\X0\\'"), "😀");
        assert_eq!(s("'\\X\\C4pfel'"), "Äpfel");
        assert_eq!(s("'\\S\\Dber'"), "Äber");
        assert_eq!(s("'\\PA\\\\S\\D'"), "Ä");
        assert_eq!(s("'x\\S\\''"), "x§");
        assert_eq!(s("'raw ä'"), "raw ä");
        assert_eq!(s("'line\r\nbreak'"), "line\r\nbreak");
        assert_eq!(s("'a;b'"), "a;b");
        // borrowed when nothing to decode
        assert!(matches!(p("'abc'").as_string(), Some(Cow::Borrowed("abc"))));
    }

    #[test]
    fn bad_strings_fail() {
        for bad in [
            "'\\X2\\00E\\X0\\'",
            "'\\X2\\00E4'",
            "'\\X2\\D83D\\X0\\'",
            "'\\X\\G0'",
            "'\\Q'",
            "'\\PB\\\\S\\D'",
            "'open",
            "'\\X4\\00110000\\X0\\'",
        ] {
            assert!(parameter(bad.as_bytes(), 0).is_err(), "{bad}");
        }
        assert!(parameter(b"'\xFF'", 0).is_err());
    }

    #[test]
    fn file_header_and_instances() {
        let text = wrap(
            "#1=IFCPROJECT('0l2$dGqjjDLgLWHuUIogGF',$,'Demo',$,$,$,$,(#10),#5);\n\
             /* a comment */\n#5 = IFCWALL ('x',\n $, 'multi\nline');\n#7=(A(1)B('x'));",
        );
        let f = parse(Path::new("t.ifc"), text.as_bytes()).expect("parses");
        assert_eq!(f.header.schemas, vec!["IFC4"]);
        assert_eq!(f.header.name, "a.ifc");
        assert_eq!(f.header.author, vec!["Me"]);
        assert_eq!(f.header.implementation_level, "2;1");
        assert_eq!(f.len(), 3);
        let wall = f.get(5).expect("#5");
        assert_eq!(f.class(wall), "IFCWALL");
        let args: Vec<_> = f.args(wall).iter().collect();
        assert_eq!(args.len(), 3);
        assert_eq!(args[2].as_string().as_deref(), Some("multi\nline"));
        let proj = f.get(1).expect("#1");
        assert_eq!(
            f.args(proj)
                .get(7)
                .and_then(|v| v.as_list())
                .map(|l| l.len()),
            Some(1)
        );
        let cx = f.get(7).expect("#7");
        let parts = f.complex_parts(cx);
        assert_eq!(
            parts.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec!["A", "B"]
        );
        assert!(f.get(2).is_none());
        assert!(f.get(99).is_none());
    }

    #[test]
    fn errors_have_line_and_column() {
        let e = err(&wrap("#1=IFCWALL('x',$);\n#2=IFCWALL('x' $);"));
        assert_eq!((e.line, e.column), (9, 16), "{e}");
        assert!(e.message.contains("`,` or `)`"), "{e}");
        let e = err(&wrap("#1=IFCWALL('x');\n#1=IFCWALL('y');"));
        assert_eq!(e.line, 9);
        assert!(e.message.contains("twice"));
        let e = err(&wrap("#1=IFCWALL('x')"));
        assert!(e.message.contains("`;`"), "{e}");
        let e = err("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\n");
        assert_eq!(e.line, 4, "{e}");
        let truncated = wrap("#1=IFCWALL('x');");
        let cut = &truncated[..truncated.find("ENDSEC;\nEND").expect("end")];
        let e = err(cut);
        assert!(e.message.contains("ENDSEC"), "{e}");
        let e = err(&wrap("#99999999999=IFCWALL('x');"));
        assert!(e.message.contains("instance number"), "{e}");
    }

    #[test]
    fn sparse_ids_use_a_small_index() {
        let f_text = wrap("#4000000000=IFCWALL('a');\n#7=IFCWALL('b');\n#3999999999=X(#7);");
        let f = parse(Path::new("t.ifc"), f_text.as_bytes()).expect("parses");
        assert!(matches!(f.index, IdIndex::Sparse(_)));
        assert_eq!(f.get(7).map(|i| f.class(i)), Some("IFCWALL"));
        assert_eq!(f.get(4_000_000_000).map(|i| i.id), Some(4_000_000_000));
        assert_eq!(f.position(3_999_999_999), Some(2));
        assert!(f.get(8).is_none());
        let e = err(&wrap("#4000000000=A();\n#5=B();\n#4000000000=C();"));
        assert_eq!(e.line, 10, "{e}");
        assert!(e.message.contains("#4000000000 is defined twice"), "{e}");
    }

    #[test]
    fn parallel_chunks_agree_with_sequential() {
        // Strings holding "\n#" make false chunk starts; the stitching must recover.
        let mut data = String::new();
        for k in 1..=2000 {
            data.push_str(&format!("#{k}=IFCLABELLED('a\n#{k}=X(''',{k},(1.,2.));\n"));
        }
        let text = wrap(&data);
        let bytes = text.as_bytes();
        let from = text.find("DATA;").expect("data") + 5;
        let seq = parse_chunk(bytes, from, usize::MAX);
        assert!(seq.error.is_none() && seq.endsec);
        for step in [7, 64, 1000] {
            let starts = chunk_starts(bytes, from, step);
            assert!(starts.len() > 10);
            let f = parse_chunked(Path::new("t.ifc"), bytes, step).expect("parses");
            assert_eq!(f.instances().copied().collect::<Vec<_>>(), seq.instances);
        }
    }

    #[test]
    fn zip_is_read_and_capped() {
        use std::io::Write;
        let text = wrap("#1=IFCWALL('x');");
        let mut buf = Vec::new();
        {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
            let opts = zip::write::SimpleFileOptions::default();
            w.start_file("model.ifc", opts).expect("start");
            w.write_all(text.as_bytes()).expect("write");
            w.finish().expect("finish");
        }
        assert!(is_zip(&buf));
        let out = unzip_ifc(Path::new("m.ifczip"), &buf, MAX_UNZIPPED).expect("unzips");
        assert_eq!(out, text.as_bytes());
        let e = unzip_ifc(Path::new("m.ifczip"), &buf, 10).expect_err("capped");
        assert!(e.message.contains("more than"), "{e}");
        let e = unzip_ifc(Path::new("m.ifczip"), b"PK\x03\x04junk", 10).expect_err("bad");
        assert!(e.message.contains("zip"), "{e}");
    }
}
