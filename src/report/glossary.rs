//! Titles, clause references and remediation for what a report names only by id.
//!
//! The JSON report carries control and rule ids, not their texts: the texts live once in the
//! catalogue and rule files, and a national aggregate of thousands of reports should not carry
//! them thousands of times. Renderers meant for people (HTML, SARIF, spreadsheets) look them up
//! here, in the report's language.

use crate::i18n::Lang;
use crate::policy::Policy;

/// Read-only view of the policy that renderers query by id. Unknown ids yield `None`, so a
/// renderer shows the bare id rather than failing on a report made with other rules.
#[derive(Clone, Copy)]
pub struct Glossary<'p> {
    policy: Option<&'p Policy>,
    pub lang: Lang,
}

/// What a renderer shows about one control.
#[derive(Debug, Clone, Copy)]
pub struct ControlInfo<'p> {
    pub title: &'p str,
    /// The section/group the control belongs to (e.g. `technical`, `network`).
    pub group: &'p str,
    /// The regulation's clause for the system's level (e.g. "PL-III §II.2 1.1.6").
    pub clause: Option<&'p str>,
    /// The TCVN clause the annex cites at that level.
    pub tcvn: Option<&'p str>,
    /// Whether a pass needs a fresh attestation (scans can only fail the control).
    pub needs_attestation: bool,
    /// What evidence an attestation should point to, when the catalogue says.
    pub evidence_hint: Option<&'p str>,
}

/// What a renderer shows about one rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo<'p> {
    pub id: &'p str,
    pub title: &'p str,
    pub remediation: &'p str,
    pub severity: crate::policy::rules::Severity,
    pub cwe: Option<&'p str>,
}

impl<'p> Glossary<'p> {
    pub fn new(policy: &'p Policy, lang: Lang) -> Self {
        Glossary { policy: Some(policy), lang }
    }

    /// A glossary that knows nothing: renderers fall back to ids.
    pub fn empty(lang: Lang) -> Self {
        Glossary { policy: None, lang }
    }

    /// The control `id` of `catalogue`, with its clause at `level`.
    pub fn control(&self, catalogue: &str, id: &str, level: u8) -> Option<ControlInfo<'p>> {
        let c = self.policy?.catalogue(catalogue)?.controls.iter().find(|c| *c.id == *id)?;
        Some(ControlInfo {
            title: c.title.get(self.lang),
            group: &c.group,
            clause: c.clause(level),
            tcvn: c.tcvn_clause(level),
            needs_attestation: c.evidence.attestation == crate::policy::catalogue::AttestationNeed::Required,
            evidence_hint: c.evidence_hint.as_deref(),
        })
    }

    /// The title of control `id` in whichever catalogue defines it (the national view names
    /// controls without their catalogue; the first catalogue that has the id wins).
    pub fn any_control_title(&self, id: &str) -> Option<&'p str> {
        let policy = self.policy?;
        policy
            .catalogues
            .iter()
            .find_map(|cat| cat.controls.iter().find(|c| *c.id == *id))
            .map(|c| c.title.get(self.lang))
    }

    /// How many months evidence of control `id` stays valid for a system of `level` under
    /// `catalogue`, read as the engine reads it (the catalogue's validity, through the level
    /// profile's parameters). `None` when the glossary does not know the control or the control
    /// is not renewed by age (untimed, or due on a yearly date).
    pub fn validity_months(&self, catalogue: &str, id: &str, level: u8) -> Option<u32> {
        let policy = self.policy?;
        let cat = policy.catalogue(catalogue)?;
        let control = cat.controls.iter().find(|c| *c.id == *id)?;
        let params = policy.profile(catalogue, level).map(|p| &p.params)?;
        match control.renewal(level, params, cat.defaults.validity_months) {
            crate::policy::catalogue::Renewal::Months(m) => Some(m),
            _ => None,
        }
    }

    pub fn rule(&self, id: &str) -> Option<RuleInfo<'p>> {
        self.policy?.rules.get(id).map(|r| self.rule_info(r))
    }

    /// The rules that can show control `id`, in rule-id order.
    pub fn rules_for_control(&self, id: &str) -> Vec<RuleInfo<'p>> {
        let Some(policy) = self.policy else { return Vec::new() };
        let mut rules: Vec<&'p crate::policy::Rule> = policy.rules.for_control(id).collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        rules.into_iter().map(|r| self.rule_info(r)).collect()
    }

    fn rule_info(&self, r: &'p crate::policy::Rule) -> RuleInfo<'p> {
        RuleInfo {
            id: &r.id,
            title: r.info.title.get(self.lang),
            remediation: r.info.remediation.get(self.lang),
            severity: r.severity,
            cwe: r.info.cwe.as_deref(),
        }
    }
}
