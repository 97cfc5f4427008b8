//! Reports: the engine's [`Assessment`](crate::engine::Assessment) summarised per system and per
//! agency (approval, compliance and implementation rates, missing controls), and rendered.
//!
//! [`Report`] is the `tuanthu/report/v1` document of `shared/spec/cli-and-report.md`; its JSON
//! Schema ships as `reports/report-v1.schema.json`. Renderers ([`json`], [`table`], [`html`], [`csv`],
//! [`junit`], [`sarif`], [`xlsx`], [`mau08`]) only format it.

pub mod canonical;
pub mod csv;
mod error;
pub mod figures;
pub mod glossary;
pub mod html;
pub mod json;
pub mod junit;
pub mod kit;
pub mod mau08;
mod model;
pub mod rejection;
pub mod render;
pub mod sarif;
pub mod sign;
pub mod table;
pub mod verify;
pub mod xlsx;

pub use error::RenderError;
pub use figures::{CatalogueFigures, Deployment, MissingControl, Rate, StatusCounts, rate};
pub use glossary::Glossary;
pub use model::*;
pub use render::Render;
