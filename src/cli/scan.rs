//! `tuanthu scan`: live probes of the declared assets, then `check` over their evidence (plus any
//! nmap results and evidence files given) in one go.

use super::check::{CheckArgs, evaluate, load_inputs};
use super::collect::{Planned, ProbeArgs, SystemFilter};
use super::{ExitCode, fail, invalid};
use crate::evidence::writer::EvidenceWriter;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub filter: SystemFilter,
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Also keep the probes' evidence in this file, to re-evaluate later without probing again
    /// (`tuanthu check --evidence FILE`)
    #[arg(long, value_name = "FILE")]
    pub save_evidence: Option<PathBuf>,
}

pub fn run(a: ScanArgs) -> ExitCode {
    let inputs = match load_inputs(&a.check) {
        Ok(i) => i,
        Err(p) => return invalid(&p),
    };
    let planned = match Planned::new(&inputs.inventory, &a.probe, &a.filter.systems, a.check.common.quiet) {
        Ok(p) => p,
        Err(p) => return invalid(&p),
    };
    let live = match planned.run_to_input() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    if let Some(path) = &a.save_evidence
        && let Err(e) = save(path, &live)
    {
        return fail(e);
    }
    evaluate(&a.check, inputs, vec![live])
}

fn save(path: &std::path::Path, live: &crate::evidence::file::EvidenceInput) -> Result<(), String> {
    let mut w =
        EvidenceWriter::create(path, live.started_at.as_deref().unwrap_or_default()).map_err(|e| e.to_string())?;
    for r in &live.records {
        w.push(r.clone()).map_err(|e| e.to_string())?;
    }
    w.finish(live.finished_at.as_deref().unwrap_or_default()).map(|_| ()).map_err(|e| e.to_string())
}
