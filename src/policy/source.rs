//! Where policy files come from: the bundled ones (compiled into the binary from `rules/` and
//! `profiles/`) or a directory given on the command line, each as a [`Source`] (origin and text)
//! that the catalogue, profile, rule, pack and case readers parse.

use crate::diag::{Collector, Problem};
use std::path::{Path, PathBuf};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// One policy file: where it came from and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub origin: String,
    pub text: String,
}

/// The bundled policy files under `prefix` (`rules/` or `profiles/`).
pub fn bundled_sources(prefix: &str) -> Vec<Source> {
    bundled::FILES
        .iter()
        .filter(|(path, _)| path.starts_with(prefix))
        .map(|(path, text)| Source { origin: format!("<bundled>/{path}"), text: (*text).to_string() })
        .collect()
}

/// Policy files from a directory (recursively, `*.yaml`), or the bundled ones under `prefix`.
pub fn sources(dir: Option<&Path>, prefix: &str, p: &mut Collector) -> Vec<Source> {
    match dir {
        None => bundled_sources(prefix),
        Some(d) => {
            let files = yaml_files(d).unwrap_or_else(|e| {
                p.push(Problem::file_text(d.display().to_string(), e.text()));
                Vec::new()
            });
            files
                .into_iter()
                .filter_map(|f| match crate::yaml::read_text(&f) {
                    Ok(text) => Some(Source { origin: f.display().to_string(), text }),
                    Err(e) => {
                        p.push(e);
                        None
                    }
                })
                .collect()
        }
    }
}

/// All `*.yaml`/`*.yml` files below `dir`, each once, in a stable order (see [`crate::files::walk`]).
pub fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, crate::files::WalkError> {
    crate::files::yaml_files(dir)
}
