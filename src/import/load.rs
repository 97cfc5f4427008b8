//! `--evidence FILE` of `check`, `scan` and `gate`: any file `tuanthu import` reads, its format
//! detected from its content. nmap XML becomes nmap evidence (matched to the declared scope as
//! `--nmap` does); everything else becomes evidence records.

use super::Limits;
use super::format::{self, Format};
use super::records::{self, Hints};
use crate::evidence::file::EvidenceInput;
use crate::evidence::nmap::NmapInput;
use crate::inventory::Scope;
use std::path::Path;

/// One evidence file as read.
#[derive(Debug)]
pub enum Loaded {
    Nmap(NmapInput),
    Records(EvidenceInput),
}

/// Reads `path` in the format its content shows. Never fails: a file that cannot be recognised
/// or read is an input whose `fatal` says why (and which formats are known).
pub fn load(path: &Path, scope: &Scope) -> Loaded {
    match format::detect_file(path) {
        Ok(Format::Nmap) => Loaded::Nmap(super::nmap::read_scoped(path, scope)),
        Ok(f) => Loaded::Records(records::read(path, f, &Hints::default(), &Limits::default())),
        Err(e) => Loaded::Records(EvidenceInput {
            file: path.display().to_string(),
            fatal: Some(e.text()),
            ..Default::default()
        }),
    }
}

/// Reads every `--evidence` file: the nmap ones and the record ones, each in command-line order.
pub fn load_all(paths: &[impl AsRef<Path>], scope: &Scope) -> (Vec<NmapInput>, Vec<EvidenceInput>) {
    let (mut nmap, mut records) = (Vec::new(), Vec::new());
    for p in paths {
        match load(p.as_ref(), scope) {
            Loaded::Nmap(n) => nmap.push(n),
            Loaded::Records(r) => records.push(r),
        }
    }
    (nmap, records)
}
