//! CSV cells every tuanthu CSV shares (the report's, the Mẫu 08 return's, the national view's), so
//! they all quote and defuse alike: UTF-8 with a byte-order mark (without it Excel shows Vietnamese
//! as mojibake), CRLF line ends and RFC 4180 quoting. Cells are hostile data (banners, certificate
//! fields): control characters are stripped, and a cell that a spreadsheet would take for a formula
//! (`=`, `+`, `-`, `@` first) is prefixed with `'` (CSV injection).

/// The byte-order mark every tuanthu CSV starts with: without it Excel reads UTF-8 as ANSI.
pub(crate) const BOM: &str = "\u{FEFF}";

/// One field of a CSV record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'a> {
    /// Text from an inventory, a report or a scanned host: flattened to one line, control
    /// characters stripped, defused when a spreadsheet would run it, quoted when needed.
    Text(&'a str),
    /// A count tuanthu computed.
    Count(usize),
    /// A number tuanthu computed (a rate, a change), at full precision; `None` is an empty field.
    /// Written as is: a negative change must stay a number, and no formula can hide in one.
    Number(Option<f64>),
}

/// A cell as written: one line, no control characters, no formula, quoted when needed.
fn cell(raw: &str) -> String {
    let mut s = crate::sanitize::one_line(raw);
    if s.starts_with(['=', '+', '-', '@']) {
        s.insert(0, '\'');
    }
    if s.contains([',', '"', ';']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Appends one record, CRLF-terminated.
pub(crate) fn record(out: &mut String, fields: &[Field<'_>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match *f {
            Field::Text(t) => out.push_str(&cell(t)),
            Field::Count(n) => out.push_str(&n.to_string()),
            Field::Number(Some(x)) if x.is_finite() => out.push_str(&x.to_string()),
            Field::Number(_) => {}
        }
    }
    out.push_str("\r\n");
}

/// Appends a record of text fields.
pub(crate) fn row(out: &mut String, cells: &[&str]) {
    let fields: Vec<Field<'_>> = cells.iter().map(|c| Field::Text(c)).collect();
    record(out, &fields);
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn numbers_are_written_as_numbers() {
        use super::{Field, record};
        let mut out = String::new();
        record(&mut out, &[Field::Text("-x"), Field::Count(3), Field::Number(Some(-0.25)), Field::Number(None)]);
        assert_eq!(out, "'-x,3,-0.25,\r\n");
    }

    #[test]
    fn cells_are_quoted_flattened_and_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a, b"), "\"a, b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-1+2"), "'-1+2");
        assert!(!cell("line1\nline2\x1b[31m").contains(['\n', '\x1b']));
    }
}
