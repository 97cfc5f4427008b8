//! `tuanthu scan`: live probes of the declared assets, then `check` over their evidence (plus any
//! nmap results and evidence files given) in one go.

use super::check::{CheckArgs, evaluate, load_inputs};
use super::collect::{Planned, ProbeArgs, SystemFilter};
use super::{Error, ExitCode};
use clap::Args;
use std::path::PathBuf;
use tuanthu::evidence::writer::EvidenceWriter;

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

pub fn run(a: ScanArgs) -> Result<ExitCode, Error> {
    let inputs = load_inputs(&a.check)?;
    let planned = Planned::new(&inputs.inventory, &a.probe, &a.filter.systems, a.check.common.quiet)?;
    let live = planned.run_to_input()?;
    if let Some(path) = &a.save_evidence {
        save(path, &live)?;
    }
    evaluate(&a.check, inputs, vec![live])
}

fn save(path: &std::path::Path, live: &tuanthu::evidence::file::EvidenceInput) -> Result<(), Error> {
    let mut w = EvidenceWriter::create(path, live.started_at.as_deref().unwrap_or_default()).map_err(Error::run)?;
    for r in &live.records {
        w.push(r.clone()).map_err(Error::run)?;
    }
    w.finish(live.finished_at.as_deref().unwrap_or_default()).map_err(Error::run)?;
    Ok(())
}
