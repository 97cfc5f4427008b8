//! The one error type of every renderer (report and national view alike). Text renderers
//! (table, HTML, CSV, JUnit) cannot fail; the others fail only when their serialiser or workbook
//! writer does, or when a report's own date does not read (a hand-edited report given back).

/// Why a renderer could not produce its output.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// JSON serialisation failed (`what`: "the report", "SARIF", "the national view").
    #[error("cannot serialise {what}: {source}")]
    Serialise { what: &'static str, source: serde_json::Error },
    /// The workbook writer failed.
    #[error("cannot write the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    /// The report's `as_of` is not a date, so the Mẫu 08 return cannot judge assessment ages.
    #[error("the report's as_of: {0}")]
    AsOf(crate::dates::DateError),
}

impl RenderError {
    /// The message in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        use crate::text;
        match self {
            RenderError::Serialise { what, source } => {
                text!("cannot serialise {what}: {source}", "không tuần tự hoá được {what}: {source}")
            }
            RenderError::Workbook(e) => text!("cannot write the workbook: {e}", "không ghi được tệp bảng tính: {e}"),
            RenderError::AsOf(e) => {
                let why = e.text();
                let (en, vi) = (&why.en, &why.vi);
                text!("the report's as_of: {en}", "as_of của báo cáo: {vi}")
            }
        }
    }

    /// A serialisation failure of `what`, for `map_err`.
    pub fn serialise(what: &'static str) -> impl FnOnce(serde_json::Error) -> RenderError {
        move |source| RenderError::Serialise { what, source }
    }
}
