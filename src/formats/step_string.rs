//! STEP (ISO 10303-21) string and real literals for writers of IFC files.
//!
//! Strings: only 0x20-0x7E appear raw, `'` and `\` are doubled; every other character is
//! escaped, a run of them at a time: `\X2\` with 4 hex digits per character of the Basic
//! Multilingual Plane, `\X4\` with 8 hex digits per character beyond it, each run closed
//! by `\X0\`. The output is ASCII whatever the input.
//!
//! Must not decode (readers do that) and must not lose a character.

/// `text` as a quoted STEP string literal, e.g. `'W\X2\00E4\X0\nde'`.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => {
                let wide = u32::from(c) > 0xFFFF;
                out.push_str(if wide { "\\X4\\" } else { "\\X2\\" });
                push_hex(&mut out, c, wide);
                while let Some(&next) = chars.peek() {
                    if is_plain(next) || (u32::from(next) > 0xFFFF) != wide {
                        break;
                    }
                    push_hex(&mut out, next, wide);
                    chars.next();
                }
                out.push_str("\\X0\\");
            }
        }
    }
    out.push('\'');
    out
}

fn is_plain(c: char) -> bool {
    matches!(c, ' '..='~')
}

fn push_hex(out: &mut String, c: char, wide: bool) {
    if wide {
        out.push_str(&format!("{:08X}", u32::from(c)));
    } else {
        out.push_str(&format!("{:04X}", u32::from(c)));
    }
}

/// A decimal number's text (e.g. `3`, `-0.5`, `1e-5`) as a STEP real, which must
/// contain a `.`: `3.`, `-0.5`, `1.E-5`. `None` when the text is not a number.
pub fn real(number: &str) -> Option<String> {
    let t = number.trim();
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = mantissa.strip_prefix('-').unwrap_or(mantissa);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let mut out = String::from(mantissa);
    if !mantissa.contains('.') {
        out.push('.');
    }
    if let Some(e) = exponent {
        let e_digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        if e_digits.is_empty() || !all_digits(e_digits) {
            return None;
        }
        out.push('E');
        out.push_str(e.strip_prefix('+').unwrap_or(e));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii_and_quotes() {
        assert_eq!(string("Level 1"), "'Level 1'");
        assert_eq!(string("O'Brien"), "'O''Brien'");
        assert_eq!(string(r"C:\x"), r"'C:\\x'");
        assert_eq!(string(""), "''");
    }

    #[test]
    fn non_ascii_runs() {
        // What ifcopenshell writes for "Wände".
        assert_eq!(string("Wände"), r"'W\X2\00E4\X0\nde'");
        assert_eq!(string("ÄÖ x"), r"'\X2\00C400D6\X0\ x'");
        assert_eq!(string("2\u{2033}"), r"'2\X2\2033\X0\'");
        assert_eq!(string("a\nb"), r"'a\X2\000A\X0\b'");
        assert_eq!(string("\u{1F600}"), r"'\X4\0001F600\X0\'");
        assert_eq!(
            string("é\u{1F600}é"),
            r"'\X2\00E9\X0\\X4\0001F600\X0\\X2\00E9\X0\'"
        );
    }

    #[test]
    fn output_is_always_ascii() {
        for s in ["日本語", "tab\there", "\u{7F}", "mixed ü and '\\'"] {
            let out = string(s);
            assert!(out.bytes().all(|b| (0x20..=0x7E).contains(&b)), "{out}");
        }
    }

    #[test]
    fn reals() {
        assert_eq!(real("3").as_deref(), Some("3."));
        assert_eq!(real("3.0").as_deref(), Some("3.0"));
        assert_eq!(real("-0.5").as_deref(), Some("-0.5"));
        assert_eq!(real("1e-5").as_deref(), Some("1.E-5"));
        assert_eq!(real("2.5E+3").as_deref(), Some("2.5E3"));
        assert_eq!(real("abc"), None);
        assert_eq!(real(""), None);
        assert_eq!(real("1e"), None);
        assert_eq!(real(".5"), None);
    }
}
