//! HTML pieces the agency report and the national view share: the page shell and markup writer
//! ([`page`], which escapes every string it is given), inline SVG charts ([`svg`]), and the small
//! blocks both pages draw alike (a captioned chart, "ID — title", the footer).

pub mod page;
pub mod svg;

use crate::engine::Status;
use crate::i18n::{Lang, tr};
use crate::report::kit::words::status_text;
use page::Html;

/// A chart in a `<figure>` with a visible caption (the SVG's `<title>` repeats it for readers).
pub(crate) fn chart(h: &mut Html, caption: &str, draw: impl FnOnce(&mut Html)) {
    h.el("figure", &[("class", &"chart")], |h| {
        h.leaf("figcaption", &[], caption);
        draw(h);
    });
}

/// "ID — title", or the bare id when the glossary does not know it.
pub(crate) fn titled(id: &str, title: Option<&str>) -> String {
    title.map_or_else(|| id.to_string(), |t| format!("{id} — {t}"))
}

/// The footer: tool, time, and the rule every tuanthu page repeats (unknown is never met).
pub(crate) fn footer(h: &mut Html, version: &str, generated_at: &str, l: Lang) {
    h.leaf(
        "footer",
        &[("class", &"doc")],
        &format!(
            "tuanthu {version} · {generated_at} · {}",
            tr(
                l,
                "A control with no evidence is reported as unknown, never as met.",
                "Biện pháp không có bằng chứng được báo cáo là chưa rõ, không bao giờ là đạt."
            )
        ),
    );
}

/// The status as a coloured badge that also says it in words.
pub fn badge(h: &mut Html, s: Status, l: Lang) {
    h.leaf("span", &[("class", &format!("badge st-{}", s.as_str()))], status_text(s, l));
}
