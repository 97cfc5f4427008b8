//! Part 3 of the Mẫu 08 return as CSV (see the [module documentation](super) for why Parts 1 and 2
//! are left to the workbook).

use super::{HEADERS, Return, header, vietnamese_date};
use crate::i18n::Lang;
use crate::report::kit::csv::{BOM, Field, record, row};

impl Return {
    /// Part 3 as CSV: UTF-8 with BOM, CRLF, RFC 4180, one header row then one row per system
    /// (see the module documentation for why Parts 1 and 2 are left to the workbook).
    pub fn csv(&self, lang: Lang) -> String {
        let mut out = String::from(BOM);
        let headers: Vec<String> = (0..HEADERS.len()).map(|i| header(i, lang)).collect();
        row(&mut out, &headers.iter().map(String::as_str).collect::<Vec<_>>());
        for r in &self.rows {
            record(
                &mut out,
                &[
                    Field::Count(r.no),
                    Field::Text(&r.name),
                    Field::Text(&r.owner),
                    Field::Text(&r.operator),
                    Field::Count(usize::from(r.level)),
                    Field::Text(r.approval),
                    Field::Text(&r.decision),
                    Field::Text(&r.regulation),
                    Field::Text(&r.expected_approval.as_deref().map(vietnamese_date).unwrap_or_default()),
                    Field::Text(r.deployment),
                    Field::Text(&r.expected_completion.as_deref().map(vietnamese_date).unwrap_or_default()),
                    Field::Text(&r.assessed),
                ],
            );
        }
        out
    }
}
