//! `tuanthu gate`: the CI verdict for one system before it is deployed.
//!
//! Exit 0 only when the system's evidence was usable and no required control fails the
//! `--fail-on` test; 1 when one does; 2 when there is nothing to judge (no evidence given, an
//! empty or unreadable evidence file, nothing measured about the system, an unknown system or an
//! unusable baseline): a gate never passes on nothing.

use super::check::{self, CheckArgs, FailOn, Format, Sources};
use super::collect::{Planned, ProbeArgs};
use super::error::{Error, warn};
use super::{Common, ExitCode};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use tuanthu::diag::{Problem, Problems};
use tuanthu::engine::Status;
use tuanthu::gate::{Baseline, Blocker};
use tuanthu::i18n::tr;

/// Which controls stop the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GateFailOn {
    /// A required control is `fail` or `unknown` (default without --baseline)
    Any,
    /// Only `fail`
    Fail,
    /// Only regressions against --baseline: controls that were pass, waived or not applicable
    /// there (or not required) and are now fail or unknown (default with --baseline)
    New,
    /// Never exit 1 (report only; missing evidence still exits 2)
    Never,
}

impl GateFailOn {
    /// The `check` test this mode applies to every required control; `None` for `new`, which
    /// compares with the baseline instead.
    fn outright(self) -> Option<FailOn> {
        match self {
            GateFailOn::Any => Some(FailOn::Any),
            GateFailOn::Fail => Some(FailOn::Fail),
            GateFailOn::Never => Some(FailOn::Never),
            GateFailOn::New => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// The system to judge: ID, or AGENCY/ID when several agencies use the id
    #[arg(long, required = true, value_name = "[AGENCY/]ID")]
    pub system: String,
    #[command(flatten)]
    pub sources: Sources,
    /// Probe the system's declared TLS endpoints, URLs, SSH and mail endpoints now (its own assets only)
    #[arg(long)]
    pub live: bool,
    /// An earlier report (tuanthu/report/v1 JSON) holding the system: only regressions against it
    /// fail the gate (unless --fail-on says otherwise)
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Which controls fail the gate (default: `new` with --baseline, else `any`)
    #[arg(long, value_enum)]
    pub fail_on: Option<GateFailOn>,
    /// Output format of the system's report (the verdict itself goes to standard error)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten, next_help_heading = "Live probes (--live)")]
    pub probe: ProbeArgs,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(a: GateArgs) -> Result<ExitCode, Error> {
    let fail_on = a.fail_on.unwrap_or(if a.baseline.is_some() { GateFailOn::New } else { GateFailOn::Any });
    if fail_on == GateFailOn::New && a.baseline.is_none() {
        return Err(Error::Usage(
            tr(
                a.common.lang,
                "--fail-on new compares against a baseline: add --baseline REPORT.json",
                "--fail-on new so sánh với một báo cáo gốc: thêm --baseline REPORT.json",
            )
            .into(),
        ));
    }
    if a.sources.nmap.is_empty() && a.sources.evidence.is_empty() && !a.live {
        return Err(Error::Usage(
            tr(
                a.common.lang,
                "a gate needs evidence: give --nmap, --evidence or --live (it never passes on nothing)",
                "cổng kiểm tra cần bằng chứng: dùng --nmap, --evidence hoặc --live (không bao giờ đạt khi không có gì)",
            )
            .into(),
        ));
    }
    let c = check_args(&a);
    let mut inputs = check::load_inputs(&c)?;
    let (agency, system) = match inputs.inventory.find_system(&a.system) {
        Ok((ag, s)) => (ag.id.clone(), s.id.clone()),
        Err(e) => return Err(Problems::one(Problem::file("--system", e)).into()),
    };
    inputs.inventory = inputs.inventory.only(&agency, &system);
    let baseline = a
        .baseline
        .as_deref()
        .map(|p| Baseline::load(p, &agency, &system))
        .transpose()
        .map_err(|e| Problems::one(Problem::file("--baseline", e)))?;
    let live = if a.live {
        let planned = Planned::new(&inputs.inventory, &a.probe, &[], a.common.quiet)?;
        match planned.run_to_input()? {
            // Nothing declared to probe is not an empty evidence file: say so, and let the other
            // evidence (or its absence) decide.
            l if l.records.is_empty() => {
                let none = tr(
                    a.common.lang,
                    "declares no TLS endpoint or URL to probe live",
                    "không khai báo điểm TLS hay URL nào để đo trực tiếp",
                );
                warn(format!("`{system}` {none}"), a.common.lang);
                Vec::new()
            }
            l => vec![l],
        }
    } else {
        Vec::new()
    };
    let (mut report, policy, code) = check::assess(&c, inputs, live);
    // Hosts of other systems would show as unregistered: the gate speaks of one system only.
    report.unregistered_assets.clear();
    check::emit(&c, &report, &policy, None, false)?;
    let Some((_, sys)) = report.systems().next() else {
        return Err(Error::run("internal error: the gated system is missing from its report"));
    };
    tuanthu::gate::usable_evidence(&report, sys)?;
    if let Some(b) = baseline.as_ref().filter(|b| fail_on == GateFailOn::New && tuanthu::gate::level_lowered(sys, b)) {
        eprintln!(
            "gate: FAIL: {agency}/{}: level lowered from {} (baseline) to {}: fewer controls required is not a pass",
            sys.id, b.level, sys.level
        );
        return Ok(code.max(ExitCode::No));
    }
    let required = tuanthu::gate::required(sys);
    let blockers = match (fail_on.outright(), &baseline) {
        (Some(test), _) => tuanthu::gate::blockers(required, |s| test.fails(s)),
        // `new` without a baseline was refused above.
        (None, Some(b)) => tuanthu::gate::regressions(required, b),
        (None, None) => Vec::new(),
    };
    if !a.common.quiet || !blockers.is_empty() {
        let g = tuanthu::report::Glossary::new(&policy, a.common.lang);
        eprint!("{}", summary(&agency, sys, &blockers, baseline.as_ref(), fail_on, &report.as_of, &g));
    }
    let verdict = if blockers.is_empty() { ExitCode::Ok } else { ExitCode::No };
    Ok(code.max(verdict))
}

/// The `check` options the gate's evaluation runs with (never signed; the gate decides exit 1).
fn check_args(a: &GateArgs) -> CheckArgs {
    CheckArgs {
        sources: a.sources.clone(),
        format: a.format,
        fail_on: FailOn::Never,
        sign: None,
        common: a.common.clone(),
    }
}

/// The verdict for people: one line, then the controls that stop the deployment.
fn summary(
    agency: &str,
    sys: &tuanthu::report::SystemReport,
    blockers: &[Blocker],
    baseline: Option<&Baseline>,
    fail_on: GateFailOn,
    as_of: &str,
    g: &tuanthu::report::Glossary,
) -> String {
    let lang = g.lang;
    let verdict = if blockers.is_empty() { tr(lang, "PASS", "ĐẠT") } else { tr(lang, "FAIL", "KHÔNG ĐẠT") };
    let what = match (fail_on, baseline) {
        (GateFailOn::New, Some(b)) => format!(
            "{} {} ({}, {})",
            blockers.len(),
            tr(lang, "regression(s) against", "yêu cầu xấu đi so với"),
            b.file,
            b.generated_at
        ),
        _ => format!("{} {}", blockers.len(), tr(lang, "required control(s) not met", "yêu cầu bắt buộc chưa đạt")),
    };
    let mut out = format!(
        "gate: {verdict}: {agency}/{} ({} {}, {}, {} {as_of}): {what}\n",
        sys.id,
        tr(lang, "level", "cấp độ"),
        sys.level,
        sys.catalogue,
        tr(lang, "as of", "tại ngày"),
    );
    if let Some(b) = baseline.filter(|b| b.level != sys.level || b.catalogue != sys.catalogue) {
        out.push_str(&format!(
            "  {}: {} {} {} → {} {}\n",
            tr(lang, "note", "lưu ý"),
            b.catalogue,
            tr(lang, "level", "cấp độ"),
            b.level,
            sys.catalogue,
            sys.level
        ));
    }
    for b in blockers {
        let before = b.before.map(|s| format!("{} → ", s.as_str())).unwrap_or_default();
        let status = tuanthu::report::kit::words::status_text(b.status, lang);
        let title = g.control(&sys.catalogue, &b.control, sys.level).map(|c| c.title).unwrap_or_default();
        out.push_str(&format!("  {:<10} {:<24} {title}\n", b.control, format!("{before}{status}")));
    }
    if blockers.iter().any(|b| b.status == Status::Unknown) {
        out.push_str(&format!(
            "  {}\n",
            tr(
                lang,
                "unknown: no fresh evidence shows the control; attest it or collect evidence (unknown is not pass)",
                "chưa rõ: chưa có bằng chứng còn hiệu lực; hãy khai báo hoặc thu thập bằng chứng",
            )
        ));
    }
    tuanthu::sanitize::clean(&out)
}
