//! `tuanthu aggregate --format csv`: the national view as one table, one row per counted agency
//! followed by **one final row for all agencies** (`scope` = `overall`; `scope` = `agency` on the
//! others, so a filter on that column separates them).
//!
//! Columns: the agency, the report counted for it (file, generation time, signing key), every
//! figure of the national view (counts, rates as fractions in [0, 1] at full precision, empty when
//! there is no system), the measured required controls and their share (`controls_measured`,
//! `measured_share`: a report without bases counts as unmeasured), the change since `--previous` (a signed difference of fractions, empty
//! without one) and the missing controls as `ID (systems)` pairs. The overall row's missing
//! controls are the national ranking (counted in systems); its `generated_at` is the national view's. Rejected and
//! superseded inputs are listed in the JSON and XLSX outputs and on standard error, not here.
//!
//! Same container as every tuanthu CSV ([`crate::report::csv`]): UTF-8 with a byte-order mark,
//! CRLF, RFC 4180 quoting, control characters stripped and formula-like text defused.

use super::national::{Change, Figures, National};
use crate::i18n::{Lang, tr};
use crate::report::kit::csv::{BOM, Field, record, row};
use crate::report::render::{Csv, Render};
use crate::report::{Glossary, RenderError};

const HEADER_EN: [&str; 18] = [
    "scope",
    "agency_id",
    "agency",
    "report",
    "generated_at",
    "signed_by",
    "systems_total",
    "systems_approved",
    "approval_rate",
    "systems_fully_implemented",
    "fully_implemented_rate",
    "systems_partly_implemented",
    "systems_not_implemented",
    "controls_measured",
    "measured_share",
    "change_approval_rate",
    "change_fully_implemented_rate",
    "missing_controls",
];

const HEADER_VI: [&str; 18] = [
    "pham_vi",
    "ma_co_quan",
    "co_quan",
    "bao_cao",
    "thoi_diem_lap",
    "khoa_ky",
    "so_he_thong",
    "da_phe_duyet",
    "ty_le_phe_duyet",
    "trien_khai_day_du",
    "ty_le_trien_khai_day_du",
    "trien_khai_mot_so_hang_muc",
    "chua_trien_khai",
    "bien_phap_do_kiem",
    "ty_le_do_kiem",
    "thay_doi_ty_le_phe_duyet",
    "thay_doi_ty_le_trien_khai_day_du",
    "bien_phap_con_thieu",
];

/// `NET.01 (3); APP.04 (1)`.
fn missing(f: &Figures) -> String {
    crate::report::kit::words::missing_list(f.missing_controls.iter().map(|m| (m.control.as_str(), m.systems)))
}

fn figures<'a>(f: &'a Figures, change: Option<&'a Change>) -> [Field<'a>; 11] {
    [
        Field::Count(f.systems_total),
        Field::Count(f.systems_approved),
        Field::Number(f.approval_rate),
        Field::Count(f.systems_fully_implemented),
        Field::Number(f.fully_implemented_rate),
        Field::Count(f.systems_partly_implemented),
        Field::Count(f.systems_not_implemented),
        Field::Count(f.controls_measured),
        Field::Number(f.measured_share),
        Field::Number(change.and_then(|c| c.approval_rate)),
        Field::Number(change.and_then(|c| c.fully_implemented_rate)),
    ]
}

impl Render<National> for Csv {
    fn render(&self, n: &National, g: &Glossary) -> Result<Vec<u8>, RenderError> {
        Ok(text(n, g.lang).into_bytes())
    }
}

fn text(n: &National, lang: Lang) -> String {
    let mut out = String::from(BOM);
    row(&mut out, if lang == Lang::Vi { &HEADER_VI } else { &HEADER_EN });
    for a in &n.agencies {
        let m = missing(&a.figures);
        let mut fields = vec![
            Field::Text("agency"),
            Field::Text(&a.id),
            Field::Text(&a.name),
            Field::Text(&a.report),
            Field::Text(&a.generated_at),
            Field::Text(a.signed_by.as_deref().unwrap_or("")),
        ];
        fields.extend(figures(&a.figures, a.change.as_ref()));
        fields.push(Field::Text(&m));
        record(&mut out, &fields);
    }
    let o = &n.overall;
    let m = missing(&o.figures);
    let name = format!("{} ({})", tr(lang, "All agencies", "Tất cả cơ quan"), o.agencies);
    let mut fields = vec![
        Field::Text("overall"),
        Field::Text(""),
        Field::Text(&name),
        Field::Text(""),
        Field::Text(&n.generated_at),
        Field::Text(""),
    ];
    fields.extend(figures(&o.figures, o.change.as_ref()));
    fields.push(Field::Text(&m));
    record(&mut out, &fields);
    out
}
