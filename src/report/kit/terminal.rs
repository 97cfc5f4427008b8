//! Terminal tables in tuanthu's style (the report's table, the national table, `controls`).

use comfy_table::{ContentArrangement, Table, presets};

/// A table in tuanthu's style, wrapped to `width` (or the terminal, or 120 columns in a pipe).
pub fn new_table(width: Option<u16>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    // On a terminal comfy-table wraps to its width; in a pipe or file, wrap at 120 columns.
    match width {
        Some(w) => {
            t.set_width(w);
        }
        None if !t.is_tty() => {
            t.set_width(120);
        }
        None => {}
    }
    t
}
