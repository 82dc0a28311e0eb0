//! The mapping-file expression language.
//!
//! Mapping files (TOML) carry small expressions such as
//! `if(line.amount < 0, 0, round(line.amount * 1.15, 2))`. This module parses
//! them into an AST that keeps the byte span of every sub-expression,
//! type-checks them against the fields an input provides ([`Expr::check`]),
//! lists the fields they read ([`Expr::paths`]) and evaluates them against one
//! record ([`Expr::eval`]). Every error carries the byte offset and length of
//! the offending text so the caller can point at it inside the TOML file.
//!
//! What it must not do:
//! - no I/O of any kind: values come in through the caller's lookup callback;
//! - no floating point anywhere: numbers are `rust_decimal::Decimal`, and all
//!   arithmetic is checked (overflow and division by zero are errors);
//! - no loops, variables or user-defined functions: the language stays a pure,
//!   terminating expression language;
//! - never panic, whatever the input: nesting is capped at [`MAX_NESTING`]
//!   levels and the AST height at [`MAX_HEIGHT`] so recursion stays bounded.
//!
//! Grammar, loosest binding first (binary operators are left-associative):
//!
//! ```text
//! expr    := or
//! or      := and ( "||" and )*
//! and     := eq ( "&&" eq )*
//! eq      := cmp ( ( "==" | "!=" ) cmp )*
//! cmp     := add ( ( "<" | "<=" | ">" | ">=" ) add )*
//! add     := mul ( ( "+" | "-" ) mul )*
//! mul     := unary ( ( "*" | "/" | "%" ) unary )*
//! unary   := ( "-" | "!" ) unary | primary
//! primary := number | string | "true" | "false" | "null"
//!          | name "(" [ expr ( "," expr )* ] ")"
//!          | ident ( "." ident )*
//!          | "(" expr ")"
//! ```
//!
//! Numbers are `digits [ "." digits ]` (no exponent; negative numbers use
//! unary minus). Strings use double or single quotes with the escapes
//! `\\ \" \' \n \t`. Whitespace (any Unicode whitespace) may appear between
//! any two tokens.
//!
//! Semantics:
//! - `+ - * / %` take numbers; a null operand is the error "value is null"
//!   (hint: `coalesce()`), `'a' + 'b'` points to `concat()`, date arithmetic
//!   points to `add_days()` / `days_between()`.
//! - `< <= > >=` compare number/number, text/text (by code point) or
//!   date/date; `==` / `!=` accept anything (`null == null`, and values of
//!   different types are unequal; `1.0 == 1.00`).
//! - `&&` / `||` take booleans and short-circuit; `if` and `coalesce` are lazy.
//!
//! Functions (arity checked at parse time):
//! `if(c, a, b)`, `coalesce(a, ...)`, `upper(s)`, `lower(s)`, `trim(s)`,
//! `concat(x, ...)` (any values, null as empty), `len(s)` (chars),
//! `substr(s, start, count)` (chars, 0-based, clamped), `replace(s, from, to)`
//! (empty `from` changes nothing), `contains(s, sub)`, `starts_with(s, p)`,
//! `pad_left(s, width, ch)` (width 0..=1000, one fill char),
//! `round(n, dp)` (half away from zero, dp 0..=10; the result has exactly `dp`
//! places, so `round(2.5, 2)` is `2.50`), `floor(n)`, `ceil(n)`, `abs(n)`,
//! `min(a, ...)`, `max(a, ...)` (all numbers or all dates), `number(x)`
//! (`1,234.50`, `$12`, `-$12`, `(12.00)` = -12, spaces; thousands groups must
//! have 3 digits), `text(x)` (null as empty), `date(x)` (`YYYY-MM-DD`, with an
//! optional `T` or space and time after it, `M/D/YYYY`, `M/D/YY` = 20YY),
//! `format_date(d, pattern)` (tokens `YYYY YY MM M DD D`, anything else
//! copied), `year(d)`, `month(d)`, `day(d)`, `add_days(d, n)`,
//! `days_between(a, b)` (b − a), `is_null(x)`. Functions other than `if`,
//! `coalesce`, `concat`, `text` and `is_null` reject null arguments with
//! "value is null".

use std::cmp::Ordering;
use std::fmt;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char as nom_char, digit1};
use nom::combinator::{opt, recognize, value};
use nom::sequence::{pair, preceded};
use nom::IResult;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use time::Date;

/// Deepest nesting of parentheses, function calls and unary operators.
pub const MAX_NESTING: usize = 64;
/// Tallest AST accepted (bounds recursion for long operator chains).
pub const MAX_HEIGHT: u32 = 256;
/// Widest result `pad_left` may produce.
const MAX_PAD: usize = 1000;
/// Most decimal places `round` accepts.
const MAX_ROUND_DP: u32 = 10;

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/// A runtime value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(Decimal),
    Str(String),
    Date(Date),
}

/// Static type used by `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Null,
    Bool,
    Num,
    Str,
    Date,
    /// Unknown at check time (untyped input); compatible with anything.
    Any,
}

/// An error located inside the expression source: byte offset + length of
/// the offending text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// A parsed expression: an AST whose nodes carry byte spans into the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    root: Node,
}

/// Parse an expression. Never panics; every error is located in `src`.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let toks = lex(src)?;
    let mut parser = Parser::new(src, toks);
    let root = parser.parse_expr(0, 0)?;
    let tok = parser.peek().clone();
    match tok.kind {
        TokKind::Eof => Ok(Expr { root }),
        TokKind::Sym(Sym::RParen) => {
            Err(at(tok.span, "unexpected ')'").with_hint("there is no '(' for this ')' to close"))
        }
        _ => Err(at(
            tok.span,
            format!(
                "unexpected {} after the end of the expression",
                parser.describe(&tok)
            ),
        )
        .with_hint("is an operator or a comma missing?")),
    }
}

/// Names of the built-in functions, in the order they are documented.
pub fn function_names() -> Vec<&'static str> {
    FUNCS.iter().map(|f| f.name).collect()
}

impl Expr {
    /// Evaluate; `lookup` resolves a dotted path (e.g. `["line","amount"]`)
    /// to a value, `None` = unknown path (an error naming the path).
    pub fn eval(&self, lookup: &dyn Fn(&[&str]) -> Option<Value>) -> Result<Value, ExprError> {
        eval_node(&self.root, lookup)
    }

    /// Static type check; `types` gives each path's type (`None` = unknown
    /// field, reported at that path's span).
    pub fn check(&self, types: &dyn Fn(&[&str]) -> Option<Type>) -> Result<Type, ExprError> {
        check_node(&self.root, types)
    }

    /// Every path the expression reads, with its span offset, in source order.
    pub fn paths(&self) -> Vec<(Vec<String>, usize)> {
        let mut out = Vec::new();
        collect_paths(&self.root, &mut out);
        out
    }

    /// Byte offset and length of the whole expression in its source.
    pub fn span(&self) -> (usize, usize) {
        (self.root.span.offset, self.root.span.len)
    }
}

impl Value {
    /// The runtime type of this value (never `Type::Any`).
    pub fn type_of(&self) -> Type {
        match self {
            Value::Null => Type::Null,
            Value::Bool(_) => Type::Bool,
            Value::Num(_) => Type::Num,
            Value::Str(_) => Type::Str,
            Value::Date(_) => Type::Date,
        }
    }

    /// Display text: `Null` is empty, numbers use `Decimal`'s own text
    /// (scale kept, so `12.50` stays `12.50`; negative zero prints `0`),
    /// dates are `YYYY-MM-DD`.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Num(d) => norm(*d).to_string(),
            Value::Str(s) => s.clone(),
            Value::Date(d) => date_text(*d),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Null => "null",
            Type::Bool => "boolean",
            Type::Num => "number",
            Type::Str => "text",
            Type::Date => "date",
            Type::Any => "any value",
        })
    }
}

impl ExprError {
    /// An error at `offset..offset + len` with no hint.
    pub fn new(offset: usize, len: usize, message: impl Into<String>) -> Self {
        ExprError {
            offset,
            len,
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with a hint attached.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

// ---------------------------------------------------------------------------
// Spans and error helpers
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    offset: usize,
    len: usize,
}

impl Span {
    fn new(offset: usize, len: usize) -> Self {
        Span { offset, len }
    }

    /// From the start of `self` to the end of `other`.
    fn to(self, other: Span) -> Span {
        let end = other.offset.saturating_add(other.len);
        Span::new(self.offset, end.saturating_sub(self.offset))
    }
}

fn at(span: Span, message: impl Into<String>) -> ExprError {
    ExprError::new(span.offset, span.len, message)
}

fn null_err(span: Span) -> ExprError {
    at(span, "value is null").with_hint("use coalesce(value, default) to supply a default")
}

fn internal(span: Span) -> ExprError {
    at(
        span,
        "internal error: operand types changed during evaluation",
    )
}

fn unknown_field(segs: &[String], span: Span) -> ExprError {
    at(span, format!("unknown field '{}'", segs.join(".")))
        .with_hint("check the spelling of the field name")
}

/// `want` is written as it reads after "expects", e.g. "text", "a number".
fn mismatch(f: Func, want: &str, found: Type, span: Span) -> ExprError {
    if found == Type::Null {
        return null_err(span);
    }
    at(
        span,
        format!("{}() expects {want}, found {found}", f.name()),
    )
}

/// At most 40 characters of `s`, for quoting user text inside messages.
fn snippet(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Decimal with negative zero folded to zero.
fn norm(d: Decimal) -> Decimal {
    if d.is_zero() && d.is_sign_negative() {
        d.abs()
    } else {
        d
    }
}

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

// ---------------------------------------------------------------------------
// Lexer (nom combinators for the tokens, a plain loop to drive them)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sym {
    LParen,
    RParen,
    Comma,
    Dot,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    Ne,
    Bang,
    AndAnd,
    OrOr,
}

#[derive(Debug, Clone, PartialEq)]
enum TokKind<'s> {
    Num(Decimal),
    Str(String),
    Ident(&'s str),
    Sym(Sym),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
struct Tok<'s> {
    kind: TokKind<'s>,
    span: Span,
}

fn ident(i: &str) -> IResult<&str, &str> {
    recognize(pair(
        take_while1(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    ))(i)
}

/// `digits [ "." digits ]`, returning the whole text and whether it had a
/// fraction.
fn number_lit(i: &str) -> IResult<&str, (&str, bool)> {
    let (rest, text) = recognize(pair(digit1, opt(preceded(nom_char('.'), digit1))))(i)?;
    Ok((rest, (text, text.contains('.'))))
}

fn symbol(i: &str) -> IResult<&str, Sym> {
    alt((
        value(Sym::Le, tag("<=")),
        value(Sym::Ge, tag(">=")),
        value(Sym::EqEq, tag("==")),
        value(Sym::Ne, tag("!=")),
        value(Sym::AndAnd, tag("&&")),
        value(Sym::OrOr, tag("||")),
        value(Sym::LParen, nom_char('(')),
        value(Sym::RParen, nom_char(')')),
        value(Sym::Comma, nom_char(',')),
        value(Sym::Dot, nom_char('.')),
        value(Sym::Plus, nom_char('+')),
        value(Sym::Minus, nom_char('-')),
        value(Sym::Star, nom_char('*')),
        value(Sym::Slash, nom_char('/')),
        value(Sym::Percent, nom_char('%')),
        value(Sym::Lt, nom_char('<')),
        value(Sym::Gt, nom_char('>')),
        value(Sym::Bang, nom_char('!')),
    ))(i)
}

/// Lex a quoted string starting at `start` (the quote). Returns the
/// unescaped text and the byte offset just past the closing quote.
fn lex_string(src: &str, start: usize, quote: char) -> Result<(String, usize), ExprError> {
    let body_start = start + quote.len_utf8();
    let body = src.get(body_start..).unwrap_or("");
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Ok((out, body_start + i + c.len_utf8()));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '\\')) => out.push('\\'),
            Some((_, '"')) => out.push('"'),
            Some((_, '\'')) => out.push('\''),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, other)) => {
                return Err(ExprError::new(
                    body_start + i,
                    1 + other.len_utf8(),
                    format!("unknown escape '\\{other}'"),
                )
                .with_hint(r#"valid escapes are \\ \" \' \n \t"#));
            }
            None => break,
        }
    }
    Err(
        ExprError::new(start, src.len() - start, "unterminated string")
            .with_hint(format!("add a closing {quote}")),
    )
}

fn unexpected_char(c: char, offset: usize) -> ExprError {
    let err = ExprError::new(
        offset,
        c.len_utf8(),
        format!("unexpected character '{}'", c.escape_debug()),
    );
    match c {
        '=' => err.with_hint("use '==' to compare"),
        '&' => err.with_hint("use '&&' for \"and\""),
        '|' => err.with_hint("use '||' for \"or\""),
        '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' => {
            err.with_hint("use straight quotes \" or ' around text")
        }
        _ => err,
    }
}

fn lex(src: &str) -> Result<Vec<Tok<'_>>, ExprError> {
    let mut toks = Vec::new();
    let mut rest = src;
    loop {
        rest = rest.trim_start();
        let offset = src.len() - rest.len();
        let Some(c) = rest.chars().next() else {
            return Ok(toks);
        };
        if c == '"' || c == '\'' {
            let (text, end) = lex_string(src, offset, c)?;
            toks.push(Tok {
                kind: TokKind::Str(text),
                span: Span::new(offset, end - offset),
            });
            rest = src.get(end..).unwrap_or("");
            continue;
        }
        if let Ok((r, name)) = ident(rest) {
            toks.push(Tok {
                kind: TokKind::Ident(name),
                span: Span::new(offset, name.len()),
            });
            rest = r;
            continue;
        }
        if let Ok((r, (text, has_frac))) = number_lit(rest) {
            if !has_frac && r.starts_with('.') {
                return Err(ExprError::new(
                    offset + text.len(),
                    1,
                    "expected digits after the decimal point",
                ));
            }
            let span = Span::new(offset, text.len());
            let num = Decimal::from_str_exact(text).map_err(|_| {
                at(span, format!("number '{}' is out of range", snippet(text)))
                    .with_hint("numbers have at most 28 significant digits")
            })?;
            toks.push(Tok {
                kind: TokKind::Num(num),
                span,
            });
            rest = r;
            continue;
        }
        if let Ok((r, sym)) = symbol(rest) {
            toks.push(Tok {
                kind: TokKind::Sym(sym),
                span: Span::new(offset, rest.len() - r.len()),
            });
            rest = r;
            continue;
        }
        return Err(unexpected_char(c, offset));
    }
}

// ---------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Lit(Value),
    Path(Vec<String>),
    Unary(UnOp, Box<Node>),
    /// Operator, the operator token's span, left, right.
    Binary(BinOp, Span, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
struct Node {
    kind: Kind,
    span: Span,
    height: u32,
}

impl Node {
    fn leaf(kind: Kind, span: Span) -> Node {
        Node {
            kind,
            span,
            height: 1,
        }
    }

    /// A node over `children`; errors at `blame` when the AST gets too tall.
    fn branch(kind: Kind, span: Span, child_height: u32, blame: Span) -> Result<Node, ExprError> {
        let height = child_height.saturating_add(1);
        if height > MAX_HEIGHT {
            return Err(at(
                blame,
                format!("expression is too long (more than {MAX_HEIGHT} nested operations)"),
            )
            .with_hint("split it across several mapping fields"));
        }
        Ok(Node { kind, span, height })
    }
}

// ---------------------------------------------------------------------------
// Functions table
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    If,
    Coalesce,
    Upper,
    Lower,
    Trim,
    Concat,
    Len,
    Substr,
    Replace,
    Contains,
    StartsWith,
    PadLeft,
    Round,
    Floor,
    Ceil,
    Abs,
    Min,
    Max,
    Number,
    Text,
    Date,
    FormatDate,
    Year,
    Month,
    Day,
    AddDays,
    DaysBetween,
    IsNull,
}

struct FuncSpec {
    name: &'static str,
    func: Func,
    min: usize,
    /// `None` = variadic.
    max: Option<usize>,
}

const fn spec(name: &'static str, func: Func, min: usize, max: Option<usize>) -> FuncSpec {
    FuncSpec {
        name,
        func,
        min,
        max,
    }
}

const FUNCS: &[FuncSpec] = &[
    spec("if", Func::If, 3, Some(3)),
    spec("coalesce", Func::Coalesce, 1, None),
    spec("upper", Func::Upper, 1, Some(1)),
    spec("lower", Func::Lower, 1, Some(1)),
    spec("trim", Func::Trim, 1, Some(1)),
    spec("concat", Func::Concat, 1, None),
    spec("len", Func::Len, 1, Some(1)),
    spec("substr", Func::Substr, 3, Some(3)),
    spec("replace", Func::Replace, 3, Some(3)),
    spec("contains", Func::Contains, 2, Some(2)),
    spec("starts_with", Func::StartsWith, 2, Some(2)),
    spec("pad_left", Func::PadLeft, 3, Some(3)),
    spec("round", Func::Round, 2, Some(2)),
    spec("floor", Func::Floor, 1, Some(1)),
    spec("ceil", Func::Ceil, 1, Some(1)),
    spec("abs", Func::Abs, 1, Some(1)),
    spec("min", Func::Min, 1, None),
    spec("max", Func::Max, 1, None),
    spec("number", Func::Number, 1, Some(1)),
    spec("text", Func::Text, 1, Some(1)),
    spec("date", Func::Date, 1, Some(1)),
    spec("format_date", Func::FormatDate, 2, Some(2)),
    spec("year", Func::Year, 1, Some(1)),
    spec("month", Func::Month, 1, Some(1)),
    spec("day", Func::Day, 1, Some(1)),
    spec("add_days", Func::AddDays, 2, Some(2)),
    spec("days_between", Func::DaysBetween, 2, Some(2)),
    spec("is_null", Func::IsNull, 1, Some(1)),
];

impl Func {
    fn spec(self) -> Option<&'static FuncSpec> {
        FUNCS.iter().find(|s| s.func == self)
    }

    fn name(self) -> &'static str {
        self.spec().map_or("?", |s| s.name)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "argument"
    } else {
        "arguments"
    }
}

// ---------------------------------------------------------------------------
// Parser (precedence climbing over the token list)
// ---------------------------------------------------------------------------

/// Binding power of prefix operators (tighter than every binary operator).
const PREFIX_BP: u8 = 7;

fn binop(sym: Sym) -> Option<(BinOp, u8)> {
    Some(match sym {
        Sym::OrOr => (BinOp::Or, 1),
        Sym::AndAnd => (BinOp::And, 2),
        Sym::EqEq => (BinOp::Eq, 3),
        Sym::Ne => (BinOp::Ne, 3),
        Sym::Lt => (BinOp::Lt, 4),
        Sym::Le => (BinOp::Le, 4),
        Sym::Gt => (BinOp::Gt, 4),
        Sym::Ge => (BinOp::Ge, 4),
        Sym::Plus => (BinOp::Add, 5),
        Sym::Minus => (BinOp::Sub, 5),
        Sym::Star => (BinOp::Mul, 6),
        Sym::Slash => (BinOp::Div, 6),
        Sym::Percent => (BinOp::Rem, 6),
        _ => return None,
    })
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<Tok<'s>>,
    pos: usize,
    eof: Tok<'s>,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str, toks: Vec<Tok<'s>>) -> Self {
        Parser {
            src,
            toks,
            pos: 0,
            eof: Tok {
                kind: TokKind::Eof,
                span: Span::new(src.len(), 0),
            },
        }
    }

    fn peek(&self) -> &Tok<'s> {
        self.toks.get(self.pos).unwrap_or(&self.eof)
    }

    fn next(&mut self) -> Tok<'s> {
        let tok = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        tok
    }

    fn peek_is(&self, sym: Sym) -> bool {
        self.peek().kind == TokKind::Sym(sym)
    }

    /// How a token reads in a message: its quoted source text.
    fn describe(&self, tok: &Tok<'_>) -> String {
        if tok.kind == TokKind::Eof {
            return "end of expression".to_string();
        }
        let end = tok.span.offset.saturating_add(tok.span.len);
        let text = self.src.get(tok.span.offset..end).unwrap_or("");
        if matches!(tok.kind, TokKind::Str(_)) {
            // Already quoted in the source.
            return snippet(text);
        }
        format!("'{}'", snippet(text))
    }

    fn enter(&self, depth: usize, span: Span) -> Result<(), ExprError> {
        if depth >= MAX_NESTING {
            return Err(at(
                span,
                format!("expression is nested too deeply (limit {MAX_NESTING} levels)"),
            ));
        }
        Ok(())
    }

    // The recursive methods below keep their stack frames small (error
    // messages are built in separate functions) so that the deepest input the
    // nesting cap allows parses comfortably on a small thread stack even in
    // unoptimized builds.

    fn parse_expr(&mut self, min_bp: u8, depth: usize) -> Result<Node, ExprError> {
        let mut lhs = self.parse_prefix(depth)?;
        while let Some((op, bp, op_span)) = self.peek_binop() {
            if bp <= min_bp {
                break;
            }
            self.pos += 1;
            let rhs = self.parse_expr(bp, depth)?;
            lhs = binary_node(op, op_span, lhs, rhs)?;
        }
        Ok(lhs)
    }

    fn peek_binop(&self) -> Option<(BinOp, u8, Span)> {
        let tok = self.peek();
        match tok.kind {
            TokKind::Sym(sym) => binop(sym).map(|(op, bp)| (op, bp, tok.span)),
            _ => None,
        }
    }

    fn parse_prefix(&mut self, depth: usize) -> Result<Node, ExprError> {
        let tok = self.next();
        let span = tok.span;
        match tok.kind {
            TokKind::Num(d) => Ok(Node::leaf(Kind::Lit(Value::Num(d)), span)),
            TokKind::Str(s) => Ok(Node::leaf(Kind::Lit(Value::Str(s)), span)),
            TokKind::Ident(name) => self.parse_ident(name, span, depth),
            TokKind::Sym(Sym::Minus) => self.parse_unary(UnOp::Neg, span, depth),
            TokKind::Sym(Sym::Bang) => self.parse_unary(UnOp::Not, span, depth),
            TokKind::Sym(Sym::LParen) => self.parse_group(span, depth),
            _ => Err(self.value_expected(&tok)),
        }
    }

    fn parse_ident(&mut self, name: &str, span: Span, depth: usize) -> Result<Node, ExprError> {
        let lit = match name {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ if self.peek_is(Sym::LParen) => return self.parse_call(name, span, depth),
            _ => return self.parse_path(name, span),
        };
        Ok(Node::leaf(Kind::Lit(lit), span))
    }

    fn parse_unary(&mut self, op: UnOp, span: Span, depth: usize) -> Result<Node, ExprError> {
        self.enter(depth, span)?;
        let operand = self.parse_expr(PREFIX_BP, depth + 1)?;
        unary_node(op, span, operand)
    }

    fn parse_group(&mut self, open: Span, depth: usize) -> Result<Node, ExprError> {
        self.enter(depth, open)?;
        let mut inner = self.parse_expr(0, depth + 1)?;
        let close = self.peek().span;
        if !self.peek_is(Sym::RParen) {
            return Err(group_unclosed(open, close));
        }
        self.pos += 1;
        inner.span = open.to(close);
        Ok(inner)
    }

    fn parse_path(&mut self, first: &str, first_span: Span) -> Result<Node, ExprError> {
        let mut segs = vec![first.to_string()];
        let mut span = first_span;
        while self.peek_is(Sym::Dot) {
            self.pos += 1;
            let tok = self.next();
            match tok.kind {
                TokKind::Ident(name) => {
                    segs.push(name.to_string());
                    span = span.to(tok.span);
                }
                _ => {
                    return Err(at(
                        tok.span,
                        format!(
                            "expected a field name after '.', found {}",
                            self.describe(&tok)
                        ),
                    ))
                }
            }
        }
        Ok(Node::leaf(Kind::Path(segs), span))
    }

    fn parse_call(&mut self, name: &str, name_span: Span, depth: usize) -> Result<Node, ExprError> {
        let Some(fs) = FUNCS.iter().find(|f| f.name == name) else {
            return Err(unknown_function(name, name_span));
        };
        self.enter(depth, name_span)?;
        let open = self.peek().span;
        self.pos += 1; // the '(' seen by the caller
        let mut args = Vec::new();
        if !self.peek_is(Sym::RParen) {
            loop {
                args.push(self.parse_expr(0, depth + 1)?);
                if self.peek_is(Sym::Comma) {
                    self.pos += 1;
                } else if self.peek_is(Sym::RParen) {
                    break;
                } else {
                    return Err(self.call_unclosed(fs, open));
                }
            }
        }
        let close = self.peek().span;
        self.pos += 1;
        call_node(fs, name_span.to(close), name_span, args)
    }

    // --- error builders (kept out of the recursive frames) ---

    fn value_expected(&self, tok: &Tok<'_>) -> ExprError {
        match tok.kind {
            TokKind::Eof if self.toks.is_empty() => at(tok.span, "expression is empty"),
            TokKind::Eof => {
                at(tok.span, "unexpected end of expression").with_hint("expected a value here")
            }
            _ => {
                let err = at(
                    tok.span,
                    format!("expected a value, found {}", self.describe(tok)),
                );
                if tok.kind == TokKind::Sym(Sym::Dot) && matches!(self.peek().kind, TokKind::Num(_))
                {
                    err.with_hint("write a leading zero, e.g. 0.5")
                } else {
                    err
                }
            }
        }
    }

    fn call_unclosed(&self, fs: &FuncSpec, open: Span) -> ExprError {
        let tok = self.peek();
        at(
            tok.span,
            format!("expected ',' or ')', found {}", self.describe(tok)),
        )
        .with_hint(format!(
            "to close the '(' of {}() at offset {}",
            fs.name, open.offset
        ))
    }
}

fn group_unclosed(open: Span, found: Span) -> ExprError {
    at(found, "expected ')'").with_hint(format!("to close the '(' at offset {}", open.offset))
}

fn unknown_function(name: &str, span: Span) -> ExprError {
    at(span, format!("unknown function '{name}'")).with_hint(format!(
        "available functions: {}",
        function_names().join(", ")
    ))
}

fn binary_node(op: BinOp, op_span: Span, lhs: Node, rhs: Node) -> Result<Node, ExprError> {
    let span = lhs.span.to(rhs.span);
    let child = lhs.height.max(rhs.height);
    Node::branch(
        Kind::Binary(op, op_span, Box::new(lhs), Box::new(rhs)),
        span,
        child,
        op_span,
    )
}

fn unary_node(op: UnOp, op_span: Span, operand: Node) -> Result<Node, ExprError> {
    let span = op_span.to(operand.span);
    let child = operand.height;
    Node::branch(Kind::Unary(op, Box::new(operand)), span, child, op_span)
}

fn call_node(
    fs: &FuncSpec,
    span: Span,
    name_span: Span,
    args: Vec<Node>,
) -> Result<Node, ExprError> {
    let name = fs.name;
    let n = args.len();
    if n < fs.min {
        let msg = match fs.max {
            Some(max) if max == fs.min => {
                format!("{name}() takes {max} {}, found {n}", plural(max))
            }
            _ => format!(
                "{name}() takes at least {} {}, found {n}",
                fs.min,
                plural(fs.min)
            ),
        };
        return Err(at(span, msg));
    }
    if let Some(max) = fs.max {
        if let Some(extra) = args.get(max) {
            return Err(at(
                extra.span,
                format!("{name}() takes {max} {}, found {n}", plural(max)),
            ));
        }
    }
    let child = args.iter().map(|a| a.height).max().unwrap_or(0);
    Node::branch(Kind::Call(fs.func, args), span, child, name_span)
}

// ---------------------------------------------------------------------------
// Typing rules shared by `check` (static types) and `eval` (runtime types)
// ---------------------------------------------------------------------------

fn unary_type(op: UnOp, t: Type, span: Span) -> Result<Type, ExprError> {
    let (want, sym, article) = match op {
        UnOp::Neg => (Type::Num, '-', "a number"),
        UnOp::Not => (Type::Bool, '!', "a boolean"),
    };
    if t == Type::Null {
        return Err(null_err(span));
    }
    if t != want && t != Type::Any {
        return Err(at(span, format!("'{sym}' expects {article}, found {t}")));
    }
    Ok(want)
}

fn bool_operand(op: BinOp, t: Type, span: Span) -> Result<(), ExprError> {
    match t {
        Type::Bool | Type::Any => Ok(()),
        Type::Null => Err(null_err(span)),
        other => Err(at(
            span,
            format!("'{}' expects booleans, found {other}", op.symbol()),
        )),
    }
}

fn binary_type(
    op: BinOp,
    op_span: Span,
    (lt, ls): (Type, Span),
    (rt, rs): (Type, Span),
) -> Result<Type, ExprError> {
    match op {
        BinOp::Eq | BinOp::Ne => Ok(Type::Bool),
        BinOp::And | BinOp::Or => {
            bool_operand(op, lt, ls)?;
            bool_operand(op, rt, rs)?;
            Ok(Type::Bool)
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
            if lt == Type::Null {
                return Err(null_err(ls));
            }
            if rt == Type::Null {
                return Err(null_err(rs));
            }
            let special = match (op, lt, rt) {
                (BinOp::Add, Type::Str, Type::Str) => {
                    Some(("cannot add text to text", "use concat() to join text"))
                }
                (BinOp::Add, Type::Date, Type::Num) | (BinOp::Add, Type::Num, Type::Date) => {
                    Some((
                        "cannot add a number to a date",
                        "use add_days(date, n) to move a date",
                    ))
                }
                (BinOp::Sub, Type::Date, Type::Num) => Some((
                    "cannot subtract a number from a date",
                    "use add_days(date, -n) to move a date",
                )),
                (BinOp::Sub, Type::Date, Type::Date) => Some((
                    "cannot subtract dates",
                    "use days_between(a, b) for the number of days from a to b",
                )),
                _ => None,
            };
            if let Some((msg, hint)) = special {
                return Err(at(op_span, msg).with_hint(hint));
            }
            for (t, s) in [(lt, ls), (rt, rs)] {
                if t != Type::Num && t != Type::Any {
                    let err = at(s, format!("'{}' expects numbers, found {t}", op.symbol()));
                    return Err(if op == BinOp::Add && t == Type::Str {
                        err.with_hint("use concat() to join text")
                    } else {
                        err
                    });
                }
            }
            Ok(Type::Num)
        }
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            for (t, s) in [(lt, ls), (rt, rs)] {
                match t {
                    Type::Null => return Err(null_err(s)),
                    Type::Bool => {
                        return Err(at(
                            s,
                            format!("'{}' cannot compare boolean values", op.symbol()),
                        ))
                    }
                    _ => {}
                }
            }
            if lt != Type::Any && rt != Type::Any && lt != rt {
                let err = at(op_span, format!("cannot compare {lt} with {rt}"));
                let pair = (lt, rt);
                return Err(
                    if pair == (Type::Date, Type::Str) || pair == (Type::Str, Type::Date) {
                        err.with_hint("use date() to read text as a date")
                    } else if pair == (Type::Num, Type::Str) || pair == (Type::Str, Type::Num) {
                        err.with_hint("use number() to read text as a number")
                    } else {
                        err
                    },
                );
            }
            Ok(Type::Bool)
        }
    }
}

/// Join two branch types: `Null` yields to the other, `Any` absorbs.
fn unify(a: Type, b: Type) -> Option<Type> {
    if a == Type::Null {
        Some(b)
    } else if b == Type::Null {
        Some(a)
    } else if a == Type::Any || b == Type::Any {
        Some(Type::Any)
    } else if a == b {
        Some(a)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------

type Types<'a> = &'a dyn Fn(&[&str]) -> Option<Type>;

fn check_node(n: &Node, types: Types<'_>) -> Result<Type, ExprError> {
    match &n.kind {
        Kind::Lit(v) => Ok(v.type_of()),
        Kind::Path(segs) => check_path(segs, n.span, types),
        Kind::Unary(op, e) => check_unary(*op, e, types),
        Kind::Binary(op, op_span, l, r) => check_binary(*op, *op_span, l, r, types),
        Kind::Call(f, args) => check_call_node(*f, n.span, args, types),
    }
}

fn check_path(segs: &[String], span: Span, types: Types<'_>) -> Result<Type, ExprError> {
    let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
    types(&refs).ok_or_else(|| unknown_field(segs, span))
}

fn check_unary(op: UnOp, e: &Node, types: Types<'_>) -> Result<Type, ExprError> {
    let t = check_node(e, types)?;
    unary_type(op, t, e.span)
}

fn check_binary(
    op: BinOp,
    op_span: Span,
    l: &Node,
    r: &Node,
    types: Types<'_>,
) -> Result<Type, ExprError> {
    let lt = check_node(l, types)?;
    let rt = check_node(r, types)?;
    binary_type(op, op_span, (lt, l.span), (rt, r.span))
}

fn check_call_node(
    f: Func,
    span: Span,
    args: &[Node],
    types: Types<'_>,
) -> Result<Type, ExprError> {
    let mut ts = Vec::with_capacity(args.len());
    for a in args {
        ts.push((check_node(a, types)?, a.span));
    }
    check_call(f, span, args, &ts)
}

fn want_type(f: Func, (t, s): (Type, Span), want: Type) -> Result<(), ExprError> {
    if t == want || t == Type::Any {
        return Ok(());
    }
    let desc = match want {
        Type::Num => "a number",
        Type::Str => "text",
        Type::Date => "a date",
        Type::Bool => "a boolean",
        Type::Null | Type::Any => "a value",
    };
    Err(mismatch(f, desc, t, s))
}

/// A number written literally (optionally negated), for static checks.
fn literal_num(n: &Node) -> Option<Decimal> {
    match &n.kind {
        Kind::Lit(Value::Num(d)) => Some(*d),
        Kind::Unary(UnOp::Neg, inner) => literal_num(inner).map(|d| -d),
        _ => None,
    }
}

fn check_call(f: Func, call: Span, nodes: &[Node], ts: &[(Type, Span)]) -> Result<Type, ExprError> {
    use Type as T;
    let want = |a: &(Type, Span), t: Type| want_type(f, *a, t);
    match (f, ts) {
        (Func::If, [c, a, b]) => {
            want(c, T::Bool)?;
            unify(a.0, b.0).ok_or_else(|| {
                at(
                    b.1,
                    format!("if() branches have different types: {} and {}", a.0, b.0),
                )
                .with_hint("convert one branch with text() or number()")
            })
        }
        (Func::Coalesce, all) => {
            let mut acc = T::Null;
            for (t, s) in all {
                acc = unify(acc, *t).ok_or_else(|| {
                    at(
                        *s,
                        format!("coalesce() arguments have different types: {acc} and {t}"),
                    )
                })?;
            }
            Ok(acc)
        }
        (Func::Upper | Func::Lower | Func::Trim, [s]) => want(s, T::Str).map(|_| T::Str),
        (Func::Concat, _) => Ok(T::Str),
        (Func::Text, [_]) => Ok(T::Str),
        (Func::Len, [s]) => want(s, T::Str).map(|_| T::Num),
        (Func::Substr, [s, a, b]) => {
            want(s, T::Str)?;
            want(a, T::Num)?;
            want(b, T::Num)?;
            Ok(T::Str)
        }
        (Func::Replace, [a, b, c]) => {
            want(a, T::Str)?;
            want(b, T::Str)?;
            want(c, T::Str)?;
            Ok(T::Str)
        }
        (Func::Contains | Func::StartsWith, [a, b]) => {
            want(a, T::Str)?;
            want(b, T::Str)?;
            Ok(T::Bool)
        }
        (Func::PadLeft, [s, w, c]) => {
            want(s, T::Str)?;
            want(w, T::Num)?;
            want(c, T::Str)?;
            Ok(T::Str)
        }
        (Func::Round, [n, dp]) => {
            want(n, T::Num)?;
            want(dp, T::Num)?;
            if let Some(d) = nodes.get(1).and_then(literal_num) {
                round_places(f, &Value::Num(d), dp.1)?;
            }
            Ok(T::Num)
        }
        (Func::Floor | Func::Ceil | Func::Abs, [n]) => want(n, T::Num).map(|_| T::Num),
        (Func::Min | Func::Max, all) => {
            let mut acc = T::Any;
            for (t, s) in all {
                match t {
                    T::Any => {}
                    T::Num | T::Date => {
                        if acc == T::Any {
                            acc = *t;
                        } else if acc != *t {
                            return Err(at(*s, format!("{}() cannot mix {acc} and {t}", f.name())));
                        }
                    }
                    other => return Err(mismatch(f, "numbers or dates", *other, *s)),
                }
            }
            Ok(acc)
        }
        (Func::Number, [(t, s)]) => match t {
            T::Str | T::Num | T::Any => Ok(T::Num),
            other => Err(mismatch(f, "text or a number", *other, *s)),
        },
        (Func::Date, [(t, s)]) => match t {
            T::Str | T::Date | T::Any => Ok(T::Date),
            other => Err(mismatch(f, "text or a date", *other, *s)),
        },
        (Func::FormatDate, [d, p]) => {
            want(d, T::Date)?;
            want(p, T::Str)?;
            Ok(T::Str)
        }
        (Func::Year | Func::Month | Func::Day, [d]) => want(d, T::Date).map(|_| T::Num),
        (Func::AddDays, [d, n]) => {
            want(d, T::Date)?;
            want(n, T::Num)?;
            Ok(T::Date)
        }
        (Func::DaysBetween, [a, b]) => {
            want(a, T::Date)?;
            want(b, T::Date)?;
            Ok(T::Num)
        }
        (Func::IsNull, [_]) => Ok(T::Bool),
        _ => Err(at(
            call,
            format!("wrong number of arguments for {}()", f.name()),
        )),
    }
}

// ---------------------------------------------------------------------------
// eval
// ---------------------------------------------------------------------------

type Lookup<'a> = &'a dyn Fn(&[&str]) -> Option<Value>;

// Like the parser, the recursive evaluation functions stay small: each node
// kind has its own function, and the built-in functions are applied by
// `apply_call` only after their arguments are evaluated, so its large frame is
// never part of the recursion.

fn eval_node(n: &Node, lookup: Lookup<'_>) -> Result<Value, ExprError> {
    match &n.kind {
        Kind::Lit(v) => Ok(v.clone()),
        Kind::Path(segs) => eval_path(segs, n.span, lookup),
        Kind::Unary(op, e) => eval_unary(*op, e, n.span, lookup),
        Kind::Binary(op @ (BinOp::And | BinOp::Or), _, l, r) => eval_logic(*op, l, r, lookup),
        Kind::Binary(op, op_span, l, r) => eval_binary_node(*op, *op_span, n.span, l, r, lookup),
        Kind::Call(f, args) => eval_call(*f, n.span, args, lookup),
    }
}

fn eval_path(segs: &[String], span: Span, lookup: Lookup<'_>) -> Result<Value, ExprError> {
    let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
    lookup(&refs).ok_or_else(|| unknown_field(segs, span))
}

fn eval_unary(op: UnOp, e: &Node, span: Span, lookup: Lookup<'_>) -> Result<Value, ExprError> {
    let v = eval_node(e, lookup)?;
    unary_type(op, v.type_of(), e.span)?;
    match (op, v) {
        (UnOp::Neg, Value::Num(d)) => Ok(Value::Num(norm(-d))),
        (UnOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
        _ => Err(internal(span)),
    }
}

/// `&&` and `||`, short-circuiting.
fn eval_logic(op: BinOp, l: &Node, r: &Node, lookup: Lookup<'_>) -> Result<Value, ExprError> {
    let lv = eval_node(l, lookup)?;
    bool_operand(op, lv.type_of(), l.span)?;
    let lb = lv == Value::Bool(true);
    if (op == BinOp::And && !lb) || (op == BinOp::Or && lb) {
        return Ok(Value::Bool(lb));
    }
    let rv = eval_node(r, lookup)?;
    bool_operand(op, rv.type_of(), r.span)?;
    Ok(Value::Bool(rv == Value::Bool(true)))
}

fn eval_binary_node(
    op: BinOp,
    op_span: Span,
    span: Span,
    l: &Node,
    r: &Node,
    lookup: Lookup<'_>,
) -> Result<Value, ExprError> {
    let lv = eval_node(l, lookup)?;
    let rv = eval_node(r, lookup)?;
    binary_type(op, op_span, (lv.type_of(), l.span), (rv.type_of(), r.span))?;
    eval_binary(op, op_span, span, &lv, &rv)
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Some(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn eval_binary(
    op: BinOp,
    op_span: Span,
    span: Span,
    lv: &Value,
    rv: &Value,
) -> Result<Value, ExprError> {
    match op {
        BinOp::Eq => Ok(Value::Bool(lv == rv)),
        BinOp::Ne => Ok(Value::Bool(lv != rv)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = compare(lv, rv).ok_or_else(|| internal(span))?;
            Ok(Value::Bool(match op {
                BinOp::Lt => ord == Ordering::Less,
                BinOp::Le => ord != Ordering::Greater,
                BinOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }
        _ => {
            let (Value::Num(a), Value::Num(b)) = (lv, rv) else {
                return Err(internal(span));
            };
            let (a, b) = (*a, *b);
            let out = match op {
                BinOp::Add => a.checked_add(b),
                BinOp::Sub => a.checked_sub(b),
                BinOp::Mul => a.checked_mul(b),
                _ => {
                    if b.is_zero() {
                        return Err(at(op_span, "division by zero"));
                    }
                    if op == BinOp::Div {
                        a.checked_div(b)
                    } else {
                        a.checked_rem(b)
                    }
                }
            };
            out.map(|d| Value::Num(norm(d))).ok_or_else(|| {
                at(op_span, format!("number overflow in '{}'", op.symbol()))
                    .with_hint("decimal values are limited to about 7.9e28")
            })
        }
    }
}

fn want_str(f: Func, v: &Value, s: Span) -> Result<&str, ExprError> {
    match v {
        Value::Str(x) => Ok(x),
        other => Err(mismatch(f, "text", other.type_of(), s)),
    }
}

fn want_num(f: Func, v: &Value, s: Span) -> Result<Decimal, ExprError> {
    match v {
        Value::Num(x) => Ok(*x),
        other => Err(mismatch(f, "a number", other.type_of(), s)),
    }
}

fn want_date(f: Func, v: &Value, s: Span) -> Result<Date, ExprError> {
    match v {
        Value::Date(x) => Ok(*x),
        other => Err(mismatch(f, "a date", other.type_of(), s)),
    }
}

/// A whole number; values beyond `i64` saturate (callers clamp or reject).
fn want_int(f: Func, v: &Value, s: Span) -> Result<i64, ExprError> {
    let d = want_num(f, v, s)?;
    if !d.fract().is_zero() {
        return Err(at(
            s,
            format!("{}() expects a whole number, found {d}", f.name()),
        ));
    }
    Ok(d.to_i64().unwrap_or(if d.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    }))
}

fn round_places(f: Func, v: &Value, s: Span) -> Result<u32, ExprError> {
    let dp = want_int(f, v, s)?;
    u32::try_from(dp)
        .ok()
        .filter(|dp| *dp <= MAX_ROUND_DP)
        .ok_or_else(|| {
            at(
                s,
                format!("round() decimal places must be from 0 to {MAX_ROUND_DP}, found {dp}"),
            )
        })
}

fn to_usize_clamped(n: i64) -> usize {
    usize::try_from(n.max(0)).unwrap_or(usize::MAX)
}

fn eval_call(f: Func, call: Span, args: &[Node], lookup: Lookup<'_>) -> Result<Value, ExprError> {
    match (f, args) {
        (Func::If, [c, a, b]) => eval_if(c, a, b, lookup),
        (Func::Coalesce, all) => eval_coalesce(all, lookup),
        _ => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push((eval_node(a, lookup)?, a.span));
            }
            apply_call(f, call, &vals)
        }
    }
}

/// `if(cond, a, b)`: only the chosen branch is evaluated.
fn eval_if(c: &Node, a: &Node, b: &Node, lookup: Lookup<'_>) -> Result<Value, ExprError> {
    match eval_node(c, lookup)? {
        Value::Bool(true) => eval_node(a, lookup),
        Value::Bool(false) => eval_node(b, lookup),
        other => Err(mismatch(Func::If, "a boolean", other.type_of(), c.span)),
    }
}

/// `coalesce(a, ...)`: evaluates arguments until one is not null.
fn eval_coalesce(args: &[Node], lookup: Lookup<'_>) -> Result<Value, ExprError> {
    for a in args {
        let v = eval_node(a, lookup)?;
        if v != Value::Null {
            return Ok(v);
        }
    }
    Ok(Value::Null)
}

/// Apply a strict (non-lazy) built-in to its evaluated arguments.
fn apply_call(f: Func, call: Span, vals: &[(Value, Span)]) -> Result<Value, ExprError> {
    let out = match (f, vals) {
        (Func::Upper, [(v, s)]) => Value::Str(want_str(f, v, *s)?.to_uppercase()),
        (Func::Lower, [(v, s)]) => Value::Str(want_str(f, v, *s)?.to_lowercase()),
        (Func::Trim, [(v, s)]) => Value::Str(want_str(f, v, *s)?.trim().to_string()),
        (Func::Concat, all) => Value::Str(all.iter().map(|(v, _)| v.to_text()).collect()),
        (Func::Text, [(v, _)]) => Value::Str(v.to_text()),
        (Func::Len, [(v, s)]) => Value::Num(Decimal::from(want_str(f, v, *s)?.chars().count())),
        (Func::Substr, [(v, s), (a, sa), (b, sb)]) => {
            let text = want_str(f, v, *s)?;
            let start = to_usize_clamped(want_int(f, a, *sa)?);
            let count = to_usize_clamped(want_int(f, b, *sb)?);
            Value::Str(text.chars().skip(start).take(count).collect())
        }
        (Func::Replace, [(v, s), (a, sa), (b, sb)]) => {
            let text = want_str(f, v, *s)?;
            let from = want_str(f, a, *sa)?;
            let to = want_str(f, b, *sb)?;
            if from.is_empty() {
                Value::Str(text.to_string())
            } else {
                Value::Str(text.replace(from, to))
            }
        }
        (Func::Contains, [(v, s), (a, sa)]) => {
            Value::Bool(want_str(f, v, *s)?.contains(want_str(f, a, *sa)?))
        }
        (Func::StartsWith, [(v, s), (a, sa)]) => {
            Value::Bool(want_str(f, v, *s)?.starts_with(want_str(f, a, *sa)?))
        }
        (Func::PadLeft, [(v, s), (w, sw), (c, sc)]) => {
            let text = want_str(f, v, *s)?;
            let width = want_int(f, w, *sw)?;
            let width = usize::try_from(width)
                .ok()
                .filter(|w| *w <= MAX_PAD)
                .ok_or_else(|| {
                    at(
                        *sw,
                        format!("pad_left() width must be from 0 to {MAX_PAD}, found {width}"),
                    )
                })?;
            let fill = want_str(f, c, *sc)?;
            let mut chars = fill.chars();
            let (Some(ch), None) = (chars.next(), chars.next()) else {
                return Err(at(
                    *sc,
                    format!(
                        "pad_left() expects a single fill character, found '{}'",
                        snippet(fill)
                    ),
                ));
            };
            let have = text.chars().count();
            let pad = width.saturating_sub(have);
            Value::Str(std::iter::repeat_n(ch, pad).chain(text.chars()).collect())
        }
        (Func::Round, [(v, s), (p, sp)]) => {
            let n = want_num(f, v, *s)?;
            let dp = round_places(f, p, *sp)?;
            let mut r = n.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
            r.rescale(dp);
            Value::Num(norm(r))
        }
        (Func::Floor, [(v, s)]) => Value::Num(norm(want_num(f, v, *s)?.floor())),
        (Func::Ceil, [(v, s)]) => Value::Num(norm(want_num(f, v, *s)?.ceil())),
        (Func::Abs, [(v, s)]) => Value::Num(want_num(f, v, *s)?.abs()),
        (Func::Min | Func::Max, all) => {
            let mut best: Option<&Value> = None;
            for (v, s) in all {
                if !matches!(v, Value::Num(_) | Value::Date(_)) {
                    return Err(mismatch(f, "numbers or dates", v.type_of(), *s));
                }
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let ord = compare(v, b).ok_or_else(|| {
                            at(
                                *s,
                                format!(
                                    "{}() cannot mix {} and {}",
                                    f.name(),
                                    b.type_of(),
                                    v.type_of()
                                ),
                            )
                        })?;
                        let better = if f == Func::Min {
                            ord == Ordering::Less
                        } else {
                            ord == Ordering::Greater
                        };
                        if better {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            best.cloned().unwrap_or(Value::Null)
        }
        (Func::Number, [(v, s)]) => match v {
            Value::Num(d) => Value::Num(*d),
            Value::Str(text) => Value::Num(parse_number_text(text).ok_or_else(|| {
                at(*s, format!("cannot read '{}' as a number", snippet(text)))
                    .with_hint("expected digits such as 1234.50, 1,234.50, $12 or (12.00)")
            })?),
            other => return Err(mismatch(f, "text or a number", other.type_of(), *s)),
        },
        (Func::Date, [(v, s)]) => match v {
            Value::Date(d) => Value::Date(*d),
            Value::Str(text) => Value::Date(parse_date_text(text).ok_or_else(|| {
                at(*s, format!("cannot read '{}' as a date", snippet(text)))
                    .with_hint("expected YYYY-MM-DD, MM/DD/YYYY or MM/DD/YY")
            })?),
            other => return Err(mismatch(f, "text or a date", other.type_of(), *s)),
        },
        (Func::FormatDate, [(d, sd), (p, sp)]) => {
            Value::Str(format_date(want_date(f, d, *sd)?, want_str(f, p, *sp)?))
        }
        (Func::Year, [(d, s)]) => Value::Num(Decimal::from(want_date(f, d, *s)?.year())),
        (Func::Month, [(d, s)]) => {
            Value::Num(Decimal::from(u8::from(want_date(f, d, *s)?.month())))
        }
        (Func::Day, [(d, s)]) => Value::Num(Decimal::from(want_date(f, d, *s)?.day())),
        (Func::AddDays, [(d, sd), (n, sn)]) => {
            let date = want_date(f, d, *sd)?;
            let days = want_int(f, n, *sn)?;
            let moved = i64::from(date.to_julian_day())
                .checked_add(days)
                .and_then(|jd| i32::try_from(jd).ok())
                .and_then(|jd| Date::from_julian_day(jd).ok())
                .ok_or_else(|| at(call, "add_days() result is out of the date range"))?;
            Value::Date(moved)
        }
        (Func::DaysBetween, [(a, sa), (b, sb)]) => {
            let a = want_date(f, a, *sa)?;
            let b = want_date(f, b, *sb)?;
            let days = i64::from(b.to_julian_day()) - i64::from(a.to_julian_day());
            Value::Num(Decimal::from(days))
        }
        (Func::IsNull, [(v, _)]) => Value::Bool(*v == Value::Null),
        _ => {
            return Err(at(
                call,
                format!("wrong number of arguments for {}()", f.name()),
            ))
        }
    };
    Ok(out)
}

// ---------------------------------------------------------------------------
// Text conversions used by number(), date() and format_date()
// ---------------------------------------------------------------------------

/// Reads an amount as exports write it (`1234.50`, `1,234.50`, `-12`, `+7`, `$12.00`,
/// `-$12`, `$-12`, `(12.00)`…), the `en` rules of `formats::amount`.
fn parse_number_text(raw: &str) -> Option<Decimal> {
    crate::formats::amount::parse_amount(raw, crate::formats::amount::NumberLocale::En)
        .ok()
        .map(norm)
}

/// Reads `YYYY-MM-DD`, `M/D/YYYY` or `M/D/YY` (the rules of `formats::amount::parse_date`),
/// dropping a time part after `T` or a space (`2024-01-05T13:45:00Z`).
fn parse_date_text(raw: &str) -> Option<Date> {
    let mdy = crate::formats::amount::DateFormat::from_spec("M/D/YY")?;
    let day = raw.trim().split(['T', ' ']).next().unwrap_or("");
    crate::formats::amount::parse_date(day, mdy).ok()
}

/// Tokens `YYYY YY MM M DD D`; every other character is copied.
fn format_date(d: Date, pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("YYYY") {
            out.push_str(&format!("{:04}", d.year()));
            rest = r;
        } else if let Some(r) = rest.strip_prefix("YY") {
            out.push_str(&format!("{:02}", d.year().rem_euclid(100)));
            rest = r;
        } else if let Some(r) = rest.strip_prefix("MM") {
            out.push_str(&format!("{:02}", u8::from(d.month())));
            rest = r;
        } else if let Some(r) = rest.strip_prefix('M') {
            out.push_str(&u8::from(d.month()).to_string());
            rest = r;
        } else if let Some(r) = rest.strip_prefix("DD") {
            out.push_str(&format!("{:02}", d.day()));
            rest = r;
        } else if let Some(r) = rest.strip_prefix('D') {
            out.push_str(&d.day().to_string());
            rest = r;
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out
}

// ---------------------------------------------------------------------------
// paths
// ---------------------------------------------------------------------------

fn collect_paths(n: &Node, out: &mut Vec<(Vec<String>, usize)>) {
    match &n.kind {
        Kind::Lit(_) => {}
        Kind::Path(segs) => out.push((segs.clone(), n.span.offset)),
        Kind::Unary(_, e) => collect_paths(e, out),
        Kind::Binary(_, _, l, r) => {
            collect_paths(l, out);
            collect_paths(r, out);
        }
        Kind::Call(_, args) => {
            for a in args {
                collect_paths(a, out);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use time::macros::date;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn num(s: &str) -> Value {
        Value::Num(d(s))
    }

    fn s(x: &str) -> Value {
        Value::Str(x.to_string())
    }

    fn fixture(path: &[&str]) -> Option<Value> {
        Some(match path {
            ["line", "amount"] => num("100.00"),
            ["line", "neg"] => num("-5"),
            ["line", "desc"] => s("  Concrete pour  "),
            ["line", "code"] => s("ab"),
            ["line", "none"] => Value::Null,
            ["line", "date"] => Value::Date(date!(2024 - 01 - 31)),
            ["line", "flag"] => Value::Bool(true),
            ["line", "text_amount"] => s("1,234.50"),
            ["qty"] => num("3"),
            _ => return None,
        })
    }

    fn types(path: &[&str]) -> Option<Type> {
        Some(match path {
            ["line", "amount"] | ["line", "neg"] | ["qty"] => Type::Num,
            ["line", "desc"] | ["line", "code"] | ["line", "text_amount"] => Type::Str,
            ["line", "date"] => Type::Date,
            ["line", "flag"] => Type::Bool,
            ["line", "none"] => Type::Null,
            ["line", "any"] => Type::Any,
            _ => return None,
        })
    }

    fn ev(src: &str) -> Value {
        let e = parse(src).unwrap_or_else(|e| panic!("parse {src:?}: {e:?}"));
        e.eval(&fixture)
            .unwrap_or_else(|e| panic!("eval {src:?}: {e:?}"))
    }

    fn txt(src: &str) -> String {
        ev(src).to_text()
    }

    fn ev_err(src: &str) -> ExprError {
        let e = parse(src).unwrap_or_else(|e| panic!("parse {src:?}: {e:?}"));
        match e.eval(&fixture) {
            Ok(v) => panic!("eval {src:?} should fail, got {v:?}"),
            Err(err) => err,
        }
    }

    fn perr(src: &str) -> ExprError {
        match parse(src) {
            Ok(e) => panic!("parse {src:?} should fail, got {e:?}"),
            Err(err) => err,
        }
    }

    fn ty(src: &str) -> Type {
        let e = parse(src).unwrap_or_else(|e| panic!("parse {src:?}: {e:?}"));
        e.check(&types)
            .unwrap_or_else(|e| panic!("check {src:?}: {e:?}"))
    }

    fn ty_err(src: &str) -> ExprError {
        let e = parse(src).unwrap_or_else(|e| panic!("parse {src:?}: {e:?}"));
        match e.check(&types) {
            Ok(t) => panic!("check {src:?} should fail, got {t:?}"),
            Err(err) => err,
        }
    }

    /// The source text an error points at.
    fn pointed<'a>(src: &'a str, e: &ExprError) -> &'a str {
        &src[e.offset..e.offset + e.len]
    }

    // --- precedence and associativity -------------------------------------

    #[test]
    fn multiplication_binds_tighter_than_addition() {
        assert_eq!(ev("1 + 2 * 3"), num("7"));
        assert_eq!(ev("(1 + 2) * 3"), num("9"));
        assert_eq!(ev("2 * 3 + 4 * 5"), num("26"));
    }

    #[test]
    fn binary_operators_are_left_associative() {
        assert_eq!(ev("10 - 4 - 3"), num("3"));
        assert_eq!(ev("100 / 10 / 5"), num("2"));
        assert_eq!(ev("2 * 3 % 4"), num("2"));
        assert_eq!(ev("7 % 4 * 2"), num("6"));
    }

    #[test]
    fn unary_operators() {
        assert_eq!(ev("-2 * 3"), num("-6"));
        assert_eq!(ev("- -2"), num("2"));
        assert_eq!(ev("-(2 + 3)"), num("-5"));
        assert_eq!(ev("1 - -1"), num("2"));
        assert_eq!(ev("-line.neg"), num("5"));
        assert_eq!(ev("!true || true"), Value::Bool(true));
        assert_eq!(ev("!(true || true)"), Value::Bool(false));
        assert_eq!(ev("!!line.flag"), Value::Bool(true));
    }

    #[test]
    fn logical_and_comparison_precedence() {
        assert_eq!(ev("true || false && false"), Value::Bool(true));
        assert_eq!(ev("(true || false) && false"), Value::Bool(false));
        assert_eq!(ev("1 + 2 < 4 == true"), Value::Bool(true));
        assert_eq!(ev("1 < 2 == 2 < 3"), Value::Bool(true));
        assert_eq!(ev("1 < 2 && 3 >= 3 || false"), Value::Bool(true));
        assert_eq!(ev("2 <= 1 || 5 > 4 && 1 != 1"), Value::Bool(false));
    }

    #[test]
    fn whitespace_anywhere() {
        assert_eq!(ev(" \t1\n+\r\n2 "), num("3"));
        assert_eq!(ev("line . amount"), num("100.00"));
        assert_eq!(ev("round ( 1.25 , 1 )"), num("1.3"));
        assert_eq!(ev("\u{a0}1\u{a0}"), num("1"));
    }

    // --- literals and values -----------------------------------------------

    #[test]
    fn literals() {
        assert_eq!(txt("12.50"), "12.50");
        assert_eq!(txt("0012"), "12");
        assert_eq!(ev("true"), Value::Bool(true));
        assert_eq!(ev("false"), Value::Bool(false));
        assert_eq!(ev("null"), Value::Null);
        assert_eq!(ev(r"'it\'s'"), s("it's"));
        assert_eq!(ev(r#""a\"b\\c\n\t""#), s("a\"b\\c\n\t"));
        assert_eq!(ev(r#"'say "hi"'"#), s("say \"hi\""));
        assert_eq!(ev(r#""don't""#), s("don't"));
        assert_eq!(ev("'héllo ✓'"), s("héllo ✓"));
        assert_eq!(ev("''"), s(""));
    }

    #[test]
    fn value_text_and_types() {
        assert_eq!(Value::Null.to_text(), "");
        assert_eq!(Value::Bool(false).to_text(), "false");
        assert_eq!(num("1.50").to_text(), "1.50");
        assert_eq!(Value::Date(date!(2024 - 03 - 07)).to_text(), "2024-03-07");
        assert_eq!(Value::Num(-d("0")).to_text(), "0");
        assert_eq!(Value::Null.type_of(), Type::Null);
        assert_eq!(Value::Bool(true).type_of(), Type::Bool);
        assert_eq!(num("1").type_of(), Type::Num);
        assert_eq!(s("x").type_of(), Type::Str);
        assert_eq!(Value::Date(date!(2024 - 03 - 07)).type_of(), Type::Date);
        assert_eq!(Type::Str.to_string(), "text");
    }

    #[test]
    fn decimal_arithmetic_is_exact() {
        assert_eq!(ev("0.1 + 0.2 == 0.3"), Value::Bool(true));
        assert_eq!(txt("0.1 + 0.2"), "0.3");
        assert_eq!(txt("1.15 * 100"), "115.00");
        assert_eq!(ev("10 / 4"), num("2.5"));
        assert_eq!(txt("10.5 % 3"), "1.5");
        assert_eq!(txt("line.amount * 1.15"), "115.0000");
        assert_eq!(txt("-0"), "0");
        assert_eq!(txt("0 * -1"), "0");
    }

    #[test]
    fn equality_and_ordering() {
        assert_eq!(ev("1.0 == 1.00"), Value::Bool(true));
        assert_eq!(ev("null == null"), Value::Bool(true));
        assert_eq!(ev("null == 0"), Value::Bool(false));
        assert_eq!(ev("'1' == 1"), Value::Bool(false));
        assert_eq!(ev("'1' != 1"), Value::Bool(true));
        assert_eq!(ev("line.none == null"), Value::Bool(true));
        assert_eq!(ev("'abc' < 'abd'"), Value::Bool(true));
        assert_eq!(ev("'b' >= 'a'"), Value::Bool(true));
        assert_eq!(
            ev("date('2024-01-01') < date('2024-02-01')"),
            Value::Bool(true)
        );
        assert_eq!(ev("line.date > date('2024-01-30')"), Value::Bool(true));
        assert_eq!(ev("2 <= 2"), Value::Bool(true));
        assert_eq!(ev("2 > 2"), Value::Bool(false));
    }

    #[test]
    fn short_circuit_and_laziness() {
        assert_eq!(ev("false && 1 / 0 > 0"), Value::Bool(false));
        assert_eq!(ev("true || nope.field"), Value::Bool(true));
        assert_eq!(ev("if(true, 1, 1 / 0)"), num("1"));
        assert_eq!(ev("if(false, nope, 2)"), num("2"));
        assert_eq!(ev("coalesce(1, 1 / 0)"), num("1"));
    }

    #[test]
    fn mapping_example() {
        let src = "if(line.amount < 0, 0, round(line.amount * 1.15, 2))";
        assert_eq!(txt(src), "115.00");
        let e = parse(src).expect("parses");
        let neg = |p: &[&str]| match p {
            ["line", "amount"] => Some(num("-3")),
            _ => None,
        };
        assert_eq!(e.eval(&neg), Ok(num("0")));
        assert_eq!(e.check(&types), Ok(Type::Num));
    }

    // --- functions -----------------------------------------------------------

    #[test]
    fn fn_if() {
        assert_eq!(ev("if(line.flag, 'y', 'n')"), s("y"));
        assert_eq!(ev("if(1 > 2, 'y', 'n')"), s("n"));
        let e = ev_err("if(1, 2, 3)");
        assert_eq!((e.offset, e.len), (3, 1));
        assert!(
            e.message.contains("if() expects a boolean"),
            "{}",
            e.message
        );
        let e = ev_err("if(line.none, 2, 3)");
        assert_eq!(e.message, "value is null");
    }

    #[test]
    fn fn_coalesce() {
        assert_eq!(ev("coalesce(line.none, 0)"), num("0"));
        assert_eq!(ev("coalesce(null, null, 'x')"), s("x"));
        assert_eq!(ev("coalesce(null)"), Value::Null);
        assert_eq!(ev("coalesce(line.amount, 0)"), num("100.00"));
    }

    #[test]
    fn fn_upper_lower_trim() {
        assert_eq!(ev("upper('abc é')"), s("ABC É"));
        assert_eq!(ev("lower('ABC')"), s("abc"));
        assert_eq!(ev("trim(line.desc)"), s("Concrete pour"));
        let e = ev_err("upper(line.none)");
        assert_eq!(e.message, "value is null");
        assert_eq!((e.offset, e.len), (6, 9));
        assert!(e.hint.unwrap_or_default().contains("coalesce"));
        let e = ev_err("lower(1)");
        assert_eq!(e.message, "lower() expects text, found number");
        assert_eq!((e.offset, e.len), (6, 1));
    }

    #[test]
    fn fn_concat_and_text() {
        assert_eq!(
            ev("concat('a', 1.50, null, true, line.date)"),
            s("a1.50true2024-01-31")
        );
        assert_eq!(ev("concat(line.none)"), s(""));
        assert_eq!(ev("text(12.50)"), s("12.50"));
        assert_eq!(ev("text(null)"), s(""));
        assert_eq!(ev("text(line.date)"), s("2024-01-31"));
        assert_eq!(ev("text(false)"), s("false"));
    }

    #[test]
    fn fn_len_substr() {
        assert_eq!(ev("len('héllo')"), num("5"));
        assert_eq!(ev("len('')"), num("0"));
        assert_eq!(ev("substr('héllo', 1, 3)"), s("éll"));
        assert_eq!(ev("substr('hello', 3, 100)"), s("lo"));
        assert_eq!(ev("substr('hello', -2, 2)"), s("he"));
        assert_eq!(ev("substr('hello', 10, 2)"), s(""));
        assert_eq!(ev("substr('hello', 1, -1)"), s(""));
        assert_eq!(
            ev("substr('hello', 0, 99999999999999999999999999)"),
            s("hello")
        );
        let e = ev_err("substr('hello', 1.5, 2)");
        assert_eq!(e.message, "substr() expects a whole number, found 1.5");
        assert_eq!((e.offset, e.len), (16, 3));
    }

    #[test]
    fn fn_replace_contains_starts_with() {
        assert_eq!(ev("replace('a-b-c', '-', '/')"), s("a/b/c"));
        assert_eq!(ev("replace('abc', '', 'x')"), s("abc"));
        assert_eq!(ev("contains('concrete', 'cre')"), Value::Bool(true));
        assert_eq!(ev("contains('concrete', 'x')"), Value::Bool(false));
        assert_eq!(ev("starts_with('03-100', '03')"), Value::Bool(true));
        assert_eq!(ev("starts_with('03-100', '100')"), Value::Bool(false));
        let e = ev_err("contains(line.none, 'x')");
        assert_eq!(e.message, "value is null");
        assert_eq!(e.offset, 9);
    }

    #[test]
    fn fn_pad_left() {
        assert_eq!(ev("pad_left('42', 5, '0')"), s("00042"));
        assert_eq!(ev("pad_left('123456', 3, '0')"), s("123456"));
        assert_eq!(ev("pad_left('é', 3, '·')"), s("··é"));
        let e = ev_err("pad_left('1', 5, '00')");
        assert!(e.message.contains("single fill character"), "{}", e.message);
        assert_eq!((e.offset, e.len), (17, 4));
        let e = ev_err("pad_left('1', 100000, '0')");
        assert!(e.message.contains("width"), "{}", e.message);
        assert_eq!(e.offset, 14);
        let e = ev_err("pad_left('1', -1, '0')");
        assert!(e.message.contains("width"), "{}", e.message);
    }

    #[test]
    fn fn_round_half_away_from_zero() {
        assert_eq!(txt("round(2.345, 2)"), "2.35");
        assert_eq!(txt("round(-2.345, 2)"), "-2.35");
        assert_eq!(txt("round(2.5, 0)"), "3");
        assert_eq!(txt("round(-2.5, 0)"), "-3");
        assert_eq!(txt("round(2.344, 2)"), "2.34");
        assert_eq!(txt("round(2.5, 2)"), "2.50");
        assert_eq!(txt("round(7, 2)"), "7.00");
        assert_eq!(txt("round(-0.001, 2)"), "0.00");
        assert_eq!(txt("round(1.23456789012, 10)"), "1.2345678901");
        let e = ev_err("round(1, 11)");
        assert_eq!((e.offset, e.len), (9, 2));
        assert!(e.message.contains("0 to 10"), "{}", e.message);
        let e = ev_err("round(1, 1.5)");
        assert!(e.message.contains("whole number"), "{}", e.message);
        let e = ev_err("round(1, -1)");
        assert!(e.message.contains("0 to 10"), "{}", e.message);
    }

    #[test]
    fn fn_floor_ceil_abs() {
        assert_eq!(ev("floor(2.7)"), num("2"));
        assert_eq!(ev("floor(-2.5)"), num("-3"));
        assert_eq!(ev("ceil(2.1)"), num("3"));
        assert_eq!(ev("ceil(-2.5)"), num("-2"));
        assert_eq!(txt("ceil(-0.5)"), "0");
        assert_eq!(ev("abs(-3.25)"), num("3.25"));
        assert_eq!(ev("abs(line.neg)"), num("5"));
        let e = ev_err("abs('x')");
        assert_eq!(e.message, "abs() expects a number, found text");
    }

    #[test]
    fn fn_min_max() {
        assert_eq!(ev("min(3, 1, 2)"), num("1"));
        assert_eq!(ev("max(3, 1, 2)"), num("3"));
        assert_eq!(ev("max(-1)"), num("-1"));
        assert_eq!(
            ev("max(date('2024-01-01'), line.date)"),
            Value::Date(date!(2024 - 01 - 31))
        );
        let e = ev_err("min(1, line.date)");
        assert!(e.message.contains("cannot mix"), "{}", e.message);
        assert_eq!(e.offset, 7);
        let e = ev_err("max(1, line.none)");
        assert_eq!(e.message, "value is null");
        let e = ev_err("min('a', 'b')");
        assert_eq!(e.message, "min() expects numbers or dates, found text");
        assert_eq!((e.offset, e.len), (4, 3));
    }

    #[test]
    fn fn_number() {
        assert_eq!(ev("number('12')"), num("12"));
        assert_eq!(txt("number('1,234.50')"), "1234.50");
        assert_eq!(txt("number(line.text_amount)"), "1234.50");
        assert_eq!(txt("number('  $1,000,000.00 ')"), "1000000.00");
        assert_eq!(txt("number('(12.00)')"), "-12.00");
        assert_eq!(txt("number('( $1,200.00 )')"), "-1200.00");
        assert_eq!(txt("number('-$5')"), "-5");
        assert_eq!(txt("number('$-5')"), "-5");
        assert_eq!(txt("number('+7')"), "7");
        assert_eq!(txt("number('.5')"), "0.5");
        assert_eq!(txt("number(3.10)"), "3.10");
        assert_eq!(txt("number('-0')"), "0");
        for bad in [
            "", "abc", "1,23", "12,3456", "1.2.3", "--1", "(-1)", "$", "1e5", "١٢",
        ] {
            let src = format!("number('{bad}')");
            let e = ev_err(&src);
            assert_eq!(e.message, format!("cannot read '{bad}' as a number"));
            assert_eq!((e.offset, e.len), (7, bad.len() + 2), "{src}");
        }
        assert_eq!(ev_err("number(null)").message, "value is null");
        assert!(ev_err("number(true)").message.contains("text or a number"));
    }

    #[test]
    fn fn_date() {
        let jan5 = Value::Date(date!(2024 - 01 - 05));
        assert_eq!(ev("date('2024-01-05')"), jan5);
        assert_eq!(ev("date('2024-01-05T13:45:00Z')"), jan5);
        assert_eq!(ev("date('2024-01-05 13:45')"), jan5);
        assert_eq!(ev("date(' 01/05/2024 ')"), jan5);
        assert_eq!(ev("date('1/5/2024')"), jan5);
        assert_eq!(ev("date('01/05/24')"), jan5);
        assert_eq!(ev("date(line.date)"), Value::Date(date!(2024 - 01 - 31)));
        assert_eq!(ev("date('2024-02-29')"), Value::Date(date!(2024 - 02 - 29)));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-5",
            "13/01/2024",
            "01/05/024",
            "2024/01/05",
            "x",
            "",
            "2024-01-05X",
            "é1/05/2024",
        ] {
            let src = format!("date('{bad}')");
            let e = ev_err(&src);
            assert_eq!(e.message, format!("cannot read '{bad}' as a date"), "{src}");
            assert_eq!((e.offset, e.len), (5, bad.len() + 2), "{src}");
        }
        assert_eq!(ev_err("date(null)").message, "value is null");
    }

    #[test]
    fn fn_format_date_and_parts() {
        assert_eq!(ev("format_date(line.date, 'MM/DD/YYYY')"), s("01/31/2024"));
        assert_eq!(ev("format_date(line.date, 'M/D/YY')"), s("1/31/24"));
        assert_eq!(
            ev("format_date(date('2024-03-07'), 'YYYYMMDD (D.M.)')"),
            s("20240307 (7.3.)")
        );
        assert_eq!(ev("format_date(line.date, 'é-YYYY')"), s("é-2024"));
        assert_eq!(ev("year(line.date)"), num("2024"));
        assert_eq!(ev("month(line.date)"), num("1"));
        assert_eq!(ev("day(line.date)"), num("31"));
        let e = ev_err("year('2024')");
        assert_eq!(e.message, "year() expects a date, found text");
    }

    #[test]
    fn fn_add_days_days_between() {
        assert_eq!(
            ev("add_days(line.date, 1)"),
            Value::Date(date!(2024 - 02 - 01))
        );
        assert_eq!(
            ev("add_days(date('2024-03-01'), -1)"),
            Value::Date(date!(2024 - 02 - 29))
        );
        assert_eq!(ev("days_between(date('2024-01-01'), line.date)"), num("30"));
        assert_eq!(
            ev("days_between(line.date, date('2024-01-01'))"),
            num("-30")
        );
        let e = ev_err("add_days(line.date, 99999999999)");
        assert!(e.message.contains("out of the date range"), "{}", e.message);
        assert_eq!(e.offset, 0);
        let e = ev_err("add_days(line.date, 0.5)");
        assert!(e.message.contains("whole number"), "{}", e.message);
    }

    #[test]
    fn fn_is_null() {
        assert_eq!(ev("is_null(line.none)"), Value::Bool(true));
        assert_eq!(ev("is_null(0)"), Value::Bool(false));
        assert_eq!(ev("is_null('')"), Value::Bool(false));
    }

    #[test]
    fn function_names_lists_everything() {
        let names = function_names();
        assert_eq!(names.len(), 28);
        for n in ["if", "coalesce", "pad_left", "days_between", "is_null"] {
            assert!(names.contains(&n), "{n}");
        }
    }

    // --- evaluation errors with spans ---------------------------------------

    #[test]
    fn division_by_zero_points_at_operator() {
        let e = ev_err("1 / 0");
        assert_eq!(e.message, "division by zero");
        assert_eq!((e.offset, e.len), (2, 1));
        let e = ev_err("line.amount % (2 - 2)");
        assert_eq!(e.message, "division by zero");
        assert_eq!((e.offset, e.len), (12, 1));
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let max = "79228162514264337593543950335";
        let e = ev_err(&format!("{max} * 2"));
        assert!(e.message.contains("overflow"), "{}", e.message);
        assert_eq!((e.offset, e.len), (30, 1));
        let e = ev_err(&format!("{max} + 1"));
        assert!(e.message.contains("overflow"), "{}", e.message);
        let e = ev_err(&format!("-{max} - 1"));
        assert!(e.message.contains("overflow"), "{}", e.message);
        let e = ev_err(&format!("{max} / 0.1"));
        assert!(e.message.contains("overflow"), "{}", e.message);
    }

    #[test]
    fn null_in_arithmetic() {
        let e = ev_err("line.none + 1");
        assert_eq!(e.message, "value is null");
        assert_eq!((e.offset, e.len), (0, 9));
        assert!(e.hint.unwrap_or_default().contains("coalesce("));
        let e = ev_err("1 * null");
        assert_eq!((e.offset, e.len), (4, 4));
        let e = ev_err("-null");
        assert_eq!((e.offset, e.len), (1, 4));
        let e = ev_err("null < 1");
        assert_eq!(e.message, "value is null");
        assert_eq!(ev("coalesce(line.none, 0) + 1"), num("1"));
    }

    #[test]
    fn type_errors_in_operators() {
        let e = ev_err("'a' + 'b'");
        assert_eq!(e.message, "cannot add text to text");
        assert_eq!((e.offset, e.len), (4, 1));
        assert!(e.hint.unwrap_or_default().contains("concat()"));
        let e = ev_err("line.date + 1");
        assert_eq!(e.message, "cannot add a number to a date");
        assert_eq!((e.offset, e.len), (10, 1));
        assert!(e.hint.unwrap_or_default().contains("add_days"));
        let e = ev_err("line.date - 1");
        assert!(e.hint.unwrap_or_default().contains("add_days"));
        let e = ev_err("line.date - line.date");
        assert!(e.hint.unwrap_or_default().contains("days_between"));
        let e = ev_err("1 + 'a'");
        assert_eq!(e.message, "'+' expects numbers, found text");
        assert_eq!((e.offset, e.len), (4, 3));
        let e = ev_err("true * 2");
        assert_eq!((e.offset, e.len), (0, 4));
        let e = ev_err("1 < 'a'");
        assert_eq!(e.message, "cannot compare number with text");
        assert_eq!((e.offset, e.len), (2, 1));
        let e = ev_err("true < false");
        assert!(e.message.contains("boolean"), "{}", e.message);
        let e = ev_err("1 && true");
        assert_eq!(e.message, "'&&' expects booleans, found number");
        assert_eq!((e.offset, e.len), (0, 1));
        let e = ev_err("false || 'x'");
        assert_eq!((e.offset, e.len), (9, 3));
        let e = ev_err("true && 'x'");
        assert_eq!((e.offset, e.len), (8, 3));
        let e = ev_err("-'x'");
        assert_eq!(e.message, "'-' expects a number, found text");
        let e = ev_err("!1");
        assert_eq!(e.message, "'!' expects a boolean, found number");
        assert_eq!((e.offset, e.len), (1, 1));
    }

    #[test]
    fn unknown_path_is_named() {
        let src = "line.amount + line.missing_col";
        let e = ev_err(src);
        assert_eq!(e.message, "unknown field 'line.missing_col'");
        assert_eq!(pointed(src, &e), "line.missing_col");
    }

    // --- parse errors with spans ---------------------------------------------

    #[test]
    fn parse_errors_are_located() {
        let cases: &[(&str, &str, usize, usize)] = &[
            ("", "expression is empty", 0, 0),
            ("   ", "expression is empty", 3, 0),
            ("1 +", "unexpected end of expression", 3, 0),
            ("(1 + 2", "expected ')'", 6, 0),
            ("(1 2)", "expected ')'", 3, 1),
            ("1 # 2", "unexpected character '#'", 2, 1),
            (
                "1 2",
                "unexpected '2' after the end of the expression",
                2,
                1,
            ),
            ("1 + 2)", "unexpected ')'", 5, 1),
            ("a = 1", "unexpected character '='", 2, 1),
            ("a & b", "unexpected character '&'", 2, 1),
            ("12.", "expected digits after the decimal point", 2, 1),
            ("12.x", "expected digits after the decimal point", 2, 1),
            ("'abc", "unterminated string", 0, 4),
            ("\"ab\\", "unterminated string", 0, 4),
            ("'a\\qb'", "unknown escape '\\q'", 2, 2),
            ("foo(1)", "unknown function 'foo'", 0, 3),
            ("round(1)", "round() takes 2 arguments, found 1", 0, 8),
            ("upper(1, 2)", "upper() takes 1 argument, found 2", 9, 1),
            ("min()", "min() takes at least 1 argument, found 0", 0, 5),
            (
                "round(1, 2",
                "expected ',' or ')', found end of expression",
                10,
                0,
            ),
            ("round(1 2)", "expected ',' or ')', found '2'", 8, 1),
            ("upper(1,)", "expected a value, found ')'", 8, 1),
            (
                "line.",
                "expected a field name after '.', found end of expression",
                5,
                0,
            ),
            ("line.1", "expected a field name after '.', found '1'", 5, 1),
            ("* 2", "expected a value, found '*'", 0, 1),
            ("é", "unexpected character 'é'", 0, 2),
            ("1 + é", "unexpected character 'é'", 4, 2),
            (
                "99999999999999999999999999999999",
                "number '99999999999999999999999999999999' is out of range",
                0,
                32,
            ),
        ];
        for (src, msg, offset, len) in cases {
            let e = perr(src);
            assert_eq!(&e.message, msg, "{src:?}");
            assert_eq!((e.offset, e.len), (*offset, *len), "{src:?}: {e:?}");
        }
    }

    #[test]
    fn parse_error_hints() {
        let e = perr("nope(1)");
        let hint = e.hint.unwrap_or_default();
        assert!(
            hint.contains("round") && hint.contains("format_date"),
            "{hint}"
        );
        assert!(perr("a = 1").hint.unwrap_or_default().contains("=="));
        assert!(perr("a | b").hint.unwrap_or_default().contains("||"));
        let e = perr("\u{201C}x\u{201D}");
        assert_eq!((e.offset, e.len), (0, 3));
        assert!(e.hint.unwrap_or_default().contains("straight quotes"));
        assert!(perr("(1 + 2").hint.unwrap_or_default().contains("offset 0"));
        assert!(perr(".5").hint.unwrap_or_default().contains("0.5"));
        assert_eq!(
            perr("'a' 'b'").message,
            "unexpected 'b' after the end of the expression"
        );
    }

    #[test]
    fn nesting_is_capped_at_64() {
        let ok = format!("{}1{}", "(".repeat(64), ")".repeat(64));
        assert_eq!(ev(&ok), num("1"));
        let deep = format!("{}1{}", "(".repeat(65), ")".repeat(65));
        let e = perr(&deep);
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
        assert_eq!((e.offset, e.len), (64, 1));
        let e = perr(&"(".repeat(100_000));
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
        let e = perr(&format!("{}1", "-".repeat(100_000)));
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
        let e = perr(&format!("{}1{}", "abs(".repeat(65), ")".repeat(65)));
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
        assert_eq!(e.offset, 64 * 4);
    }

    #[test]
    fn worst_case_depth_fits_a_small_stack() {
        // Maximum call nesting around the longest accepted operator chain,
        // evaluated and checked on a 1 MiB stack (half a default thread's).
        let src = format!(
            "{}1{}{}",
            "abs(".repeat(63),
            "+1".repeat(190),
            ")".repeat(63)
        );
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let e = parse(&src).expect("parses");
                (e.eval(&fixture), e.check(&types))
            })
            .expect("spawn");
        let (value, ty) = handle.join().expect("no stack overflow");
        assert_eq!(value, Ok(num("191")));
        assert_eq!(ty, Ok(Type::Num));
    }

    #[test]
    fn long_operator_chains_are_bounded() {
        let ok = format!("1{}", " + 1".repeat(200));
        assert_eq!(ev(&ok), num("201"));
        let long = format!("1{}", "+1".repeat(100_000));
        let e = perr(&long);
        assert!(e.message.contains("too long"), "{}", e.message);
    }

    // --- check ------------------------------------------------------------------

    #[test]
    fn check_infers_types() {
        assert_eq!(ty("1"), Type::Num);
        assert_eq!(ty("'a'"), Type::Str);
        assert_eq!(ty("null"), Type::Null);
        assert_eq!(ty("line.amount * 2"), Type::Num);
        assert_eq!(ty("line.amount > 2 && line.flag"), Type::Bool);
        assert_eq!(ty("line.desc == 1"), Type::Bool);
        assert_eq!(ty("if(line.flag, 'a', 'b')"), Type::Str);
        assert_eq!(ty("if(line.flag, null, 1)"), Type::Num);
        assert_eq!(ty("if(line.flag, line.any, 1)"), Type::Any);
        assert_eq!(ty("coalesce(line.none, line.amount, 0)"), Type::Num);
        assert_eq!(ty("concat(line.amount, line.date)"), Type::Str);
        assert_eq!(ty("len(line.desc) + 1"), Type::Num);
        assert_eq!(ty("date(line.desc)"), Type::Date);
        assert_eq!(ty("add_days(line.date, 3)"), Type::Date);
        assert_eq!(ty("days_between(line.date, line.date)"), Type::Num);
        assert_eq!(ty("format_date(line.date, 'YYYY')"), Type::Str);
        assert_eq!(ty("max(line.date, date('2024-01-01'))"), Type::Date);
        assert_eq!(ty("min(line.any, 1)"), Type::Num);
        assert_eq!(ty("number(line.text_amount)"), Type::Num);
        assert_eq!(ty("is_null(line.none)"), Type::Bool);
        assert_eq!(ty("contains(line.desc, 'x')"), Type::Bool);
        assert_eq!(ty("pad_left(line.code, 5, '0')"), Type::Str);
        assert_eq!(ty("substr(line.desc, 0, 3)"), Type::Str);
    }

    #[test]
    fn check_any_is_compatible() {
        assert_eq!(ty("line.any + 1"), Type::Num);
        assert_eq!(ty("upper(line.any)"), Type::Str);
        assert_eq!(ty("line.any < 'x'"), Type::Bool);
        assert_eq!(ty("line.any && true"), Type::Bool);
        assert_eq!(ty("-line.any"), Type::Num);
        assert_eq!(ty("if(line.any, line.any, 1)"), Type::Any);
    }

    #[test]
    fn check_reports_mismatches_at_argument() {
        let src = "upper(line.amount)";
        let e = ty_err(src);
        assert_eq!(e.message, "upper() expects text, found number");
        assert_eq!((e.offset, e.len), (6, 11));
        let e = ty_err("round(line.desc, 2)");
        assert_eq!(e.message, "round() expects a number, found text");
        assert_eq!(e.offset, 6);
        let e = ty_err("round(line.amount, 12)");
        assert!(e.message.contains("0 to 10"), "{}", e.message);
        assert_eq!((e.offset, e.len), (19, 2));
        let e = ty_err("round(line.amount, -1)");
        assert_eq!(e.offset, 19);
        let e = ty_err("year(line.desc)");
        assert_eq!(e.message, "year() expects a date, found text");
        let e = ty_err("number(line.flag)");
        assert!(e.message.contains("text or a number"), "{}", e.message);
        let e = ty_err("min(1, line.date)");
        assert!(
            e.message.contains("cannot mix number and date"),
            "{}",
            e.message
        );
        let e = ty_err("max('a')");
        assert!(e.message.contains("numbers or dates"), "{}", e.message);
        let e = ty_err("upper(line.none)");
        assert_eq!(e.message, "value is null");
    }

    #[test]
    fn check_if_branches_must_agree() {
        let src = "if(line.flag, line.amount, line.desc)";
        let e = ty_err(src);
        assert_eq!(
            e.message,
            "if() branches have different types: number and text"
        );
        assert_eq!(pointed(src, &e), "line.desc");
        let e = ty_err("if(line.amount, 1, 2)");
        assert_eq!(e.message, "if() expects a boolean, found number");
        assert_eq!(e.offset, 3);
        let src = "coalesce(line.amount, 'x')";
        let e = ty_err(src);
        assert_eq!(pointed(src, &e), "'x'");
    }

    #[test]
    fn check_operator_errors() {
        let e = ty_err("line.desc + line.desc");
        assert_eq!(e.message, "cannot add text to text");
        assert_eq!(e.offset, 10);
        let e = ty_err("line.date + 1");
        assert!(e.hint.unwrap_or_default().contains("add_days"));
        let e = ty_err("line.date < line.desc");
        assert!(e.hint.unwrap_or_default().contains("date()"));
        let e = ty_err("line.amount + null");
        assert_eq!(e.message, "value is null");
        assert_eq!(e.offset, 14);
        let e = ty_err("!line.amount");
        assert_eq!(e.offset, 1);
        let e = ty_err("line.amount || true");
        assert_eq!(e.offset, 0);
    }

    #[test]
    fn check_unknown_field() {
        let src = "line.amount + line.amout";
        let e = ty_err(src);
        assert_eq!(e.message, "unknown field 'line.amout'");
        assert_eq!(pointed(src, &e), "line.amout");
        assert!(e.hint.is_some());
    }

    // --- paths and spans --------------------------------------------------------

    #[test]
    fn paths_in_source_order() {
        let e = parse("if(a.b > 0, concat(c, d.e.f), a.b)").expect("parses");
        let got = e.paths();
        let want: Vec<(Vec<String>, usize)> = vec![
            (vec!["a".into(), "b".into()], 3),
            (vec!["c".into()], 19),
            (vec!["d".into(), "e".into(), "f".into()], 22),
            (vec!["a".into(), "b".into()], 30),
        ];
        assert_eq!(got, want);
        assert!(parse("1 + round(2, 1)").expect("parses").paths().is_empty());
        assert_eq!(
            parse("true_value || null_x").expect("parses").paths().len(),
            2
        );
    }

    #[test]
    fn expression_span_covers_source() {
        assert_eq!(parse("  (1 + 2)  ").expect("parses").span(), (2, 7));
        assert_eq!(parse("a.b").expect("parses").span(), (0, 3));
    }

    #[test]
    fn error_display_is_the_message() {
        let e = perr("1 +");
        assert_eq!(e.to_string(), "unexpected end of expression");
    }

    // --- robustness ----------------------------------------------------------------

    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as u32
        }

        fn below(&mut self, n: usize) -> usize {
            self.next() as usize % n
        }
    }

    fn any_value(path: &[&str]) -> Option<Value> {
        match path.len() % 5 {
            0 => Some(num("1.5")),
            1 => Some(s("2024-01-05")),
            2 => Some(Value::Null),
            3 => Some(Value::Date(date!(2024 - 01 - 05))),
            _ => None,
        }
    }

    fn assert_located(src: &str, e: &ExprError) {
        let end = e.offset + e.len;
        assert!(
            src.is_char_boundary(e.offset) && src.is_char_boundary(end),
            "bad span {e:?} for {src:?}"
        );
    }

    fn exercise(src: &str) {
        match parse(src) {
            Ok(expr) => {
                if let Err(e) = expr.eval(&any_value) {
                    assert_located(src, &e);
                }
                if let Err(e) = expr.check(&|_| Some(Type::Any)) {
                    assert_located(src, &e);
                }
                let _ = expr.paths();
            }
            Err(e) => assert_located(src, &e),
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Lcg(0x2545_f491_4f6c_dd1d);
        let alphabet = b"()+-*/%<>=!&|,.'\"\\ \t\n#0123456789abxyz_$";
        for _ in 0..3000 {
            let len = rng.below(48);
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.below(4) == 0 {
                        rng.next() as u8
                    } else {
                        alphabet[rng.below(alphabet.len())]
                    }
                })
                .collect();
            exercise(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn random_token_soup_never_panics() {
        let frags = [
            "(",
            ")",
            ",",
            "1",
            "0",
            "2.5",
            "-",
            "+",
            "*",
            "/",
            "%",
            "<",
            ">=",
            "==",
            "!=",
            "&&",
            "||",
            "!",
            "a",
            "a.b",
            "x.y.z",
            "'s'",
            "\"t\"",
            "null",
            "true",
            "false",
            "if(",
            "round(",
            "concat(",
            "substr(",
            "date(",
            "'2024-01-05'",
            "add_days(",
            "number(",
            "'(1,234.50)'",
            "pad_left(",
            "min(",
            "max(",
            "coalesce(",
            "upper(",
            "format_date(",
            "'MM/DD/YY'",
            "days_between(",
            "len(",
            "replace(",
            "is_null(",
            "79228162514264337593543950335",
            "99999999999",
            "é",
            " ",
        ];
        let mut rng = Lcg(42);
        let mut parsed = 0;
        for _ in 0..4000 {
            let n = 1 + rng.below(14);
            let src: String = (0..n).map(|_| frags[rng.below(frags.len())]).collect();
            if parse(&src).is_ok() {
                parsed += 1;
            }
            exercise(&src);
        }
        assert!(parsed > 100, "only {parsed} inputs parsed");
    }
}
