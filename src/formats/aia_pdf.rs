//! AIA-style pay application PDF: page 1 is the G702-style "Application and
//! Certificate for Payment" summary, the following pages are the G703-style
//! "Continuation Sheet" (columns A–I), on US Letter landscape.
//!
//! This module only lays out numbers it is given: every amount, total and
//! percentage comes from [`PayApplication`] as computed elsewhere. Nothing here
//! adds, subtracts, rounds for the contract or checks tie-outs; the only
//! arithmetic is page geometry (millimetres, `f32`) and display formatting of
//! `Decimal` values (integer digit grouping, no floats).
//!
//! Output is deterministic: the same application gives byte-identical PDFs in any
//! process. printpdf 0.7 stamps the current time and random ids, so the document
//! dates are set to the application date at 00:00 UTC, no XMP packet is written,
//! and the trailer `/ID` is replaced by a 128-bit FNV-1a hash of the laid-out text.
//!
//! Text uses the built-in Helvetica fonts (WinAnsiEncoding); characters those
//! cannot show become `?`. Widths are measured with Helvetica's own glyph widths
//! (the larger of regular and bold), so text is truncated with "..." or, for
//! amounts, set smaller, before it could run into the next column.

use crate::payapp::model::{PayApplication, Rounding};

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
    /// The serialized PDF did not have the trailer `/ID` shape this module
    /// rewrites to make the output deterministic.
    #[error("cannot make the PDF deterministic: {0}")]
    Determinism(&'static str),
}

/// Render the pay application as a PDF document (G702 page + G703 pages).
pub fn write_pdf(app: &PayApplication) -> Result<Vec<u8>, PdfError> {
    let pages = layout(app);
    let doc_id = document_id(&pages);
    render(app, &pages, &doc_id)
}

// ---------------------------------------------------------------------------
// Page geometry (millimetres, origin bottom-left)

const PAGE_W: f32 = 279.4;
const PAGE_H: f32 = 215.9;
const MARGIN: f32 = 10.0;
const RIGHT: f32 = PAGE_W - MARGIN;
const PT_TO_MM: f32 = 25.4 / 72.0;

/// G703 body rows per continuation page (one more row is always reserved for the
/// GRAND TOTAL, so the last page never overflows).
const ROWS_PER_PAGE: usize = 28;
const ROW_H: f32 = 5.3;
const TABLE_TOP: f32 = 182.0;
const HEADER_H: f32 = 13.0;
const CELL_PAD: f32 = 1.2;
const BODY_PT: f32 = 7.0;
const COL_HEAD_PT: f32 = 5.5;

/// G703 columns: (letter line, description lines, width in mm). Widths add up to
/// the printable width (259.4 mm).
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

// ---------------------------------------------------------------------------
// Display list: layout produces it, `render` turns it into printpdf calls.

#[derive(Debug, Clone, PartialEq)]
struct TextOp {
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    text: String,
    /// The horizontal box the text was fitted into (for tests: never overflow).
    min_x: f32,
    max_x: f32,
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Text(TextOp),
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width_pt: f32,
        grey: f32,
    },
    Fill {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        grey: f32,
    },
}

#[derive(Debug, Default)]
struct Canvas {
    ops: Vec<Op>,
}

impl Canvas {
    /// Left-aligned text starting at `x`, truncated with "..." to end before `max_x`.
    fn left(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str, max_x: f32) {
        let clean = sanitize(text);
        let fitted = truncate_to_width(&clean, size, max_x - x);
        self.push_text(x, y, size, bold, fitted, x, max_x);
    }

    /// Right-aligned text ending at `right`; if it is wider than `right - min_x`
    /// it is set in a smaller size instead of being cut (amounts must stay whole).
    fn right(&mut self, right: f32, y: f32, size: f32, bold: bool, text: &str, min_x: f32) {
        let clean = sanitize(text);
        let avail = right - min_x;
        let mut size = size;
        let natural = text_width_mm(&clean, size);
        if natural > avail && natural > 0.0 {
            size = size * (avail / natural) * 0.98;
        }
        let x = right - text_width_mm(&clean, size);
        self.push_text(x, y, size, bold, clean, min_x, right);
    }

    /// Text centred in `[min_x, max_x]`, truncated if wider.
    fn center(&mut self, min_x: f32, max_x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let clean = sanitize(text);
        let fitted = truncate_to_width(&clean, size, max_x - min_x);
        let w = text_width_mm(&fitted, size);
        let x = (min_x + (max_x - min_x - w) / 2.0).max(min_x);
        self.push_text(x, y, size, bold, fitted, min_x, max_x);
    }

    #[allow(clippy::too_many_arguments)]
    fn push_text(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
        min_x: f32,
        max_x: f32,
    ) {
        if text.is_empty() {
            return;
        }
        self.ops.push(Op::Text(TextOp {
            x,
            y,
            size,
            bold,
            text,
            min_x,
            max_x,
        }));
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width_pt: f32, grey: f32) {
        self.ops.push(Op::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width_pt,
            grey,
        });
    }

    fn vline(&mut self, x: f32, y1: f32, y2: f32, width_pt: f32, grey: f32) {
        self.ops.push(Op::Line {
            x1: x,
            y1,
            x2: x,
            y2,
            width_pt,
            grey,
        });
    }

    fn fill(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, grey: f32) {
        self.ops.push(Op::Fill {
            x1,
            y1,
            x2,
            y2,
            grey,
        });
    }

    fn frame(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width_pt: f32) {
        self.hline(x1, x2, y1, width_pt, 0.0);
        self.hline(x1, x2, y2, width_pt, 0.0);
        self.vline(x1, y1, y2, width_pt, 0.0);
        self.vline(x2, y1, y2, width_pt, 0.0);
    }

    /// A bold label followed by a regular value on one line.
    #[allow(clippy::too_many_arguments)]
    fn field(&mut self, x: f32, y: f32, label_w: f32, label: &str, value: &str, max_x: f32) {
        self.left(x, y, 7.0, true, label, x + label_w - 1.0);
        self.left(x + label_w, y, 8.0, false, value, max_x);
    }

    /// A caption with a blank line to write on (signatures, dates).
    fn blank(&mut self, x: f32, y: f32, label: &str, line_from: f32, line_to: f32) {
        self.left(x, y, 7.0, false, label, line_from - 1.0);
        self.hline(line_from, line_to, y - 0.8, 0.5, 0.0);
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
    let mut pages = Vec::with_capacity(total_pages);

    let mut first = Canvas::default();
    layout_g702(&mut first, app);
    footer(&mut first, app, 1, total_pages);
    pages.push(first.ops);

    for page_idx in 0..g703_pages {
        let mut c = Canvas::default();
        let start = page_idx * ROWS_PER_PAGE;
        let end = (start + ROWS_PER_PAGE).min(app.lines.len());
        let rows = app.lines.get(start..end).unwrap_or(&[]);
        let last = page_idx + 1 == g703_pages;
        layout_g703(&mut c, app, rows, last);
        footer(&mut c, app, page_idx + 2, total_pages);
        pages.push(c.ops);
    }
    pages
}

fn footer(c: &mut Canvas, app: &PayApplication, page: usize, total: usize) {
    c.hline(MARGIN, RIGHT, 10.0, 0.4, 0.5);
    let left = format!(
        "{} - Application No. {} - Period to {}",
        app.header.project_name,
        app.header.application_no,
        fmt_date(app.header.period_to)
    );
    c.left(MARGIN, 6.0, 7.0, false, &left, RIGHT - 40.0);
    c.right(
        RIGHT,
        6.0,
        8.0,
        true,
        &format!("Page {page} of {total}"),
        RIGHT - 38.0,
    );
}

const G702_LEFT_END: f32 = 140.0;
const G702_AMOUNT_RIGHT: f32 = 138.0;
const G702_AMOUNT_LEFT: f32 = 106.0;
const G702_RIGHT_START: f32 = 148.0;

fn layout_g702(c: &mut Canvas, app: &PayApplication) {
    let h = &app.header;
    let g = &app.g702;

    c.left(
        MARGIN,
        199.0,
        14.0,
        true,
        "APPLICATION AND CERTIFICATE FOR PAYMENT",
        180.0,
    );
    c.right(
        RIGHT,
        199.0,
        11.0,
        true,
        &format!("Application No. {}", h.application_no),
        182.0,
    );
    c.hline(MARGIN, RIGHT, 195.0, 1.0, 0.0);

    // Header block: three columns.
    let rows = [189.0, 184.0, 179.0, 174.0, 169.0];
    c.field(MARGIN, rows[0], 28.0, "To (Owner):", &h.owner, 97.0);
    c.field(
        MARGIN,
        rows[1],
        28.0,
        "From (Contractor):",
        &h.contractor,
        97.0,
    );
    c.field(
        MARGIN,
        rows[2],
        28.0,
        "Via (Architect):",
        &h.architect,
        97.0,
    );

    c.field(100.0, rows[0], 24.0, "Project:", &h.project_name, 187.0);
    c.field(
        100.0,
        rows[1],
        24.0,
        "Project No.:",
        &h.project_number,
        187.0,
    );
    c.field(
        100.0,
        rows[2],
        24.0,
        "Contract For:",
        &h.contract_for,
        187.0,
    );

    let app_no = h.application_no.to_string();
    c.field(190.0, rows[0], 30.0, "Application No.:", &app_no, RIGHT);
    c.field(
        190.0,
        rows[1],
        30.0,
        "Application Date:",
        &fmt_date(h.application_date),
        RIGHT,
    );
    c.field(
        190.0,
        rows[2],
        30.0,
        "Period From:",
        &fmt_date(h.period_from),
        RIGHT,
    );
    c.field(
        190.0,
        rows[3],
        30.0,
        "Period To:",
        &fmt_date(h.period_to),
        RIGHT,
    );
    c.field(
        190.0,
        rows[4],
        30.0,
        "Contract Date:",
        &fmt_date(h.contract_date),
        RIGHT,
    );
    c.hline(MARGIN, RIGHT, 164.0, 0.8, 0.0);
    c.vline(144.0, 164.0, 12.0, 0.5, 0.4);

    // Left: lines 1-9.
    c.left(
        MARGIN,
        157.0,
        9.0,
        true,
        "CONTRACTOR'S APPLICATION FOR PAYMENT",
        G702_LEFT_END,
    );
    let note = match h.rounding {
        Rounding::Cents => "Amounts are carried from the attached Continuation Sheet.",
        Rounding::WholeDollars => {
            "Amounts are carried from the attached Continuation Sheet (whole dollars)."
        }
    };
    c.left(MARGIN, 152.5, 7.0, false, note, G702_LEFT_END);

    let rate_text = |rate: Option<Decimal>, what: &str, letter: &str| match rate {
        Some(r) => format!("{letter}. {} of {what}", fmt_percent(r)),
        None => format!("{letter}. Variable rate \u{2014} see Column I ({what})"),
    };
    let lines: [(f32, f32, bool, String, Option<Decimal>); 12] = [
        (
            146.0,
            MARGIN,
            false,
            "1. Original Contract Sum".into(),
            Some(g.original_contract_sum),
        ),
        (
            140.0,
            MARGIN,
            false,
            "2. Net change by Change Orders".into(),
            Some(g.net_change_orders),
        ),
        (
            134.0,
            MARGIN,
            false,
            "3. Contract Sum to Date (Line 1 \u{b1} 2)".into(),
            Some(g.contract_sum_to_date),
        ),
        (
            128.0,
            MARGIN,
            false,
            "4. Total Completed & Stored to Date (Column G on G703)".into(),
            Some(g.completed_and_stored),
        ),
        (122.0, MARGIN, false, "5. Retainage:".into(), None),
        (
            117.0,
            MARGIN + 5.0,
            false,
            rate_text(g.retainage_work_rate, "Completed Work", "a"),
            Some(g.retainage_work),
        ),
        (
            112.0,
            MARGIN + 5.0,
            false,
            rate_text(g.retainage_stored_rate, "Stored Material", "b"),
            Some(g.retainage_stored),
        ),
        (
            107.0,
            MARGIN + 5.0,
            false,
            "Total Retainage (Lines 5a + 5b or Total in Column I)".into(),
            Some(g.retainage_total),
        ),
        (
            101.0,
            MARGIN,
            false,
            "6. Total Earned Less Retainage (Line 4 Less Line 5 Total)".into(),
            Some(g.earned_less_retainage),
        ),
        (
            95.0,
            MARGIN,
            false,
            "7. Less Previous Certificates for Payment (Line 6 from prior Certificate)".into(),
            Some(g.previous_certificates),
        ),
        (
            89.0,
            MARGIN,
            true,
            "8. Current Payment Due".into(),
            Some(g.current_payment_due),
        ),
        (
            83.0,
            MARGIN,
            false,
            "9. Balance to Finish, Including Retainage (Line 3 less Line 6)".into(),
            Some(g.balance_to_finish_incl_retainage),
        ),
    ];
    for (y, x, bold, label, amount) in &lines {
        c.left(*x, *y, 7.5, *bold, label, G702_AMOUNT_LEFT - 1.0);
        if let Some(a) = amount {
            if *bold {
                c.fill(G702_AMOUNT_LEFT, y - 1.6, G702_LEFT_END, y + 3.6, 0.88);
            }
            c.right(
                G702_AMOUNT_RIGHT,
                *y,
                8.0,
                *bold,
                &fmt_amount(*a),
                G702_AMOUNT_LEFT + 1.0,
            );
            c.hline(G702_AMOUNT_LEFT, G702_LEFT_END, y - 1.2, 0.4, 0.3);
        }
    }

    layout_co_summary(c, app);
    layout_certifications(c, app);
    layout_co_list(c, app);
}

fn layout_co_summary(c: &mut Canvas, app: &PayApplication) {
    let co = &app.change_orders;
    let (x0, x1, x2, x3) = (MARGIN, 78.0, 109.0, G702_LEFT_END);
    let top = 76.0;
    let rh = 5.2;
    c.left(MARGIN, top + 2.0, 8.0, true, "CHANGE ORDER SUMMARY", x3);
    let top = top - 1.0;
    c.fill(x0, top - rh, x3, top, 0.88);
    c.center(x1, x2, top - rh + 1.7, 7.0, true, "ADDITIONS");
    c.center(x2, x3, top - rh + 1.7, 7.0, true, "DEDUCTIONS");
    let rows: [(&str, Option<(Decimal, Decimal)>, bool); 4] = [
        (
            "Total changes approved in previous months by Owner",
            Some((co.previous_additions, co.previous_deductions)),
            false,
        ),
        (
            "Total approved this Month",
            Some((co.this_period_additions, co.this_period_deductions)),
            false,
        ),
        (
            "TOTALS",
            Some((co.total_additions, co.total_deductions)),
            true,
        ),
        ("NET CHANGES by Change Order", None, true),
    ];
    for (i, (label, amounts, bold)) in rows.iter().enumerate() {
        let row_top = top - rh * (i as f32 + 1.0);
        let y = row_top - rh + 1.7;
        c.left(x0 + CELL_PAD, y, 7.0, *bold, label, x1 - CELL_PAD);
        match amounts {
            Some((add, ded)) => {
                c.right(
                    x2 - CELL_PAD,
                    y,
                    7.5,
                    *bold,
                    &fmt_amount(*add),
                    x1 + CELL_PAD,
                );
                c.right(
                    x3 - CELL_PAD,
                    y,
                    7.5,
                    *bold,
                    &fmt_amount(*ded),
                    x2 + CELL_PAD,
                );
            }
            None => {
                c.right(
                    x3 - CELL_PAD,
                    y,
                    7.5,
                    true,
                    &fmt_amount(co.net),
                    x1 + CELL_PAD,
                );
            }
        }
        c.hline(x0, x3, row_top - rh, 0.3, 0.4);
    }
    let bottom = top - rh * 5.0;
    c.frame(x0, bottom, x3, top, 0.6);
    c.vline(x1, top, bottom, 0.3, 0.4);
    c.vline(x2, top, bottom + rh, 0.3, 0.4);
}

fn layout_certifications(c: &mut Canvas, app: &PayApplication) {
    let h = &app.header;
    let x = G702_RIGHT_START;
    c.left(x, 157.0, 9.0, true, "CONTRACTOR'S CERTIFICATION", RIGHT);
    c.left(
        x,
        152.5,
        7.0,
        false,
        "Submitted by the Contractor for the period shown, with the attached Continuation Sheet.",
        RIGHT,
    );
    c.field(x, 146.0, 22.0, "Contractor:", &h.contractor, RIGHT);
    c.blank(x, 138.0, "Signature:", x + 22.0, 226.0);
    c.blank(229.0, 138.0, "Date:", 238.0, RIGHT);
    c.blank(x, 131.0, "Name / title:", x + 22.0, RIGHT);

    c.hline(x, RIGHT, 125.0, 0.4, 0.4);
    c.left(
        x,
        119.0,
        9.0,
        true,
        "ARCHITECT'S CERTIFICATE FOR PAYMENT",
        RIGHT,
    );
    c.left(
        x,
        114.5,
        7.0,
        false,
        "To be completed by the Architect after reviewing this application.",
        RIGHT,
    );
    c.left(x, 107.0, 8.0, true, "Amount Certified:", x + 30.0);
    c.hline(x + 31.0, 226.0, 106.2, 0.6, 0.0);
    c.left(
        x,
        100.0,
        7.0,
        false,
        "If the certified amount differs from Line 8, note why:",
        RIGHT,
    );
    c.hline(x, RIGHT, 94.2, 0.5, 0.0);
    c.field(x, 88.0, 22.0, "Architect:", &h.architect, RIGHT);
    c.blank(x, 81.0, "Signature:", x + 22.0, 226.0);
    c.blank(229.0, 81.0, "Date:", 238.0, RIGHT);
    c.hline(x, RIGHT, 75.0, 0.4, 0.4);
}

const CO_LIST_TOP: f32 = 65.0;
const CO_ROW_H: f32 = 4.3;
const CO_LIST_BOTTOM: f32 = 13.0;

/// How many change-order rows fit in the list box on the G702 page.
fn co_list_capacity() -> usize {
    // Rows are stacked below the column-header row (baseline CO_LIST_TOP).
    ((CO_LIST_TOP - CO_ROW_H - CO_LIST_BOTTOM) / CO_ROW_H) as usize + 1
}

fn layout_co_list(c: &mut Canvas, app: &PayApplication) {
    let x = G702_RIGHT_START;
    let (id_end, title_start, title_end, amt_left, amt_right, flag_start) =
        (168.0, 170.0, 224.0, 226.0, 248.0, 251.0);
    c.left(x, 70.0, 8.0, true, "CHANGE ORDERS INCLUDED", RIGHT);
    let y = CO_LIST_TOP;
    c.left(x, y, 7.0, true, "ID", id_end);
    c.left(title_start, y, 7.0, true, "Title", title_end);
    c.right(amt_right, y, 7.0, true, "Amount", amt_left);
    c.left(flag_start, y, 7.0, true, "This period", RIGHT);
    c.hline(x, RIGHT, y - 1.3, 0.4, 0.3);

    let orders = &app.change_orders.orders;
    if orders.is_empty() {
        c.left(
            x,
            y - CO_ROW_H,
            7.0,
            false,
            "No approved change orders.",
            RIGHT,
        );
        return;
    }
    let capacity = co_list_capacity();
    let shown = if orders.len() <= capacity {
        orders.len()
    } else {
        capacity.saturating_sub(1)
    };
    for (i, (id, title, amount, this_period)) in orders.iter().take(shown).enumerate() {
        let ry = y - CO_ROW_H * (i as f32 + 1.0);
        c.left(x, ry, 7.0, false, id, id_end);
        c.left(title_start, ry, 7.0, false, title, title_end);
        c.right(amt_right, ry, 7.0, false, &fmt_amount(*amount), amt_left);
        let flag = if *this_period { "Yes" } else { "-" };
        c.left(flag_start, ry, 7.0, false, flag, RIGHT);
    }
    if shown < orders.len() {
        let ry = y - CO_ROW_H * (shown as f32 + 1.0);
        let more = orders.len() - shown;
        c.left(
            x,
            ry,
            7.0,
            false,
            &format!("... and {more} more change order(s) not listed here"),
            RIGHT,
        );
    }
}

fn column_edges() -> [f32; 11] {
    let mut edges = [MARGIN; 11];
    let mut x = MARGIN;
    for (i, (_, _, w)) in COLUMNS.iter().enumerate() {
        x += w;
        edges[i + 1] = x;
    }
    edges
}

fn layout_g703(c: &mut Canvas, app: &PayApplication, rows: &[crate::payapp::model::G703Line], last: bool) {
    let h = &app.header;
    c.left(MARGIN, 199.0, 14.0, true, "CONTINUATION SHEET", 120.0);
    c.left(
        MARGIN,
        193.5,
        7.0,
        false,
        "Line-item detail for the Application and Certificate for Payment (page 1).",
        185.0,
    );
    let project = if h.project_number.is_empty() {
        h.project_name.clone()
    } else {
        format!("{} (No. {})", h.project_name, h.project_number)
    };
    c.field(MARGIN, 187.0, 14.0, "Project:", &project, 185.0);

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
    c.fill(MARGIN, head_bottom, RIGHT, TABLE_TOP, 0.88);
    for (i, (letter, desc, _)) in COLUMNS.iter().enumerate() {
        let (l, r) = (edges[i] + 0.6, edges[i + 1] - 0.6);
        c.center(l, r, TABLE_TOP - 3.2, 7.0, true, letter);
        for (j, text) in desc.iter().enumerate() {
            let y = TABLE_TOP - 6.2 - 2.3 * j as f32;
            c.center(l, r, y, COL_HEAD_PT, true, text);
        }
    }

    let body_rows = rows.len() + usize::from(last);
    let bottom = head_bottom - ROW_H * body_rows as f32;
    for (i, line) in rows.iter().enumerate() {
        let row_top = head_bottom - ROW_H * i as f32;
        let row_bottom = row_top - ROW_H;
        if i % 2 == 1 {
            c.fill(MARGIN, row_bottom, RIGHT, row_top, 0.95);
        }
        let y = row_bottom + 1.75;
        c.left(
            edges[0] + CELL_PAD,
            y,
            BODY_PT,
            false,
            &line.item_no,
            edges[1] - CELL_PAD,
        );
        c.left(
            edges[1] + CELL_PAD,
            y,
            BODY_PT,
            false,
            &line.description,
            edges[2] - CELL_PAD,
        );
        let values = [
            fmt_amount(line.scheduled_value),
            fmt_amount(line.from_previous),
            fmt_amount(line.this_period),
            fmt_amount(line.materials_stored),
            fmt_amount(line.completed_and_stored),
            fmt_percent(line.percent_complete),
            fmt_amount(line.balance_to_finish),
            fmt_amount(line.retainage),
        ];
        for (k, v) in values.iter().enumerate() {
            let col = k + 2;
            c.right(
                edges[col + 1] - CELL_PAD,
                y,
                BODY_PT,
                false,
                v,
                edges[col] + CELL_PAD,
            );
        }
        if i + 1 < body_rows {
            c.hline(MARGIN, RIGHT, row_bottom, 0.2, 0.7);
        }
    }

    if last {
        let t = &app.totals;
        let row_top = head_bottom - ROW_H * rows.len() as f32;
        let row_bottom = row_top - ROW_H;
        c.fill(MARGIN, row_bottom, RIGHT, row_top, 0.85);
        c.hline(MARGIN, RIGHT, row_top, 0.8, 0.0);
        let y = row_bottom + 1.75;
        c.left(
            edges[0] + CELL_PAD,
            y,
            BODY_PT,
            true,
            "GRAND TOTAL",
            edges[2] - CELL_PAD,
        );
        let values = [
            fmt_amount(t.scheduled_value),
            fmt_amount(t.from_previous),
            fmt_amount(t.this_period),
            fmt_amount(t.materials_stored),
            fmt_amount(t.completed_and_stored),
            fmt_percent(t.percent_complete),
            fmt_amount(t.balance_to_finish),
            fmt_amount(t.retainage),
        ];
        for (k, v) in values.iter().enumerate() {
            let col = k + 2;
            c.right(
                edges[col + 1] - CELL_PAD,
                y,
                BODY_PT,
                true,
                v,
                edges[col] + CELL_PAD,
            );
        }
    }

    // Grid over the header and body; the total row spans columns A and B.
    c.frame(MARGIN, bottom, RIGHT, TABLE_TOP, 0.8);
    c.hline(MARGIN, RIGHT, head_bottom, 0.6, 0.0);
    let total_top = if last {
        head_bottom - ROW_H * rows.len() as f32
    } else {
        bottom
    };
    for (i, x) in edges.iter().enumerate().take(10).skip(1) {
        let y_end = if i == 1 { total_top } else { bottom };
        c.vline(*x, TABLE_TOP, y_end, 0.3, 0.3);
    }
}

// ---------------------------------------------------------------------------
// Rendering with printpdf

fn render(app: &PayApplication, pages: &[Vec<Op>], doc_id: &str) -> Result<Vec<u8>, PdfError> {
    let h = &app.header;
    let stamp = h.application_date.midnight().assume_utc();
    let title = ascii_only(&format!(
        "Pay Application {} - {}",
        h.application_no, h.project_name
    ));
    let (doc, first_page, first_layer) =
        PdfDocument::new(title, Mm(PAGE_W), Mm(PAGE_H), "Pay application");
    let doc = doc
        .with_conformance(PdfConformance::Custom(CustomPdfConformance {
            requires_xmp_metadata: false,
            requires_icc_profile: false,
            ..CustomPdfConformance::default()
        }))
        .with_creation_date(stamp)
        .with_mod_date(stamp)
        .with_metadata_date(stamp)
        .with_document_id(doc_id.to_string())
        .with_creator("aecos")
        .with_producer("aecos");
    let regular = doc.add_builtin_font(BuiltinFont::Helvetica)?;
    let bold = doc.add_builtin_font(BuiltinFont::HelveticaBold)?;

    for (i, ops) in pages.iter().enumerate() {
        let (page, layer) = if i == 0 {
            (first_page, first_layer)
        } else {
            doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "Pay application")
        };
        let layer = doc.get_page(page).get_layer(layer);
        emit(&layer, ops, &regular, &bold);
    }

    let bytes = doc.save_to_bytes()?;
    set_trailer_id(bytes, doc_id)
}

fn grey(g: f32) -> Color {
    Color::Greyscale(Greyscale::new(g, None))
}

fn emit(layer: &PdfLayerReference, ops: &[Op], regular: &IndirectFontRef, bold: &IndirectFontRef) {
    for op in ops {
        match op {
            Op::Text(t) => {
                let font = if t.bold { bold } else { regular };
                layer.use_text(t.text.clone(), t.size, Mm(t.x), Mm(t.y), font);
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width_pt,
                grey: g,
            } => {
                layer.set_outline_color(grey(*g));
                layer.set_outline_thickness(*width_pt);
                layer.add_line(Line {
                    points: vec![
                        (Point::new(Mm(*x1), Mm(*y1)), false),
                        (Point::new(Mm(*x2), Mm(*y2)), false),
                    ],
                    is_closed: false,
                });
            }
            Op::Fill {
                x1,
                y1,
                x2,
                y2,
                grey: g,
            } => {
                layer.set_fill_color(grey(*g));
                layer.add_rect(
                    Rect::new(Mm(*x1), Mm(*y1), Mm(*x2), Mm(*y2)).with_mode(PaintMode::Fill),
                );
                layer.set_fill_color(grey(0.0));
            }
        }
    }
}

/// Replace the two random strings printpdf writes in the trailer `/ID` array
/// (`/ID[(…32 chars…)(…32 chars…)]`) with `id`. The trailer follows the xref
/// table, and `id` has the same length, so no offset changes.
fn set_trailer_id(mut bytes: Vec<u8>, id: &str) -> Result<Vec<u8>, PdfError> {
    const ID_LEN: usize = 32;
    let id = id.as_bytes();
    if id.len() != ID_LEN {
        return Err(PdfError::Determinism("document id must be 32 bytes"));
    }
    let trailer = rfind(&bytes, b"trailer").ok_or(PdfError::Determinism("no trailer found"))?;
    let rel = find(&bytes[trailer..], b"/ID[(")
        .ok_or(PdfError::Determinism("trailer has no /ID array"))?;
    let first = trailer + rel + b"/ID[(".len();
    let second = first + ID_LEN + 2;
    let shape_ok = bytes.len() > second + ID_LEN + 1
        && bytes[first + ID_LEN] == b')'
        && bytes[first + ID_LEN + 1] == b'('
        && bytes[second + ID_LEN] == b')'
        && bytes[first..first + ID_LEN]
            .iter()
            .chain(&bytes[second..second + ID_LEN])
            .all(u8::is_ascii_alphanumeric);
    if !shape_ok {
        return Err(PdfError::Determinism("unexpected trailer /ID layout"));
    }
    bytes[first..first + ID_LEN].copy_from_slice(id);
    bytes[second..second + ID_LEN].copy_from_slice(id);
    Ok(bytes)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// 128-bit FNV-1a over every laid-out string (page by page), as 32 hex digits.
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
    let (negative, digits) = two_decimal_digits(d);
    if negative {
        format!("({digits})")
    } else {
        digits
    }
}

/// "45.67%"; negatives with a minus sign: "-3.50%".
fn fmt_percent(d: Decimal) -> String {
    let (negative, digits) = two_decimal_digits(d);
    if negative {
        format!("-{digits}%")
    } else {
        format!("{digits}%")
    }
}

/// Round half away from zero to 2 places for display and group the integer part.
/// Returns (is negative, unsigned text).
fn two_decimal_digits(d: Decimal) -> (bool, String) {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    let cents = r.mantissa();
    let negative = cents < 0;
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let frac = cents % 100;
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 + 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    (negative, format!("{grouped}.{frac:02}"))
}

fn fmt_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

// ---------------------------------------------------------------------------
// Text: WinAnsi sanitizing and Helvetica width measurement

/// Characters of WinAnsiEncoding 0x80–0x9F (the rest of it is U+0020–U+007E and
/// U+00A0–U+00FF).
const WIN_ANSI_EXTRA: [char; 27] = [
    '\u{20ac}', '\u{201a}', '\u{0192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02c6}',
    '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{017d}', '\u{2018}', '\u{2019}', '\u{201c}',
    '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02dc}', '\u{2122}', '\u{0161}', '\u{203a}',
    '\u{0153}', '\u{017e}', '\u{0178}',
];

/// Keep what Helvetica's WinAnsiEncoding can show; tabs and line breaks become
/// spaces, anything else becomes '?'.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|ch| match ch {
            '\t' | '\n' | '\r' => ' ',
            ' '..='~' | '\u{a1}'..='\u{ff}' => ch,
            // No-break space and soft hyphen print as their plain forms.
            '\u{a0}' => ' ',
            _ if WIN_ANSI_EXTRA.contains(&ch) => ch,
            _ => '?',
        })
        .collect()
}

/// Document-info strings are written as raw bytes: keep them plain ASCII.
fn ascii_only(s: &str) -> String {
    s.chars()
        .map(|ch| if (' '..='~').contains(&ch) { ch } else { '?' })
        .collect()
}

/// Helvetica advance widths (1/1000 em) for U+0020..U+007E, the larger of the
/// regular and bold weights, so one table is safe for both.
const HELVETICA_WIDTHS: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0..?
    1015, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P.._
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `..o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p..~
];

/// Widest Helvetica glyph; used for anything outside printable ASCII.
const WIDEST: u16 = 1015;

fn char_units(ch: char) -> u32 {
    let code = ch as u32;
    let w = if (0x20..0x7f).contains(&code) {
        HELVETICA_WIDTHS
            .get((code - 0x20) as usize)
            .copied()
            .unwrap_or(WIDEST)
    } else {
        WIDEST
    };
    u32::from(w)
}

fn units_to_mm(units: u32, size_pt: f32) -> f32 {
    units as f32 / 1000.0 * size_pt * PT_TO_MM
}

fn text_width_mm(s: &str, size_pt: f32) -> f32 {
    units_to_mm(s.chars().map(char_units).sum(), size_pt)
}

/// Cut `s` so it is at most `max_w` mm wide, ending in "..." when cut.
fn truncate_to_width(s: &str, size_pt: f32, max_w: f32) -> String {
    if text_width_mm(s, size_pt) <= max_w {
        return s.to_string();
    }
    let ellipsis = text_width_mm("...", size_pt);
    if ellipsis > max_w {
        return String::new();
    }
    let mut out = String::new();
    let mut units = 0u32;
    for ch in s.chars() {
        let next = units + char_units(ch);
        if units_to_mm(next, size_pt) + ellipsis > max_w {
            break;
        }
        out.push(ch);
        units = next;
    }
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payapp::model::{ChangeOrderSummary, G703Line, G703Totals, PayAppHeader, G702};
    use rust_decimal::prelude::FromPrimitive;
    use std::str::FromStr;
    use time::macros::date;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn line(i: usize) -> G703Line {
        let i_dec = Decimal::from_usize(i).unwrap();
        let mut l = G703Line {
            item_no: format!("{:02}-{:03}", i / 10 + 1, i * 10),
            description: format!("Work item {i} - general construction"),
            cost_code: format!("{:02}-000", i % 16),
            change_order: None,
            scheduled_value: dec("12500.00") + i_dec * dec("137.25"),
            from_previous: dec("5000.00") + i_dec * dec("10.10"),
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
                    concrete formwork, reinforcing steel, embeds, anchor bolts and curing"
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
                l.completed_and_stored = dec("-1234.00");
                l.balance_to_finish = dec("-3266.00");
                l.percent_complete = dec("27.42");
                l.work_retainage = dec("-123.40");
                l.retainage = dec("-123.40");
            }
            33 => l.work_retainage_rate = dec("5"),
            _ => {}
        }
        l
    }

    fn fixture(n: usize) -> PayApplication {
        let lines: Vec<G703Line> = (0..n).map(line).collect();
        let mut t = G703Totals::default();
        for l in &lines {
            t.scheduled_value += l.scheduled_value;
            t.from_previous += l.from_previous;
            t.this_period += l.this_period;
            t.materials_stored += l.materials_stored;
            t.completed_and_stored += l.completed_and_stored;
            t.balance_to_finish += l.balance_to_finish;
            t.work_retainage += l.work_retainage;
            t.stored_retainage += l.stored_retainage;
            t.retainage += l.retainage;
        }
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
        let change_orders = ChangeOrderSummary {
            previous_additions: dec("20250.00"),
            previous_deductions: dec("0.00"),
            this_period_additions: dec("0.00"),
            this_period_deductions: dec("4500.00"),
            total_additions: dec("20250.00"),
            total_deductions: dec("4500.00"),
            net: dec("15750.00"),
            orders: vec![
                (
                    "CO-001".into(),
                    "Owner requested upgrade of all lobby finishes including stone".into(),
                    dec("12000.00"),
                    false,
                ),
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

    /// Text shown on each page, one `Tj` string per line, decoded from WinAnsi.
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
                        text.push_str(&lopdf::Document::decode_text(Some("WinAnsiEncoding"), raw));
                        text.push('\n');
                    }
                }
                text
            })
            .collect()
    }

    #[test]
    fn amounts_are_grouped_with_two_decimals() {
        assert_eq!(fmt_amount(dec("1234567.89")), "1,234,567.89");
        assert_eq!(fmt_amount(dec("-1234")), "(1,234.00)");
        assert_eq!(fmt_amount(dec("0")), "0.00");
        assert_eq!(fmt_amount(dec("-0.00")), "0.00");
        assert_eq!(fmt_amount(dec("999.995")), "1,000.00");
        assert_eq!(fmt_amount(dec("-0.004")), "0.00");
        assert_eq!(fmt_amount(dec("100")), "100.00");
        assert_eq!(fmt_amount(dec("100000")), "100,000.00");
        assert_eq!(fmt_amount(dec("12.3")), "12.30");
        assert_eq!(
            fmt_amount(Decimal::MAX),
            "79,228,162,514,264,337,593,543,950,335.00"
        );
        assert_eq!(
            fmt_amount(Decimal::MIN),
            "(79,228,162,514,264,337,593,543,950,335.00)"
        );
    }

    #[test]
    fn percents_have_two_decimals() {
        assert_eq!(fmt_percent(dec("45.666")), "45.67%");
        assert_eq!(fmt_percent(dec("100")), "100.00%");
        assert_eq!(fmt_percent(dec("0")), "0.00%");
        assert_eq!(fmt_percent(dec("-3.5")), "-3.50%");
        assert_eq!(fmt_percent(dec("1234.5")), "1,234.50%");
    }

    #[test]
    fn dates_are_iso() {
        assert_eq!(fmt_date(date!(2025 - 03 - 01)), "2025-03-01");
    }

    #[test]
    fn sanitizer_keeps_win_ansi_and_replaces_the_rest() {
        assert_eq!(
            sanitize("Caf\u{e9} \u{2014} \u{2603}"),
            "Caf\u{e9} \u{2014} ?"
        );
        assert_eq!(sanitize("a\tb\nc"), "a b c");
        assert_eq!(sanitize("\u{4e2d}\u{6587} \u{1f600}"), "?? ?");
        assert_eq!(sanitize("\u{2212}5"), "?5");
        assert_eq!(sanitize("\u{0}x"), "?x");
        assert_eq!(ascii_only("Caf\u{e9}"), "Caf?");
    }

    #[test]
    fn every_sanitized_char_is_encodable_by_printpdf() {
        // printpdf encodes built-in font text with lopdf's WinAnsi table and silently
        // drops what it cannot encode; nothing our sanitizer keeps may be dropped.
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let clean = sanitize(&all);
        let encoded = lopdf::Document::encode_text(Some("WinAnsiEncoding"), &clean);
        assert_eq!(encoded.len(), clean.chars().count());
        let back = lopdf::Document::decode_text(Some("WinAnsiEncoding"), &encoded);
        assert_eq!(back, clean);
    }

    #[test]
    fn widths_and_truncation() {
        // 10 digits of Helvetica at 10pt: 5.56 em = 55.6pt.
        let w = text_width_mm("0123456789", 10.0);
        assert!((w - 55.6 * PT_TO_MM).abs() < 1e-3);
        let long = "A description that is certainly too long for a narrow column";
        let cut = truncate_to_width(long, 7.0, 30.0);
        assert!(cut.ends_with("..."));
        assert!(text_width_mm(&cut, 7.0) <= 30.0);
        assert!(cut.len() > 10);
        assert_eq!(truncate_to_width("short", 7.0, 30.0), "short");
        assert_eq!(truncate_to_width("short", 7.0, 0.5), "");
    }

    #[test]
    fn all_text_fits_its_box_and_labels_are_not_cut() {
        let app = fixture(70);
        for ops in layout(&app) {
            for op in ops {
                if let Op::Text(t) = op {
                    let w = text_width_mm(&t.text, t.size);
                    assert!(t.x >= t.min_x - 1e-3, "starts left of its box: {t:?}");
                    assert!(t.x + w <= t.max_x + 1e-3, "overflows its box: {t:?}");
                    assert!(t.size >= 4.0, "shrunk too far: {t:?}");
                }
            }
        }
        // Fixed labels must print whole (only data may be truncated).
        let texts: Vec<String> = layout(&app)
            .into_iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Text(t) => Some(t.text),
                _ => None,
            })
            .collect();
        for label in [
            "1. Original Contract Sum",
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
            "NET CHANGES by Change Order",
            "PRESENTLY STORED",
            "DATE (D + E + F)",
            "TOTAL COMPLETED",
            "DESCRIPTION OF WORK",
            "Amount Certified:",
        ] {
            assert!(
                texts.iter().any(|t| t == label),
                "label cut or missing: {label}"
            );
        }
        // The long description was truncated, the non-ASCII one sanitized.
        assert!(texts
            .iter()
            .any(|t| t.starts_with("Very long description") && t.ends_with("...")));
        assert!(texts
            .iter()
            .any(|t| t == "Caf\u{e9} fa\u{e7}ade \u{2014} snowman ? trim"));
        assert!(texts
            .iter()
            .any(|t| t.starts_with("Owner requested") && t.ends_with("...")));
    }

    #[test]
    fn output_is_deterministic_within_a_process() {
        let app = fixture(70);
        let a = write_pdf(&app).unwrap();
        let b = write_pdf(&app).unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, b);
        // A different application gives a different document id.
        let mut other = app.clone();
        other.g702.current_payment_due = dec("1.00");
        let doc_a = lopdf::Document::load_mem(&a).unwrap();
        let doc_o = lopdf::Document::load_mem(&write_pdf(&other).unwrap()).unwrap();
        let id = |d: &lopdf::Document| format!("{:?}", d.trailer.get(b"ID").unwrap());
        assert_ne!(id(&doc_a), id(&doc_o));
    }

    const CHILD_ENV: &str = "AECOS_AIA_PDF_CHILD_OUT";

    #[test]
    #[ignore = "helper: run by output_is_deterministic_across_processes in a child process"]
    fn child_process_render() {
        if let Ok(path) = std::env::var(CHILD_ENV) {
            std::fs::write(path, write_pdf(&fixture(70)).unwrap()).unwrap();
        }
    }

    #[test]
    fn output_is_deterministic_across_processes() {
        let module = module_path!();
        let module = module.split_once("::").map_or(module, |(_, rest)| rest);
        let out = std::env::temp_dir().join(format!("aia_pdf_child_{}.pdf", std::process::id()));
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                &format!("{module}::child_process_render"),
                "--exact",
                "--ignored",
                "--test-threads=1",
                "--quiet",
            ])
            .env(CHILD_ENV, &out)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let child = std::fs::read(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        // This process has already advanced printpdf's id counter differently.
        let _ = write_pdf(&fixture(3)).unwrap();
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

        // Letter landscape: 792 x 612 pt.
        for id in doc.get_pages().values() {
            let page = doc.get_dictionary(*id).unwrap();
            let mb = page.get(b"MediaBox").unwrap().as_array().unwrap();
            let w = mb[2].as_float().unwrap();
            let h = mb[3].as_float().unwrap();
            assert!(
                (w - 792.0).abs() < 0.1 && (h - 612.0).abs() < 0.1,
                "{w} x {h}"
            );
        }

        // Trailer /ID is our content hash, twice.
        let ids = doc.trailer.get(b"ID").unwrap().as_array().unwrap();
        let want = document_id(&layout(&app));
        for id in ids {
            assert_eq!(id.as_str().unwrap(), want.as_bytes());
        }
        // Dates are the application date at midnight UTC.
        let info_id = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let info = doc.get_dictionary(info_id).unwrap();
        assert_eq!(
            info.get(b"CreationDate").unwrap().as_str().unwrap(),
            b"D:20250331000000+00'00'"
        );

        let texts = page_texts(&bytes);
        assert_eq!(texts.len(), expected_pages);
        for (i, text) in texts.iter().enumerate() {
            let footer = format!("Page {} of {}", i + 1, expected_pages);
            assert!(text.contains(&footer), "page {} lacks {footer:?}", i + 1);
        }
        let g702 = &texts[0];
        assert!(g702.contains("APPLICATION AND CERTIFICATE FOR PAYMENT"));
        assert!(g702.contains("8. Current Payment Due"));
        assert!(g702.contains("123,456.78"));
        assert!(g702.contains("Variable rate \u{2014} see Column I"));
        assert!(g702.contains("b. 5.00% of Stored Material"));
        assert!(g702.contains("(4,500.00)"));
        assert!(g702.contains("Total changes approved in previous months by Owner"));
        assert!(g702.contains("Riverside Medical Office Building \u{2014} Phase 2"));

        for (i, text) in texts.iter().enumerate().skip(1) {
            for header in [
                "CONTINUATION SHEET",
                "DESCRIPTION OF WORK",
                "SCHEDULED",
                "RETAINAGE",
            ] {
                assert!(text.contains(header), "page {} lacks {header:?}", i + 1);
            }
        }
        let last = &texts[expected_pages - 1];
        assert!(last.contains("GRAND TOTAL"));
        assert!(last.contains(&fmt_amount(app.totals.completed_and_stored)));
        assert!(last.contains(&fmt_amount(app.totals.scheduled_value)));
        assert!(!texts[1].contains("GRAND TOTAL"));
        // The credit line prints in parentheses on page 2 (line 20 is on the first sheet).
        assert!(texts[1].contains("(1,234.00)"));
        assert!(texts[1].contains("CO-002.1"));
    }

    #[test]
    fn empty_and_exact_page_boundaries() {
        let mut app = fixture(0);
        app.change_orders.orders.clear();
        let bytes = write_pdf(&app).unwrap();
        let texts = page_texts(&bytes);
        assert_eq!(texts.len(), 2);
        assert!(texts[1].contains("GRAND TOTAL"));
        assert!(texts[0].contains("No approved change orders."));

        let app = fixture(ROWS_PER_PAGE * 2);
        let texts = page_texts(&write_pdf(&app).unwrap());
        assert_eq!(texts.len(), 3);
        assert!(texts[2].contains("Page 3 of 3"));
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
        assert!(texts[0].contains(&format!("CO-{:03}", capacity - 1)));
        assert!(!texts[0].contains(&format!("CO-{capacity:03}\n")));
        let more = 40 - (capacity - 1);
        assert!(texts[0].contains(&format!("... and {more} more change order(s)")));
    }

    #[test]
    #[ignore = "helper: writes a sample PDF for a visual check"]
    fn write_sample_when_asked() {
        // `AECOS_AIA_PDF_SAMPLE=path cargo test write_sample` writes a sample file.
        if let Ok(path) = std::env::var("AECOS_AIA_PDF_SAMPLE") {
            std::fs::write(path, write_pdf(&fixture(70)).unwrap()).unwrap();
        }
    }
}
#[cfg(test)]
mod probe {
    #[test]
    fn probe() {
        let (doc, _, _) = printpdf::PdfDocument::new("t", printpdf::Mm(100.0), printpdf::Mm(100.0), "l");
        let b = doc.save_to_bytes().unwrap();
        let n = b.len();
        println!("{}", String::from_utf8_lossy(&b[n.saturating_sub(600)..]));
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let s = super::sanitize(&c.to_string());
            if lopdf::Document::encode_text(Some("WinAnsiEncoding"), &s).len() != 1 { println!("bad {:x}", c as u32); }
        }
    }
}
