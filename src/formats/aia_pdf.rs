//! AIA-style pay application PDF: page 1 is the G702-style "Application and
//! Certificate for Payment" summary, the following pages are the G703-style
//! "Continuation Sheet" (columns A–I), all US Letter landscape. The same machinery
//! lays out table reports (`write_table`, e.g. the cost reconciliation).
//!
//! This module only lays out numbers it is given: every amount, total and
//! percentage comes from [`PayApplication`] as computed elsewhere. Nothing here
//! adds, subtracts, rounds for the contract or checks tie-outs; the only
//! arithmetic is page geometry (millimetres, `f32`) and display formatting of
//! `Decimal` values (digit grouping on the decimal text, no floats).
//!
//! The output is deterministic: the same application gives byte-identical PDFs in
//! any process. printpdf 0.7 stamps the current time and random ids, so the
//! document dates are set to the application date at 00:00 UTC, no XMP packet is
//! written, and the trailer `/ID` is overwritten with a 128-bit FNV-1a hash of the
//! laid-out text.
//!
//! Text uses the built-in Helvetica fonts (WinAnsiEncoding); characters they
//! cannot show become `?`. Widths are measured with Helvetica's glyph widths (the
//! larger of regular and bold), and text is cut with "..." or, for amounts, set
//! smaller, so it never runs into the next column.

use crate::payapp::model::{self, PayApplication, Rounding};

use printpdf::path::PaintMode;
use printpdf::{
    BuiltinFont, Color, CustomPdfConformance, Greyscale, IndirectFontRef, Line, Mm, PdfConformance,
    PdfDocument, PdfLayerReference, Point, Rect,
};
use rust_decimal::{Decimal, RoundingStrategy};

/// Why the PDF could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// printpdf failed while adding a font or serializing the document.
    #[error("PDF library error: {0}")]
    Printpdf(#[from] printpdf::Error),
    /// The serialized PDF did not have the trailer `/ID` this module overwrites
    /// to make the output deterministic.
    #[error("cannot make the PDF deterministic: {0}")]
    Determinism(&'static str),
}

/// Render the pay application as a PDF: one G702 summary page, then G703
/// continuation pages. Same input, same bytes.
pub fn write_pdf(app: &PayApplication) -> Result<Vec<u8>, PdfError> {
    let pages = layout(app);
    let doc_id = document_id(&pages);
    let h = &app.header;
    let title = format!("Pay Application {} - {}", h.application_no, h.project_name);
    render(&title, h.application_date, LAYER, &pages, &doc_id)
}

/// A cell of a table report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableCell {
    Text(String),
    /// Right-aligned, grouped, two decimals, negatives in parentheses.
    Amount(Decimal),
    Empty,
}

/// A column of a table report: heading lines and width in millimetres.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    pub heading: Vec<String>,
    pub width: f32,
}

/// A row; `emphasis` rows are bold on a grey band (totals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub cells: Vec<TableCell>,
    pub emphasis: bool,
}

/// A report laid out like the continuation sheet: a title block, a paginated table with
/// its heading repeated on each page, then notes (one line each), US Letter landscape.
#[derive(Debug, Clone, PartialEq)]
pub struct TableReport {
    pub title: String,
    pub subtitle: Vec<String>,
    /// Document date (deterministic metadata) and footer text.
    pub date: time::Date,
    pub footer: String,
    pub columns: Vec<TableColumn>,
    pub rows: Vec<TableRow>,
    pub notes_title: String,
    pub notes: Vec<String>,
}

/// Renders a table report. Same report, same bytes.
pub fn write_table(report: &TableReport) -> Result<Vec<u8>, PdfError> {
    let pages = layout_table(report);
    let doc_id = document_id(&pages);
    render(&report.title, report.date, "Report", &pages, &doc_id)
}

const NOTE_H: f32 = 4.2;

fn table_head(c: &mut Canvas, r: &TableReport, top: f32) -> f32 {
    let mut x = MARGIN;
    let head_h = 4.0 + 3.0 * r.columns.iter().map(|k| k.heading.len()).max().unwrap_or(1) as f32;
    c.fill((MARGIN, top - head_h), (RIGHT, top), 0.9);
    for col in &r.columns {
        for (i, line) in col.heading.iter().enumerate() {
            c.center(
                (x + CELL_PAD, x + col.width - CELL_PAD),
                top - 3.5 - 3.0 * i as f32,
                COL_HEAD,
                line,
            );
        }
        x += col.width;
    }
    c.hline(MARGIN, RIGHT, top - head_h, 0.6, 0.0);
    top - head_h
}

fn layout_table(r: &TableReport) -> Vec<Vec<Op>> {
    let mut pages: Vec<Canvas> = Vec::new();
    let mut c = Canvas::default();
    let mut y = PAGE_H - MARGIN - 5.0;
    c.left(MARGIN, y, TITLE, &r.title, RIGHT);
    y -= 6.0;
    for line in &r.subtitle {
        c.left(MARGIN, y, SMALL, line, RIGHT);
        y -= 4.0;
    }
    y -= 2.0;
    let bottom = 16.0;
    let mut row_y = table_head(&mut c, r, y);
    for row in &r.rows {
        if row_y - ROW_H < bottom {
            pages.push(std::mem::take(&mut c));
            row_y = table_head(&mut c, r, PAGE_H - MARGIN - 2.0);
        }
        let base = row_y - ROW_H + 1.6;
        if row.emphasis {
            c.fill((MARGIN, row_y - ROW_H), (RIGHT, row_y), 0.93);
        }
        let style = if row.emphasis { SMALL_BOLD } else { SMALL };
        let mut x = MARGIN;
        for (col, cell) in r.columns.iter().zip(&row.cells) {
            let (l, rgt) = (x + CELL_PAD, x + col.width - CELL_PAD);
            match cell {
                TableCell::Text(t) => c.left(l, base, style, t, rgt),
                TableCell::Amount(a) => c.right(rgt, base, style, &fmt_amount(*a), l),
                TableCell::Empty => {}
            }
            x += col.width;
        }
        c.hline(MARGIN, RIGHT, row_y - ROW_H, 0.2, 0.6);
        row_y -= ROW_H;
    }
    let mut y = row_y - 8.0;
    if !r.notes.is_empty() {
        if y < bottom + 2.0 * NOTE_H {
            pages.push(std::mem::take(&mut c));
            y = PAGE_H - MARGIN - 5.0;
        }
        c.left(MARGIN, y, HEADING, &r.notes_title, RIGHT);
        y -= 5.5;
        for note in &r.notes {
            if y < bottom {
                pages.push(std::mem::take(&mut c));
                y = PAGE_H - MARGIN - 5.0;
            }
            c.left(MARGIN, y, SMALL, note, RIGHT);
            y -= NOTE_H;
        }
    }
    pages.push(c);
    let total = pages.len();
    pages
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            c.hline(MARGIN, RIGHT, 10.0, 0.4, 0.5);
            c.left(MARGIN, 6.0, SMALL, &r.footer, RIGHT - 40.0);
            c.right(
                RIGHT,
                6.0,
                SUBHEADING,
                &format!("Page {} of {total}", i + 1),
                RIGHT - 38.0,
            );
            c.ops
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Geometry (millimetres, origin bottom-left) and type styles

const PAGE_W: f32 = 279.4;
const PAGE_H: f32 = 215.9;
const MARGIN: f32 = 10.0;
const RIGHT: f32 = PAGE_W - MARGIN;
const PT_TO_MM: f32 = 25.4 / 72.0;

/// G703 body rows per continuation page. Room for one more row is always left
/// for the GRAND TOTAL, so the last page never overflows.
const ROWS_PER_PAGE: usize = 28;
const ROW_H: f32 = 5.3;
const TABLE_TOP: f32 = 182.0;
const HEADER_H: f32 = 13.0;
const CELL_PAD: f32 = 1.2;

/// G703 columns: letter, heading lines, width (mm). Widths add up to 259.4 mm.
const COLUMNS: [(&str, &[&str], f32); 10] = [
    ("A", &["ITEM", "NO."], 20.0),
    ("B", &["DESCRIPTION OF WORK"], 63.4),
    ("C", &["SCHEDULED", "VALUE"], 24.0),
    ("D", &["FROM PREVIOUS", "APPLICATION", "(D + E)"], 24.0),
    ("E", &["THIS PERIOD"], 22.0),
    (
        "F",
        &["MATERIALS", "PRESENTLY STORED", "(NOT IN D OR E)"],
        22.0,
    ),
    (
        "G",
        &["TOTAL COMPLETED", "AND STORED TO", "DATE (D + E + F)"],
        24.0,
    ),
    ("%", &["(G \u{f7} C)"], 14.0),
    ("H", &["BALANCE", "TO FINISH", "(C - G)"], 24.0),
    ("I", &["RETAINAGE"], 22.0),
];

#[derive(Debug, Clone, Copy, PartialEq)]
struct Style {
    size: f32,
    bold: bool,
}

const fn regular(size: f32) -> Style {
    Style { size, bold: false }
}

const fn bold(size: f32) -> Style {
    Style { size, bold: true }
}

const TITLE: Style = bold(14.0);
const HEADING: Style = bold(9.0);
const SUBHEADING: Style = bold(8.0);
const SMALL: Style = regular(7.0);
const SMALL_BOLD: Style = bold(7.0);
const VALUE: Style = regular(8.0);
const COL_HEAD: Style = bold(5.5);

// ---------------------------------------------------------------------------
// Display list: `layout` builds it, `render` feeds it to printpdf.

#[derive(Debug, Clone, PartialEq)]
struct TextOp {
    x: f32,
    y: f32,
    style: Style,
    text: String,
    /// The horizontal box the text was fitted into (tests check it stays inside).
    min_x: f32,
    max_x: f32,
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Text(TextOp),
    /// Straight line from (x1, y1) to (x2, y2), `width` in points, `grey` 0 = black.
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        grey: f32,
    },
    /// Filled rectangle between two corners.
    Fill {
        from: (f32, f32),
        to: (f32, f32),
        grey: f32,
    },
}

#[derive(Debug, Default)]
struct Canvas {
    ops: Vec<Op>,
}

impl Canvas {
    /// Left-aligned text at `x`, cut with "..." so it ends before `max_x`.
    fn left(&mut self, x: f32, y: f32, style: Style, text: &str, max_x: f32) {
        let fitted = truncate_to_width(&sanitize(text), style.size, max_x - x);
        self.push_text(x, y, style, fitted, (x, max_x));
    }

    /// Right-aligned text ending at `right`. Too wide for `right - min_x`, it is set
    /// smaller rather than cut (an amount must never lose digits).
    fn right(&mut self, right: f32, y: f32, mut style: Style, text: &str, min_x: f32) {
        let clean = sanitize(text);
        let natural = text_width_mm(&clean, style.size);
        if natural > right - min_x {
            style.size *= (right - min_x) / natural * 0.98;
        }
        let x = right - text_width_mm(&clean, style.size);
        self.push_text(x, y, style, clean, (min_x, right));
    }

    /// Text centred in `[min_x, max_x]`, cut if wider.
    fn center(&mut self, (min_x, max_x): (f32, f32), y: f32, style: Style, text: &str) {
        let fitted = truncate_to_width(&sanitize(text), style.size, max_x - min_x);
        let free = max_x - min_x - text_width_mm(&fitted, style.size);
        self.push_text(
            min_x + free.max(0.0) / 2.0,
            y,
            style,
            fitted,
            (min_x, max_x),
        );
    }

    fn push_text(&mut self, x: f32, y: f32, style: Style, text: String, bounds: (f32, f32)) {
        if !text.is_empty() {
            let (min_x, max_x) = bounds;
            self.ops.push(Op::Text(TextOp {
                x,
                y,
                style,
                text,
                min_x,
                max_x,
            }));
        }
    }

    /// A bold caption followed by a regular value on the same line.
    fn field(&mut self, x: f32, y: f32, label_w: f32, label: &str, value: &str, max_x: f32) {
        self.left(x, y, SMALL_BOLD, label, x + label_w - 1.0);
        self.left(x + label_w, y, VALUE, value, max_x);
    }

    /// A caption with a blank line to write on (signatures, dates).
    fn blank(&mut self, x: f32, y: f32, label: &str, line_from: f32, line_to: f32) {
        self.left(x, y, SMALL, label, line_from - 1.0);
        self.hline(line_from, line_to, y - 0.8, 0.5, 0.0);
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, grey: f32) {
        self.ops.push(Op::Line {
            from: (x1, y),
            to: (x2, y),
            width,
            grey,
        });
    }

    fn vline(&mut self, x: f32, y1: f32, y2: f32, width: f32, grey: f32) {
        self.ops.push(Op::Line {
            from: (x, y1),
            to: (x, y2),
            width,
            grey,
        });
    }

    fn fill(&mut self, from: (f32, f32), to: (f32, f32), grey: f32) {
        self.ops.push(Op::Fill { from, to, grey });
    }

    fn frame(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), width: f32) {
        self.hline(x1, x2, y1, width, 0.0);
        self.hline(x1, x2, y2, width, 0.0);
        self.vline(x1, y1, y2, width, 0.0);
        self.vline(x2, y1, y2, width, 0.0);
    }
}

// ---------------------------------------------------------------------------
// Layout

fn g703_page_count(lines: usize) -> usize {
    lines.div_ceil(ROWS_PER_PAGE).max(1)
}

fn layout(app: &PayApplication) -> Vec<Vec<Op>> {
    let g703_pages = g703_page_count(app.lines.len());
    let total_pages = 1 + g703_pages;

    let mut c = Canvas::default();
    layout_g702(&mut c, app);
    footer(&mut c, app, 1, total_pages);
    let mut pages = vec![c.ops];

    for (i, rows) in (0..g703_pages).map(|i| (i, page_rows(&app.lines, i))) {
        let mut c = Canvas::default();
        layout_g703(&mut c, app, rows, i + 1 == g703_pages);
        footer(&mut c, app, i + 2, total_pages);
        pages.push(c.ops);
    }
    pages
}

fn page_rows(lines: &[model::G703Line], page: usize) -> &[model::G703Line] {
    let start = (page * ROWS_PER_PAGE).min(lines.len());
    let end = (start + ROWS_PER_PAGE).min(lines.len());
    &lines[start..end]
}

fn footer(c: &mut Canvas, app: &PayApplication, page: usize, total: usize) {
    let h = &app.header;
    c.hline(MARGIN, RIGHT, 10.0, 0.4, 0.5);
    let left = format!(
        "{} - Application No. {} - Period to {}",
        h.project_name,
        h.application_no,
        fmt_date(h.period_to)
    );
    c.left(MARGIN, 6.0, SMALL, &left, RIGHT - 40.0);
    let page_text = format!("Page {page} of {total}");
    c.right(RIGHT, 6.0, SUBHEADING, &page_text, RIGHT - 38.0);
}

// G702 page: header across the top, lines 1–9 and the change-order summary on
// the left, certifications and the change-order list on the right.
const G702_SPLIT: f32 = 144.0;
const G702_LEFT_END: f32 = 140.0;
const G702_AMOUNT_LEFT: f32 = 106.0;
const G702_AMOUNT_RIGHT: f32 = 138.0;
const G702_RIGHT_START: f32 = 148.0;

fn layout_g702(c: &mut Canvas, app: &PayApplication) {
    let h = &app.header;
    let title = "APPLICATION AND CERTIFICATE FOR PAYMENT";
    c.left(MARGIN, 199.0, TITLE, title, 180.0);
    let app_no = format!("Application No. {}", h.application_no);
    c.right(RIGHT, 199.0, bold(11.0), &app_no, 182.0);
    c.hline(MARGIN, RIGHT, 195.0, 1.0, 0.0);

    let y = [189.0, 184.0, 179.0, 174.0, 169.0];
    c.field(MARGIN, y[0], 28.0, "To (Owner):", &h.owner, 97.0);
    c.field(
        MARGIN,
        y[1],
        28.0,
        "From (Contractor):",
        &h.contractor,
        97.0,
    );
    c.field(MARGIN, y[2], 28.0, "Via (Architect):", &h.architect, 97.0);
    c.field(100.0, y[0], 24.0, "Project:", &h.project_name, 187.0);
    c.field(100.0, y[1], 24.0, "Project No.:", &h.project_number, 187.0);
    c.field(100.0, y[2], 24.0, "Contract For:", &h.contract_for, 187.0);
    let app_no = h.application_no.to_string();
    c.field(190.0, y[0], 30.0, "Application No.:", &app_no, RIGHT);
    let app_date = fmt_date(h.application_date);
    c.field(190.0, y[1], 30.0, "Application Date:", &app_date, RIGHT);
    c.field(
        190.0,
        y[2],
        30.0,
        "Period From:",
        &fmt_date(h.period_from),
        RIGHT,
    );
    c.field(
        190.0,
        y[3],
        30.0,
        "Period To:",
        &fmt_date(h.period_to),
        RIGHT,
    );
    c.field(
        190.0,
        y[4],
        30.0,
        "Contract Date:",
        &fmt_date(h.contract_date),
        RIGHT,
    );
    c.hline(MARGIN, RIGHT, 164.0, 0.8, 0.0);
    c.vline(G702_SPLIT, 164.0, 12.0, 0.5, 0.4);

    layout_g702_lines(c, app);
    layout_co_summary(c, app);
    layout_certifications(c, app);
    layout_co_list(c, app);
}

fn layout_g702_lines(c: &mut Canvas, app: &PayApplication) {
    let g = &app.g702;
    let heading = "CONTRACTOR'S APPLICATION FOR PAYMENT";
    c.left(MARGIN, 157.0, HEADING, heading, G702_LEFT_END);
    let note = match app.header.rounding {
        Rounding::Cents => "Amounts are carried from the attached Continuation Sheet.",
        Rounding::WholeDollars => {
            "Amounts are carried from the attached Continuation Sheet (whole dollars)."
        }
    };
    c.left(MARGIN, 152.5, SMALL, note, G702_LEFT_END);

    let rate = |rate: Option<Decimal>, letter: &str, what: &str| match rate {
        Some(r) => format!("{letter}. {} of {what}", fmt_percent(r)),
        None => format!("{letter}. Variable rate \u{2014} see Column I ({what})"),
    };
    let line_5a = rate(g.retainage_work_rate, "a", "Completed Work");
    let line_5b = rate(g.retainage_stored_rate, "b", "Stored Material");
    // (baseline y, indent, label, amount); line 8 is set in bold.
    let rows: [(f32, f32, &str, Option<Decimal>); 12] = [
        (
            146.0,
            0.0,
            "1. Original Contract Sum",
            Some(g.original_contract_sum),
        ),
        (
            140.0,
            0.0,
            "2. Net change by Change Orders",
            Some(g.net_change_orders),
        ),
        (
            134.0,
            0.0,
            "3. Contract Sum to Date (Line 1 \u{b1} 2)",
            Some(g.contract_sum_to_date),
        ),
        (
            128.0,
            0.0,
            "4. Total Completed & Stored to Date (Column G on G703)",
            Some(g.completed_and_stored),
        ),
        (122.0, 0.0, "5. Retainage:", None),
        (117.0, 5.0, &line_5a, Some(g.retainage_work)),
        (112.0, 5.0, &line_5b, Some(g.retainage_stored)),
        (
            107.0,
            5.0,
            "Total Retainage (Lines 5a + 5b or Total in Column I)",
            Some(g.retainage_total),
        ),
        (
            101.0,
            0.0,
            "6. Total Earned Less Retainage (Line 4 Less Line 5 Total)",
            Some(g.earned_less_retainage),
        ),
        (
            95.0,
            0.0,
            "7. Less Previous Certificates for Payment (Line 6 from prior Certificate)",
            Some(g.previous_certificates),
        ),
        (
            89.0,
            0.0,
            "8. Current Payment Due",
            Some(g.current_payment_due),
        ),
        (
            83.0,
            0.0,
            "9. Balance to Finish, Including Retainage (Line 3 less Line 6)",
            Some(g.balance_to_finish_incl_retainage),
        ),
    ];
    for (y, indent, label, amount) in rows {
        let emphasis = label.starts_with("8.");
        let style = Style {
            size: 7.5,
            bold: emphasis,
        };
        c.left(MARGIN + indent, y, style, label, G702_AMOUNT_LEFT - 1.0);
        if let Some(amount) = amount {
            if emphasis {
                c.fill((G702_AMOUNT_LEFT, y - 1.6), (G702_LEFT_END, y + 3.6), 0.88);
            }
            let style = Style {
                size: 8.0,
                bold: emphasis,
            };
            let text = fmt_amount(amount);
            c.right(G702_AMOUNT_RIGHT, y, style, &text, G702_AMOUNT_LEFT + 1.0);
            c.hline(G702_AMOUNT_LEFT, G702_LEFT_END, y - 1.2, 0.4, 0.3);
        }
    }
}

fn layout_co_summary(c: &mut Canvas, app: &PayApplication) {
    let co = &app.change_orders;
    let (x0, x1, x2, x3) = (MARGIN, 78.0, 109.0, G702_LEFT_END);
    let (top, rh) = (68.0, 5.2);
    c.left(MARGIN, top + 3.0, SUBHEADING, "CHANGE ORDER SUMMARY", x3);
    c.fill((x0, top - rh), (x3, top), 0.88);
    c.center((x1, x2), top - rh + 1.7, SMALL_BOLD, "ADDITIONS");
    c.center((x2, x3), top - rh + 1.7, SMALL_BOLD, "DEDUCTIONS");
    let rows = [
        (
            "Total changes approved in previous months by Owner",
            Some((co.previous_additions, co.previous_deductions)),
        ),
        (
            "Total approved this Month",
            Some((co.this_period_additions, co.this_period_deductions)),
        ),
        ("TOTALS", Some((co.total_additions, co.total_deductions))),
        ("NET CHANGES by Change Order", None),
    ];
    for (i, (label, amounts)) in rows.into_iter().enumerate() {
        let row_bottom = top - rh * (i as f32 + 2.0);
        let y = row_bottom + 1.7;
        let style = Style {
            size: 7.0,
            bold: i >= 2,
        };
        c.left(x0 + CELL_PAD, y, style, label, x1 - CELL_PAD);
        let style = Style { size: 7.5, ..style };
        match amounts {
            Some((add, ded)) => {
                c.right(x2 - CELL_PAD, y, style, &fmt_amount(add), x1 + CELL_PAD);
                c.right(x3 - CELL_PAD, y, style, &fmt_amount(ded), x2 + CELL_PAD);
            }
            // The net spans both amount columns.
            None => c.right(x3 - CELL_PAD, y, style, &fmt_amount(co.net), x1 + CELL_PAD),
        }
        c.hline(x0, x3, row_bottom + rh, 0.3, 0.4);
    }
    let bottom = top - rh * 5.0;
    c.frame((x0, bottom), (x3, top), 0.6);
    c.vline(x1, top, bottom, 0.3, 0.4);
    c.vline(x2, top, bottom + rh, 0.3, 0.4);
}

fn layout_certifications(c: &mut Canvas, app: &PayApplication) {
    let h = &app.header;
    let x = G702_RIGHT_START;
    c.left(x, 157.0, HEADING, "CONTRACTOR'S CERTIFICATION", RIGHT);
    let text = "Submitted by the Contractor for the period shown, with the attached \
                Continuation Sheet.";
    c.left(x, 152.5, SMALL, text, RIGHT);
    c.field(x, 146.0, 22.0, "Contractor:", &h.contractor, RIGHT);
    c.blank(x, 138.0, "Signature:", x + 22.0, 226.0);
    c.blank(229.0, 138.0, "Date:", 238.0, RIGHT);
    c.blank(x, 131.0, "Name / title:", x + 22.0, RIGHT);
    c.hline(x, RIGHT, 125.0, 0.4, 0.4);

    c.left(
        x,
        119.0,
        HEADING,
        "ARCHITECT'S CERTIFICATE FOR PAYMENT",
        RIGHT,
    );
    let text = "To be completed by the Architect after reviewing this application.";
    c.left(x, 114.5, SMALL, text, RIGHT);
    c.left(x, 107.0, SUBHEADING, "Amount Certified:", x + 30.0);
    c.hline(x + 31.0, 226.0, 106.2, 0.6, 0.0);
    let text = "If the certified amount differs from Line 8, note why:";
    c.left(x, 100.0, SMALL, text, RIGHT);
    c.hline(x, RIGHT, 94.2, 0.5, 0.0);
    c.field(x, 88.0, 22.0, "Architect:", &h.architect, RIGHT);
    c.blank(x, 81.0, "Signature:", x + 22.0, 226.0);
    c.blank(229.0, 81.0, "Date:", 238.0, RIGHT);
    c.hline(x, RIGHT, 75.0, 0.4, 0.4);
}

const CO_LIST_TOP: f32 = 65.0;
const CO_ROW_H: f32 = 4.3;
const CO_LIST_BOTTOM: f32 = 13.0;

/// How many change-order rows fit under the list's column headings.
fn co_list_capacity() -> usize {
    ((CO_LIST_TOP - CO_ROW_H - CO_LIST_BOTTOM) / CO_ROW_H) as usize + 1
}

fn layout_co_list(c: &mut Canvas, app: &PayApplication) {
    let x = G702_RIGHT_START;
    let (id_end, title_x, title_end, amount_x, amount_end, flag_x) =
        (168.0, 170.0, 224.0, 226.0, 248.0, 251.0);
    c.left(x, 70.0, SUBHEADING, "CHANGE ORDERS INCLUDED", RIGHT);
    let y = CO_LIST_TOP;
    c.left(x, y, SMALL_BOLD, "ID", id_end);
    c.left(title_x, y, SMALL_BOLD, "Title", title_end);
    c.right(amount_end, y, SMALL_BOLD, "Amount", amount_x);
    c.left(flag_x, y, SMALL_BOLD, "This period", RIGHT);
    c.hline(x, RIGHT, y - 1.3, 0.4, 0.3);

    let orders = &app.change_orders.orders;
    if orders.is_empty() {
        c.left(x, y - CO_ROW_H, SMALL, "No approved change orders.", RIGHT);
        return;
    }
    let capacity = co_list_capacity();
    let shown = if orders.len() <= capacity {
        orders.len()
    } else {
        capacity - 1
    };
    for (i, (id, title, amount, this_period)) in orders.iter().take(shown).enumerate() {
        let ry = y - CO_ROW_H * (i as f32 + 1.0);
        c.left(x, ry, SMALL, id, id_end);
        c.left(title_x, ry, SMALL, title, title_end);
        c.right(amount_end, ry, SMALL, &fmt_amount(*amount), amount_x);
        c.left(
            flag_x,
            ry,
            SMALL,
            if *this_period { "Yes" } else { "-" },
            RIGHT,
        );
    }
    if shown < orders.len() {
        let ry = y - CO_ROW_H * (shown as f32 + 1.0);
        let more = orders.len() - shown;
        let text = format!("... and {more} more change order(s) not listed here");
        c.left(x, ry, SMALL, &text, RIGHT);
    }
}

/// x of each G703 column boundary, left to right (11 edges for 10 columns).
fn column_edges() -> [f32; 11] {
    let mut edges = [MARGIN; 11];
    for (i, (_, _, w)) in COLUMNS.iter().enumerate() {
        edges[i + 1] = edges[i] + w;
    }
    edges
}

/// The eight amount/percent cells (columns C–I) of a row, formatted.
fn amount_cells(values: [Decimal; 8]) -> [String; 8] {
    let mut cells = values.map(fmt_amount);
    cells[5] = fmt_percent(values[5]);
    cells
}

fn layout_g703(c: &mut Canvas, app: &PayApplication, rows: &[model::G703Line], last: bool) {
    let h = &app.header;
    c.left(MARGIN, 199.0, TITLE, "CONTINUATION SHEET", 120.0);
    let text = "Line-item detail for the Application and Certificate for Payment (page 1).";
    c.left(MARGIN, 193.5, SMALL, text, 185.0);
    let project = if h.project_number.is_empty() {
        h.project_name.clone()
    } else {
        format!("{} (No. {})", h.project_name, h.project_number)
    };
    c.field(MARGIN, 187.0, 14.0, "Project:", &project, 195.0);
    let x = 205.0;
    c.field(
        x,
        199.0,
        28.0,
        "Application No.:",
        &h.application_no.to_string(),
        RIGHT,
    );
    c.field(
        x,
        194.0,
        28.0,
        "Application Date:",
        &fmt_date(h.application_date),
        RIGHT,
    );
    c.field(x, 189.0, 28.0, "Period To:", &fmt_date(h.period_to), RIGHT);

    let edges = column_edges();
    let head_bottom = TABLE_TOP - HEADER_H;
    c.fill((MARGIN, head_bottom), (RIGHT, TABLE_TOP), 0.88);
    for (i, (letter, lines, _)) in COLUMNS.iter().enumerate() {
        let bounds = (edges[i] + 0.6, edges[i + 1] - 0.6);
        c.center(bounds, TABLE_TOP - 3.2, SMALL_BOLD, letter);
        for (j, text) in lines.iter().enumerate() {
            c.center(bounds, TABLE_TOP - 6.2 - 2.3 * j as f32, COL_HEAD, text);
        }
    }

    let body_rows = rows.len() + usize::from(last);
    let bottom = head_bottom - ROW_H * body_rows as f32;
    for (i, line) in rows.iter().enumerate() {
        let row_bottom = head_bottom - ROW_H * (i as f32 + 1.0);
        if i % 2 == 1 {
            c.fill((MARGIN, row_bottom), (RIGHT, row_bottom + ROW_H), 0.95);
        }
        if i + 1 < body_rows {
            c.hline(MARGIN, RIGHT, row_bottom, 0.2, 0.7);
        }
        let y = row_bottom + 1.75;
        c.left(
            edges[0] + CELL_PAD,
            y,
            SMALL,
            &line.item_no,
            edges[1] - CELL_PAD,
        );
        c.left(
            edges[1] + CELL_PAD,
            y,
            SMALL,
            &line.description,
            edges[2] - CELL_PAD,
        );
        let cells = amount_cells([
            line.scheduled_value,
            line.from_previous,
            line.this_period,
            line.materials_stored,
            line.completed_and_stored,
            line.percent_complete,
            line.balance_to_finish,
            line.retainage,
        ]);
        for (k, cell) in cells.iter().enumerate() {
            c.right(
                edges[k + 3] - CELL_PAD,
                y,
                SMALL,
                cell,
                edges[k + 2] + CELL_PAD,
            );
        }
    }

    // GRAND TOTAL row: columns A and B merged.
    let rows_bottom = head_bottom - ROW_H * rows.len() as f32;
    if last {
        let t = &app.totals;
        c.fill((MARGIN, bottom), (RIGHT, rows_bottom), 0.85);
        c.hline(MARGIN, RIGHT, rows_bottom, 0.8, 0.0);
        let y = bottom + 1.75;
        c.left(
            edges[0] + CELL_PAD,
            y,
            SMALL_BOLD,
            "GRAND TOTAL",
            edges[2] - CELL_PAD,
        );
        let cells = amount_cells([
            t.scheduled_value,
            t.from_previous,
            t.this_period,
            t.materials_stored,
            t.completed_and_stored,
            t.percent_complete,
            t.balance_to_finish,
            t.retainage,
        ]);
        for (k, cell) in cells.iter().enumerate() {
            c.right(
                edges[k + 3] - CELL_PAD,
                y,
                SMALL_BOLD,
                cell,
                edges[k + 2] + CELL_PAD,
            );
        }
    }

    c.frame((MARGIN, bottom), (RIGHT, TABLE_TOP), 0.8);
    c.hline(MARGIN, RIGHT, head_bottom, 0.6, 0.0);
    for (i, x) in edges.iter().enumerate().take(10).skip(1) {
        let y_end = if i == 1 && last { rows_bottom } else { bottom };
        c.vline(*x, TABLE_TOP, y_end, 0.3, 0.3);
    }
}

// ---------------------------------------------------------------------------
// Rendering with printpdf

const LAYER: &str = "Pay application";

/// Turns laid-out pages into PDF bytes; `title` and `date` (document dates at 00:00
/// UTC) are the only metadata, so the same pages give the same bytes.
fn render(
    title: &str,
    date: time::Date,
    layer_name: &str,
    pages: &[Vec<Op>],
    doc_id: &str,
) -> Result<Vec<u8>, PdfError> {
    let stamp = date.midnight().assume_utc();
    let (doc, first_page, first_layer) =
        PdfDocument::new(ascii_only(title), Mm(PAGE_W), Mm(PAGE_H), layer_name);
    // No XMP packet (it would carry a random instance id) and no ICC profile.
    let conformance = CustomPdfConformance {
        requires_xmp_metadata: false,
        requires_icc_profile: false,
        ..CustomPdfConformance::default()
    };
    let doc = doc
        .with_conformance(PdfConformance::Custom(conformance))
        .with_creation_date(stamp)
        .with_mod_date(stamp)
        .with_metadata_date(stamp)
        .with_document_id(doc_id.to_string())
        .with_creator("aecos")
        .with_producer("aecos");
    let fonts = (
        doc.add_builtin_font(BuiltinFont::Helvetica)?,
        doc.add_builtin_font(BuiltinFont::HelveticaBold)?,
    );

    for (i, ops) in pages.iter().enumerate() {
        let (page, layer) = if i == 0 {
            (first_page, first_layer)
        } else {
            doc.add_page(Mm(PAGE_W), Mm(PAGE_H), layer_name)
        };
        emit(&doc.get_page(page).get_layer(layer), ops, &fonts);
    }

    let bytes = doc.save_to_bytes()?;
    set_trailer_id(bytes, doc_id)
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale::new(level, None))
}

fn point((x, y): (f32, f32)) -> (Point, bool) {
    (Point::new(Mm(x), Mm(y)), false)
}

fn emit(layer: &PdfLayerReference, ops: &[Op], fonts: &(IndirectFontRef, IndirectFontRef)) {
    for op in ops {
        match op {
            Op::Text(t) => {
                let font = if t.style.bold { &fonts.1 } else { &fonts.0 };
                layer.use_text(t.text.as_str(), t.style.size, Mm(t.x), Mm(t.y), font);
            }
            Op::Line {
                from,
                to,
                width,
                grey: level,
            } => {
                layer.set_outline_color(grey(*level));
                layer.set_outline_thickness(*width);
                let points = vec![point(*from), point(*to)];
                layer.add_line(Line {
                    points,
                    is_closed: false,
                });
            }
            Op::Fill {
                from,
                to,
                grey: level,
            } => {
                layer.set_fill_color(grey(*level));
                let rect = Rect::new(Mm(from.0), Mm(from.1), Mm(to.0), Mm(to.1));
                layer.add_rect(rect.with_mode(PaintMode::Fill));
                layer.set_fill_color(grey(0.0));
            }
        }
    }
}

/// Overwrite the two random 32-character strings printpdf puts in the trailer
/// `/ID[(…)(…)]` (in the cross-reference stream dictionary that `startxref` points
/// at) with `id`. Same length, so no byte offset moves.
fn set_trailer_id(mut bytes: Vec<u8>, id: &str) -> Result<Vec<u8>, PdfError> {
    const LEN: usize = 32;
    const OPEN: &[u8] = b"/ID[(";
    let id = id.as_bytes();
    if id.len() != LEN {
        return Err(PdfError::Determinism("document id must be 32 bytes"));
    }
    let startxref = rfind(&bytes, b"startxref").ok_or(PdfError::Determinism("no startxref"))?;
    let xref_at: usize = std::str::from_utf8(&bytes[startxref + b"startxref".len()..])
        .ok()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .filter(|at| *at < startxref)
        .ok_or(PdfError::Determinism("unreadable startxref offset"))?;
    let rel = find(&bytes[xref_at..startxref], OPEN)
        .ok_or(PdfError::Determinism("trailer has no /ID array"))?;
    let first = xref_at + rel + OPEN.len();
    let second = first + LEN + 2;
    let is_id = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_alphanumeric))
    };
    let shape_ok = bytes.get(first + LEN..second) == Some(b")(".as_slice())
        && bytes.get(second + LEN) == Some(&b')')
        && is_id(first..first + LEN)
        && is_id(second..second + LEN);
    if !shape_ok {
        return Err(PdfError::Determinism("unexpected trailer /ID layout"));
    }
    bytes[first..first + LEN].copy_from_slice(id);
    bytes[second..second + LEN].copy_from_slice(id);
    Ok(bytes)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// 128-bit FNV-1a over every laid-out string, page by page, as 32 hex digits.
fn document_id(pages: &[Vec<Op>]) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u128::from(*b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for ops in pages {
        for op in ops {
            if let Op::Text(t) = op {
                feed(t.text.as_bytes());
                feed(&[0x1f]);
            }
        }
        feed(&[0x1e]);
    }
    format!("{hash:032X}")
}

// ---------------------------------------------------------------------------
// Formatting (Decimal -> text, no floats)

/// "1,234,567.89"; negatives in parentheses: "(1,234.00)".
fn fmt_amount(d: Decimal) -> String {
    match two_decimals(d) {
        (true, digits) => format!("({digits})"),
        (false, digits) => digits,
    }
}

/// "45.67%"; negatives with a minus sign: "-3.50%".
fn fmt_percent(d: Decimal) -> String {
    match two_decimals(d) {
        (true, digits) => format!("-{digits}%"),
        (false, digits) => format!("{digits}%"),
    }
}

/// Round half away from zero to 2 places (display only: the model's amounts
/// already carry at most 2), group thousands. Returns (negative, unsigned text).
fn two_decimals(d: Decimal) -> (bool, String) {
    let r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let negative = r.is_sign_negative() && !r.is_zero();
    let plain = r.abs().to_string();
    let (whole, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut out = String::with_capacity(whole.len() * 4 / 3 + 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out.push('.');
    out.extend(frac.chars().chain(std::iter::repeat('0')).take(2));
    (negative, out)
}

fn fmt_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

// ---------------------------------------------------------------------------
// Text: WinAnsi sanitizing and Helvetica width measurement

/// The characters WinAnsiEncoding puts at 0x80–0x9F (the rest of it is
/// U+0020–U+007E and U+00A0–U+00FF).
#[rustfmt::skip]
const WIN_ANSI_EXTRA: [char; 27] = [
    '\u{20ac}', '\u{201a}', '\u{0192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02c6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{017d}', '\u{2018}',
    '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02dc}',
    '\u{2122}', '\u{0161}', '\u{203a}', '\u{0153}', '\u{017e}', '\u{0178}',
];

/// Keep what Helvetica's WinAnsiEncoding can show and replace anything else
/// with '?'. Tabs and line breaks become spaces, a no-break space a plain space,
/// and soft hyphens (invisible, and not encodable by printpdf) are dropped.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|ch| *ch != '\u{ad}')
        .map(|ch| match ch {
            '\t' | '\n' | '\r' | '\u{a0}' => ' ',
            ' '..='~' | '\u{a1}'..='\u{ff}' => ch,
            _ if WIN_ANSI_EXTRA.contains(&ch) => ch,
            _ => '?',
        })
        .collect()
}

/// printpdf writes document-info strings as raw bytes: keep them plain ASCII
/// (common dashes and quotes get their ASCII forms, anything else '?').
fn ascii_only(s: &str) -> String {
    s.chars()
        .map(|ch| match ch {
            ' '..='~' => ch,
            '\u{2013}' | '\u{2014}' => '-',
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            _ => '?',
        })
        .collect()
}

/// Helvetica advance widths (1/1000 em) for U+0020..=U+007E: the larger of the
/// regular and bold weights, so one table is safe for both.
#[rustfmt::skip]
const HELVETICA_WIDTHS: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0..?
    1015, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P.._
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `..o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,      // p..~
];

/// Helvetica's widest glyph; assumed for every character outside ASCII.
const WIDEST: u16 = 1015;

fn char_units(ch: char) -> u32 {
    let w = (ch as usize)
        .checked_sub(0x20)
        .and_then(|i| HELVETICA_WIDTHS.get(i))
        .copied()
        .unwrap_or(WIDEST);
    u32::from(w)
}

fn units_to_mm(units: u32, size_pt: f32) -> f32 {
    units as f32 / 1000.0 * size_pt * PT_TO_MM
}

fn text_width_mm(s: &str, size_pt: f32) -> f32 {
    units_to_mm(s.chars().map(char_units).sum(), size_pt)
}

/// Cut `s` to at most `max_w` mm, ending in "..." when cut ("" if not even that fits).
fn truncate_to_width(s: &str, size_pt: f32, max_w: f32) -> String {
    if text_width_mm(s, size_pt) <= max_w {
        return s.to_string();
    }
    let ellipsis = text_width_mm("...", size_pt);
    if ellipsis > max_w {
        return String::new();
    }
    let mut out = String::new();
    let mut units = 0;
    for ch in s.chars() {
        units += char_units(ch);
        if units_to_mm(units, size_pt) + ellipsis > max_w {
            break;
        }
        out.push(ch);
    }
    out.truncate(out.trim_end().len());
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{ChangeOrderSummary, G703Line, PayAppHeader, G702};
    use std::str::FromStr;
    use time::macros::date;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn line(i: usize) -> G703Line {
        let n = Decimal::from(i);
        let mut l = G703Line {
            item_no: format!("{:02}-{:03}", i / 10 + 1, i * 10),
            description: format!("Work item {i} - general construction"),
            cost_code: format!("{:02}-000", i % 16),
            change_order: None,
            scheduled_value: dec("12500.00") + n * dec("137.25"),
            from_previous: dec("5000.00") + n * dec("10.10"),
            this_period: dec("1250.50"),
            materials_stored: if i % 7 == 0 {
                dec("800.00")
            } else {
                Decimal::ZERO
            },
            completed_and_stored: Decimal::ZERO,
            percent_complete: dec("52.37"),
            balance_to_finish: Decimal::ZERO,
            work_retainage_rate: dec("10"),
            stored_retainage_rate: dec("5"),
            work_retainage: dec("625.05"),
            stored_retainage: Decimal::ZERO,
            retainage: dec("625.05"),
        };
        l.completed_and_stored = l.from_previous + l.this_period + l.materials_stored;
        l.balance_to_finish = l.scheduled_value - l.completed_and_stored;
        match i {
            3 => l.description = "Caf\u{e9} fa\u{e7}ade \u{2014} snowman \u{2603} trim".into(),
            5 => {
                l.description = "Very long description of the work that goes on and on about \
                                 concrete formwork, reinforcing steel, embeds, anchor bolts"
                    .into()
            }
            12 => {
                l.item_no = "CO-002.1".into();
                l.change_order = Some("CO-002".into());
                l.description = "CO-002 Added storefront at lobby".into();
            }
            20 => {
                l.item_no = "CO-003.1".into();
                l.change_order = Some("CO-003".into());
                l.description = "CO-003 Credit: delete canopy".into();
                l.scheduled_value = dec("-4500.00");
                l.from_previous = Decimal::ZERO;
                l.this_period = dec("-1234.00");
                l.materials_stored = Decimal::ZERO;
                l.completed_and_stored = dec("-1234.00");
                l.balance_to_finish = dec("-3266.00");
                l.percent_complete = dec("27.42");
                l.work_retainage = dec("-123.40");
                l.retainage = dec("-123.40");
            }
            // A different rate on one line: the G702 shows "Variable rate" for 5a.
            33 => l.work_retainage_rate = dec("5"),
            _ => {}
        }
        l
    }

    fn fixture(n: usize) -> PayApplication {
        let lines: Vec<G703Line> = (0..n).map(line).collect();
        let mut t = crate::payapp::totals(&lines);
        t.percent_complete = dec("51.23");
        let g702 = G702 {
            original_contract_sum: dec("1000000.00"),
            net_change_orders: dec("15750.00"),
            contract_sum_to_date: dec("1015750.00"),
            completed_and_stored: t.completed_and_stored,
            retainage_work: t.work_retainage,
            retainage_stored: t.stored_retainage,
            retainage_work_rate: None,
            retainage_stored_rate: Some(dec("5")),
            retainage_total: t.retainage,
            earned_less_retainage: t.completed_and_stored - t.retainage,
            previous_certificates: dec("300000.00"),
            current_payment_due: dec("123456.78"),
            balance_to_finish_incl_retainage: dec("555555.55"),
        };
        let long_title = "Owner requested upgrade of all lobby finishes including stone";
        let change_orders = ChangeOrderSummary {
            previous_additions: dec("20250.00"),
            previous_deductions: dec("0.00"),
            this_period_additions: dec("0.00"),
            this_period_deductions: dec("4500.00"),
            total_additions: dec("20250.00"),
            total_deductions: dec("4500.00"),
            net: dec("15750.00"),
            orders: vec![
                ("CO-001".into(), long_title.into(), dec("12000.00"), false),
                (
                    "CO-002".into(),
                    "Added storefront".into(),
                    dec("8250.00"),
                    false,
                ),
                (
                    "CO-003".into(),
                    "Delete canopy".into(),
                    dec("-4500.00"),
                    true,
                ),
            ],
        };
        PayApplication {
            header: PayAppHeader {
                project_name: "Riverside Medical Office Building \u{2014} Phase 2".into(),
                project_number: "2024-017".into(),
                owner: "Riverside Health Partners LLC".into(),
                contractor: "Acme Builders, Inc.".into(),
                architect: "Studio North Architects".into(),
                contract_for: "General Construction".into(),
                contract_date: date!(2024 - 02 - 15),
                application_no: 7,
                application_date: date!(2025 - 03 - 31),
                period_from: date!(2025 - 03 - 01),
                period_to: date!(2025 - 03 - 31),
                rounding: Rounding::Cents,
            },
            lines,
            totals: t,
            g702,
            change_orders,
        }
    }

    /// The text shown on each page, one `Tj` string per line, decoded from WinAnsi.
    fn page_texts(bytes: &[u8]) -> Vec<String> {
        let doc = lopdf::Document::load_mem(bytes).unwrap();
        doc.get_pages()
            .values()
            .map(|id| {
                let content = doc.get_page_content(*id).unwrap();
                let ops = lopdf::content::Content::decode(&content)
                    .unwrap()
                    .operations;
                let mut text = String::new();
                for op in ops.iter().filter(|op| op.operator == "Tj") {
                    if let Some(lopdf::Object::String(raw, _)) = op.operands.first() {
                        text += &lopdf::Document::decode_text(Some("WinAnsiEncoding"), raw);
                        text.push('\n');
                    }
                }
                text
            })
            .collect()
    }

    fn laid_out_texts(app: &PayApplication) -> Vec<TextOp> {
        layout(app)
            .into_iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Text(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn amounts_are_grouped_with_two_decimals() {
        assert_eq!(fmt_amount(dec("1234567.89")), "1,234,567.89");
        assert_eq!(fmt_amount(dec("-1234")), "(1,234.00)");
        assert_eq!(fmt_amount(dec("0")), "0.00");
        assert_eq!(fmt_amount(dec("-0.00")), "0.00");
        assert_eq!(fmt_amount(dec("-0.004")), "0.00");
        assert_eq!(fmt_amount(dec("999.995")), "1,000.00");
        assert_eq!(fmt_amount(dec("100")), "100.00");
        assert_eq!(fmt_amount(dec("100000")), "100,000.00");
        assert_eq!(fmt_amount(dec("12.3")), "12.30");
        assert_eq!(fmt_amount(dec("0.05")), "0.05");
        let max = "79,228,162,514,264,337,593,543,950,335.00";
        assert_eq!(fmt_amount(Decimal::MAX), max);
        assert_eq!(fmt_amount(Decimal::MIN), format!("({max})"));
    }

    #[test]
    fn percents_have_two_decimals() {
        assert_eq!(fmt_percent(dec("45.666")), "45.67%");
        assert_eq!(fmt_percent(dec("100")), "100.00%");
        assert_eq!(fmt_percent(dec("0")), "0.00%");
        assert_eq!(fmt_percent(dec("-3.5")), "-3.50%");
        assert_eq!(fmt_percent(dec("1234.5")), "1,234.50%");
        assert_eq!(fmt_date(date!(2025 - 03 - 01)), "2025-03-01");
    }

    #[test]
    fn sanitizer_keeps_win_ansi_and_replaces_the_rest() {
        assert_eq!(
            sanitize("Caf\u{e9} \u{2014} \u{2603}"),
            "Caf\u{e9} \u{2014} ?"
        );
        assert_eq!(sanitize("a\tb\nc\u{a0}d"), "a b c d");
        assert_eq!(sanitize("con\u{ad}crete"), "concrete");
        assert_eq!(
            sanitize("\u{4e2d}\u{6587} \u{1f600} \u{2212}5 \u{0}"),
            "?? ? ?5 ?"
        );
        assert_eq!(
            sanitize("\u{20ac}12 \u{201c}q\u{201d} \u{2122}"),
            "\u{20ac}12 \u{201c}q\u{201d} \u{2122}"
        );
        assert_eq!(
            ascii_only("Caf\u{e9} \u{2014} \u{201c}x\u{201d}"),
            "Caf? - \"x\""
        );
    }

    #[test]
    fn every_sanitized_char_is_encodable_by_printpdf() {
        // printpdf encodes built-in-font text with lopdf's WinAnsi table and silently
        // drops what it cannot encode: nothing the sanitizer keeps may be dropped.
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let clean = sanitize(&all);
        let encoded = lopdf::Document::encode_text(Some("WinAnsiEncoding"), &clean);
        assert_eq!(encoded.len(), clean.chars().count());
        assert_eq!(
            lopdf::Document::decode_text(Some("WinAnsiEncoding"), &encoded),
            clean
        );
    }

    #[test]
    fn widths_and_truncation() {
        // Ten Helvetica digits at 10 pt: 5.56 em = 55.6 pt.
        assert!((text_width_mm("0123456789", 10.0) - 55.6 * PT_TO_MM).abs() < 1e-3);
        let long = "A description that is certainly too long for a narrow column";
        let cut = truncate_to_width(long, 7.0, 30.0);
        assert!(
            cut.starts_with("A description") && cut.ends_with("..."),
            "{cut}"
        );
        assert!(text_width_mm(&cut, 7.0) <= 30.0);
        assert_eq!(truncate_to_width("short", 7.0, 30.0), "short");
        assert_eq!(truncate_to_width("short", 7.0, 0.5), "");
    }

    #[test]
    fn all_text_stays_in_its_box_and_labels_are_whole() {
        let texts = laid_out_texts(&fixture(70));
        for t in &texts {
            let w = text_width_mm(&t.text, t.style.size);
            assert!(t.x >= t.min_x - 1e-3, "starts left of its box: {t:?}");
            assert!(t.x + w <= t.max_x + 1e-3, "overflows its box: {t:?}");
            assert!(t.style.size >= 5.0, "shrunk too far: {t:?}");
        }
        let has = |s: &str| texts.iter().any(|t| t.text == s);
        for label in [
            "1. Original Contract Sum",
            "2. Net change by Change Orders",
            "3. Contract Sum to Date (Line 1 \u{b1} 2)",
            "4. Total Completed & Stored to Date (Column G on G703)",
            "a. Variable rate \u{2014} see Column I (Completed Work)",
            "b. 5.00% of Stored Material",
            "Total Retainage (Lines 5a + 5b or Total in Column I)",
            "6. Total Earned Less Retainage (Line 4 Less Line 5 Total)",
            "7. Less Previous Certificates for Payment (Line 6 from prior Certificate)",
            "8. Current Payment Due",
            "9. Balance to Finish, Including Retainage (Line 3 less Line 6)",
            "Total changes approved in previous months by Owner",
            "Total approved this Month",
            "NET CHANGES by Change Order",
            "ADDITIONS",
            "DEDUCTIONS",
            "Amount Certified:",
        ]
        .into_iter()
        .chain(
            COLUMNS
                .iter()
                .flat_map(|(l, lines, _)| std::iter::once(*l).chain(lines.iter().copied())),
        ) {
            assert!(has(&sanitize(label)), "label cut or missing: {label}");
        }
        // Data is cut with "..." or sanitized, never dropped.
        let cut = |prefix: &str| {
            texts
                .iter()
                .any(|t| t.text.starts_with(prefix) && t.text.ends_with("..."))
        };
        assert!(cut("Very long description"));
        assert!(cut("Owner requested upgrade"));
        assert!(has("Caf\u{e9} fa\u{e7}ade \u{2014} snowman ? trim"));
    }

    #[test]
    fn huge_amounts_shrink_instead_of_overflowing() {
        let mut app = fixture(1);
        app.lines[0].scheduled_value = Decimal::MAX;
        let texts = laid_out_texts(&app);
        let t = texts
            .iter()
            .find(|t| t.text == fmt_amount(Decimal::MAX))
            .unwrap();
        assert!(t.style.size < 7.0);
        assert!(t.x >= t.min_x && t.x + text_width_mm(&t.text, t.style.size) <= t.max_x + 1e-3);
    }

    fn table_report() -> TableReport {
        TableReport {
            title: "Cost reconciliation".into(),
            subtitle: vec!["Riverside Community Clinic".into()],
            date: time::macros::date!(2026 - 04 - 30),
            footer: "RCC - 2026-04".into(),
            columns: vec![
                TableColumn {
                    heading: vec!["CODE".into()],
                    width: 40.0,
                },
                TableColumn {
                    heading: vec!["BUDGET".into(), "(REVISED)".into()],
                    width: 40.0,
                },
            ],
            rows: (0..70)
                .map(|i| TableRow {
                    cells: vec![
                        TableCell::Text(format!(
                            "03 30 {i:02} with a very long description that must be cut"
                        )),
                        TableCell::Amount(Decimal::new(-123456789, 2)),
                    ],
                    emphasis: i % 10 == 9,
                })
                .collect(),
            notes_title: "Findings".into(),
            notes: (0..60).map(|i| format!("finding {i}")).collect(),
        }
    }

    #[test]
    fn table_reports_paginate_fit_their_boxes_and_are_deterministic() {
        let r = table_report();
        let pages = layout_table(&r);
        assert!(pages.len() >= 3, "{}", pages.len());
        for ops in &pages {
            for op in ops {
                if let Op::Text(t) = op {
                    let w = text_width_mm(&t.text, t.style.size);
                    assert!(t.x >= t.min_x - 0.01 && t.x + w <= t.max_x + 0.01, "{t:?}");
                    assert!(t.y > 0.0 && t.y < PAGE_H);
                }
            }
        }
        let texts: Vec<String> = pages
            .iter()
            .flatten()
            .filter_map(|o| match o {
                Op::Text(t) => Some(t.text.clone()),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&"(1,234,567.89)".to_string()));
        assert!(texts.contains(&"finding 59".to_string()));
        assert!(texts.contains(&format!("Page {} of {}", pages.len(), pages.len())));
        assert_eq!(write_table(&r).unwrap(), write_table(&r).unwrap());
    }

    #[test]
    fn output_is_deterministic_within_a_process() {
        let app = fixture(70);
        let a = write_pdf(&app).unwrap();
        let b = write_pdf(&app).unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, b);
        // Another application gets another document id.
        let mut other = app.clone();
        other.g702.current_payment_due = dec("1.00");
        let id = |bytes: &[u8]| {
            let doc = lopdf::Document::load_mem(bytes).unwrap();
            format!("{:?}", doc.trailer.get(b"ID").unwrap())
        };
        assert_ne!(id(&a), id(&write_pdf(&other).unwrap()));
    }

    const CHILD_ENV: &str = "AECOS_AIA_PDF_CHILD_OUT";

    #[test]
    #[ignore = "helper: run in a child process by output_is_deterministic_across_processes"]
    fn child_process_render() {
        if let Ok(path) = std::env::var(CHILD_ENV) {
            std::fs::write(path, write_pdf(&fixture(70)).unwrap()).unwrap();
        }
    }

    #[test]
    fn output_is_deterministic_across_processes() {
        // Test names are paths below the crate root: drop the crate name.
        let module = module_path!();
        let module = module.split_once("::").map_or(module, |(_, rest)| rest);
        let out = std::env::temp_dir().join(format!("aia_pdf_child_{}.pdf", std::process::id()));
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .arg(format!("{module}::child_process_render"))
            .args(["--exact", "--ignored", "--test-threads=1", "--quiet"])
            .env(CHILD_ENV, &out)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let child = std::fs::read(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        // This process has advanced printpdf's id counter differently from the child.
        write_pdf(&fixture(3)).unwrap();
        assert_eq!(child, write_pdf(&fixture(70)).unwrap());
    }

    #[test]
    fn document_structure_and_text() {
        let app = fixture(70);
        let bytes = write_pdf(&app).unwrap();
        assert!(bytes.starts_with(b"%PDF"));

        let doc = lopdf::Document::load_mem(&bytes).unwrap();
        let expected_pages = 1 + app.lines.len().div_ceil(ROWS_PER_PAGE);
        assert_eq!(expected_pages, 4);
        assert_eq!(doc.get_pages().len(), expected_pages);
        for id in doc.get_pages().values() {
            let media_box = doc.get_dictionary(*id).unwrap().get(b"MediaBox").unwrap();
            let media_box = media_box.as_array().unwrap();
            let (w, h) = (
                media_box[2].as_float().unwrap(),
                media_box[3].as_float().unwrap(),
            );
            assert!(
                (w - 792.0).abs() < 0.1 && (h - 612.0).abs() < 0.1,
                "{w} x {h}"
            );
        }
        // The trailer /ID is the content hash, twice; the dates are the application date.
        let want = document_id(&layout(&app));
        for id in doc.trailer.get(b"ID").unwrap().as_array().unwrap() {
            assert_eq!(id.as_str().unwrap(), want.as_bytes());
        }
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let info = doc.get_dictionary(info).unwrap();
        for key in [b"CreationDate".as_slice(), b"ModDate"] {
            assert_eq!(
                info.get(key).unwrap().as_str().unwrap(),
                b"D:20250331000000+00'00'"
            );
        }

        let texts = page_texts(&bytes);
        assert_eq!(texts.len(), expected_pages);
        for (i, text) in texts.iter().enumerate() {
            let footer = format!("Page {} of {}", i + 1, expected_pages);
            assert!(text.contains(&footer), "page {} lacks {footer:?}", i + 1);
        }
        let g702 = &texts[0];
        for s in [
            "APPLICATION AND CERTIFICATE FOR PAYMENT",
            "8. Current Payment Due",
            "123,456.78",
            "Variable rate \u{2014} see Column I",
            "b. 5.00% of Stored Material",
            "(4,500.00)",
            "Total changes approved in previous months by Owner",
            "Riverside Medical Office Building \u{2014} Phase 2",
        ] {
            assert!(g702.contains(s), "G702 page lacks {s:?}");
        }
        for (i, text) in texts.iter().enumerate().skip(1) {
            for s in [
                "CONTINUATION SHEET",
                "DESCRIPTION OF WORK",
                "SCHEDULED",
                "RETAINAGE",
            ] {
                assert!(text.contains(s), "page {} lacks {s:?}", i + 1);
            }
            assert_eq!(text.contains("GRAND TOTAL"), i + 1 == expected_pages);
        }
        let last = &texts[expected_pages - 1];
        assert!(last.contains(&fmt_amount(app.totals.completed_and_stored)));
        assert!(last.contains(&fmt_amount(app.totals.scheduled_value)));
        // Line 20 (a credit) and line 12 (a change order) are on the first sheet.
        assert!(texts[1].contains("(1,234.00)") && texts[1].contains("CO-002.1"));
    }

    #[test]
    fn empty_application_and_exact_page_boundary() {
        let mut app = fixture(0);
        app.change_orders.orders.clear();
        app.header.rounding = Rounding::WholeDollars;
        let texts = page_texts(&write_pdf(&app).unwrap());
        assert_eq!(texts.len(), 2);
        assert!(texts[1].contains("GRAND TOTAL") && texts[1].contains("Page 2 of 2"));
        assert!(texts[0].contains("No approved change orders."));
        assert!(texts[0].contains("(whole dollars)"));

        let texts = page_texts(&write_pdf(&fixture(ROWS_PER_PAGE * 2)).unwrap());
        assert_eq!(texts.len(), 3);
        assert!(texts[2].contains("Page 3 of 3") && texts[2].contains("GRAND TOTAL"));
    }

    #[test]
    fn long_change_order_list_is_cut_with_a_note() {
        let mut app = fixture(5);
        app.change_orders.orders = (1..=40)
            .map(|i| {
                (
                    format!("CO-{i:03}"),
                    format!("Change {i}"),
                    dec("100"),
                    i == 40,
                )
            })
            .collect();
        let texts = page_texts(&write_pdf(&app).unwrap());
        let capacity = co_list_capacity();
        assert!(capacity >= 8);
        assert!(texts[0].contains(&format!("CO-{:03}\n", capacity - 1)));
        assert!(!texts[0].contains(&format!("CO-{capacity:03}\n")));
        let more = 40 - (capacity - 1);
        assert!(texts[0].contains(&format!("... and {more} more change order(s)")));
    }

    #[test]
    #[ignore = "helper: AECOS_AIA_PDF_SAMPLE=path writes a sample PDF to look at"]
    fn write_sample() {
        if let Ok(path) = std::env::var("AECOS_AIA_PDF_SAMPLE") {
            std::fs::write(path, write_pdf(&fixture(70)).unwrap()).unwrap();
        }
    }
}
