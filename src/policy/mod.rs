//! Policy: what is required and how it is checked — the control catalogues, the level profiles and
//! the declarative rules. All of it is data (YAML under `profiles/` and `rules/`), loaded and
//! checked here before any evaluation starts, so every error in it shows up first.

pub mod bundle;
pub mod cases;
pub mod catalogue;
pub mod cost;
pub mod diff;
pub mod pack;
pub mod profile;
pub mod rules;
pub mod source;

pub use bundle::Policy;
pub use catalogue::{Catalogue, Control, Section};
pub use profile::Profile;
pub use rules::{Rule, RuleSet};
