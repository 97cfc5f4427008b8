//! The rendering kit: the pieces every renderer shares — workbook helpers ([`sheet`]), CSV cells
//! ([`csv`]), the HTML page shell and charts ([`html`]), words and figures ([`words`]) and
//! terminal tables ([`terminal`]). Renderers use the kit and never import each other: a piece two
//! renderers need moves here.

pub mod csv;
pub mod html;
pub mod sheet;
pub mod terminal;
pub mod words;
