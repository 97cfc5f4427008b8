//! Hand-made `tuanthu/report/v1` documents for aggregation tests: complete (every member the
//! schema requires), listing the level profile's controls, with figures derived by the library's
//! own figure code — the same a verifier re-derives — so a test can forge exactly one thing.
//!
//! Reports are made as `check` wrote them before control bases existed (no `basis`, no
//! `controls_measured` or `measured_share`) unless a test gives controls a basis ([`set_basis`]):
//! then [`refigure`] states the measured figures too, as `check` does now.

use serde_json::{Value, json};
use tuanthu::engine::{Basis, Status};
use tuanthu::inventory::ApprovalStatus;
use tuanthu::report::figures::{AgencyTally, SystemFigures};

/// The bundled policy, loaded once per test binary.
pub fn policy() -> &'static tuanthu::policy::Policy {
    static POLICY: std::sync::OnceLock<tuanthu::policy::Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| tuanthu::policy::Policy::bundled().expect("bundled policy"))
}

/// A system of catalogue tt12-2022 at `level` listing the level's required controls: those in
/// `missing` fail; the others pass, except for `deployment: none`, where they are unknown.
pub fn system(id: &str, level: u8, approval: &str, deployment: &str, missing: &[&str]) -> Value {
    let policy = policy();
    let profile = policy.profile("tt12-2022", level).expect("profile");
    let mut controls: Vec<Value> = profile
        .controls
        .iter()
        .map(|c| {
            let status = if missing.contains(&c.as_str()) {
                "fail"
            } else if deployment == "none" {
                "unknown"
            } else {
                "pass"
            };
            json!({"id": c, "status": status, "findings": []})
        })
        .collect();
    if deployment == "partial" && missing.is_empty() {
        controls[0]["status"] = json!("fail");
    }
    let listed = |ids: &[String]| -> Vec<Value> {
        ids.iter().map(|c| json!({"id": c, "status": "pass", "findings": []})).collect()
    };
    json!({"id": id, "name": id, "level": level, "catalogue": "tt12-2022", "catalogue_rule": "declared",
           "catalogue_reason": "", "approval": approval, "compliant": false, "fully_implemented": false,
           "deployment": "none", "controls": controls, "obligations": listed(&profile.obligations),
           "optional_controls": listed(&profile.optional),
           "tailoring": [], "registration": {}, "evidence_judged": 0})
}

/// A one-agency report of period 2026 (as of 2026-11-25), figures filled in.
pub fn report(agency: &str, generated_at: &str, systems: Vec<Value>) -> Value {
    let catalogues: serde_json::Map<String, Value> =
        policy().catalogues.iter().map(|c| (c.id.clone(), json!(c.version))).collect();
    let mut r = json!({"schema": "tuanthu/report/v1", "generated_at": generated_at, "as_of": "2026-11-25",
           "period": "2026", "lang": "en", "tool": {"name": "tuanthu", "version": "0.1.0"},
           "policy": {"rules_digest": "test", "catalogues": catalogues},
           "agencies": [{"id": agency, "name": format!("Agency {agency}"), "systems": systems}],
           "unregistered_assets": [], "inputs": []});
    refigure(&mut r);
    r
}

/// Recomputes every figure of `r` from its control statuses and approvals.
pub fn refigure(r: &mut Value) {
    let with_bases = has_bases(r);
    for agency in r["agencies"].as_array_mut().expect("agencies") {
        let systems = agency["systems"].as_array_mut().expect("systems");
        let mut figures = Vec::new();
        for s in systems.iter_mut() {
            let statuses: Vec<Status> = s["controls"]
                .as_array()
                .expect("controls")
                .iter()
                .map(|c| serde_json::from_value(c["status"].clone()).expect("status"))
                .collect();
            let approval: ApprovalStatus = serde_json::from_value(s["approval"].clone()).expect("approval");
            let bases: Vec<Option<Basis>> = s["controls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.get("basis").map(|b| serde_json::from_value(b.clone()).expect("basis")))
                .collect();
            let f = SystemFigures::of(statuses.iter().copied(), approval).with_bases(bases.into_iter());
            if with_bases {
                s["controls_measured"] = json!(f.controls_measured);
                s["measured_share"] = json!(f.measured_share());
            }
            s["compliant"] = json!(f.compliant);
            s["fully_implemented"] = json!(f.fully_implemented);
            s["deployment"] = serde_json::to_value(f.deployment).unwrap();
            s["counts"] = serde_json::to_value(&f.counts).unwrap();
            let missing: Vec<String> = s["controls"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["status"] == "fail" || c["status"] == "unknown")
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect();
            figures.push((s["catalogue"].as_str().unwrap().to_string(), approval, f, missing));
        }
        let mut tally = AgencyTally::default();
        for (catalogue, approval, f, missing) in &figures {
            tally.add(catalogue, *approval, f, missing.iter().map(String::as_str));
        }
        let a = tally.finish();
        let set = |agency: &mut Value, k: &str, v: Value| agency[k] = v;
        set(agency, "systems_total", json!(a.systems_total));
        set(agency, "systems_approved", json!(a.systems_approved));
        set(agency, "approval_rate", json!(a.approval_rate));
        set(agency, "systems_compliant", json!(a.systems_compliant));
        set(agency, "compliance_rate", json!(a.compliance_rate));
        set(agency, "systems_fully_implemented", json!(a.systems_fully_implemented));
        set(agency, "fully_implemented_rate", json!(a.fully_implemented_rate));
        set(agency, "approved_compliance_rate", json!(a.approved_compliance_rate));
        set(agency, "systems_partly_implemented", json!(a.systems_partly_implemented));
        set(agency, "systems_not_implemented", json!(a.systems_not_implemented));
        set(agency, "missing_controls", serde_json::to_value(&a.missing_controls).unwrap());
        set(agency, "by_catalogue", serde_json::to_value(&a.by_catalogue).unwrap());
        if with_bases {
            set(agency, "controls_measured", json!(a.controls_measured));
            set(agency, "measured_share", json!(a.measured_share));
        }
    }
}

/// Whether any control of `r` states a basis (a report written since bases exist).
fn has_bases(r: &Value) -> bool {
    let controls = |s: &Value| s["controls"].as_array().into_iter().flatten().any(|c| c.get("basis").is_some());
    r["agencies"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|a| a["systems"].as_array().into_iter().flatten())
        .any(controls)
}

/// Gives every control of every system a basis that fits its status, as `check` would with
/// attestations only (`attested`, `none` when unknown), then `measured` to the failing controls
/// named in `measured` (a rule over measured evidence failed them), and refigures.
pub fn set_bases(r: &mut Value, measured: &[&str]) {
    for agency in r["agencies"].as_array_mut().expect("agencies") {
        for s in agency["systems"].as_array_mut().expect("systems") {
            for list in ["controls", "obligations", "optional_controls"] {
                for c in s[list].as_array_mut().expect("control list") {
                    let basis = match c["status"].as_str() {
                        Some("unknown") => "none",
                        Some("fail") if measured.contains(&c["id"].as_str().unwrap_or_default()) => "measured",
                        _ => "attested",
                    };
                    c["basis"] = json!(basis);
                }
            }
        }
    }
    refigure(r);
}

/// Sets one control's basis (system `system`, control `control` among the required controls).
pub fn set_basis(r: &mut Value, system: &str, control: &str, basis: &str) {
    for agency in r["agencies"].as_array_mut().expect("agencies") {
        for s in agency["systems"].as_array_mut().expect("systems").iter_mut().filter(|s| s["id"] == system) {
            for c in s["controls"].as_array_mut().expect("controls").iter_mut().filter(|c| c["id"] == control) {
                c["basis"] = json!(basis);
            }
        }
    }
}
