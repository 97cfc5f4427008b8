//! The bundled catalogue and level profiles against the circular's annexes.

use std::collections::BTreeSet;
use tuanthu::policy::catalogue::Renewal;
use tuanthu::policy::{Policy, Section};

fn policy() -> Policy {
    Policy::bundled().expect("the bundled policy loads without problems")
}

/// Row counts printed in Circular 12/2022, Phụ lục I–V (levels 1–5).
const MANAGEMENT: [usize; 5] = [15, 18, 22, 22, 22];
const ZONES: [usize; 5] = [3, 5, 7, 8, 8];
const DESIGN_MEASURES: [usize; 5] = [3, 6, 16, 17, 19];
const CONFIGURATION: [usize; 5] = [13, 17, 21, 21, 21];

#[test]
fn per_level_counts_match_the_annexes() {
    let p = policy();
    let cat = p.catalogue("tt12-2022").expect("tt12-2022 is bundled");
    for level in 1..=5u8 {
        let i = (level - 1) as usize;
        let prof = p.profile("tt12-2022", level).expect("profile");
        let count = |s: Section| prof.controls.iter().filter(|id| cat.get(id).is_some_and(|c| c.section == s)).count();
        assert_eq!(count(Section::Management), MANAGEMENT[i], "management rows at level {level}");
        assert_eq!(count(Section::Configuration), CONFIGURATION[i], "configuration rows at level {level}");
        let measures = prof.controls.iter().filter(|id| id.starts_with("DES.") && id.as_str() != "DES.01").count();
        assert_eq!(measures, DESIGN_MEASURES[i], "design measures at level {level}");
        assert!(prof.controls.iter().any(|c| c == "DES.01"), "zoning at level {level}");
        let counts = prof.annex_counts.as_ref().expect("annex_counts");
        assert_eq!(counts.zones, ZONES[i], "zones at level {level}");
        assert_eq!(counts.management, MANAGEMENT[i]);
        assert_eq!(counts.design_measures, DESIGN_MEASURES[i]);
        assert_eq!(counts.configuration, CONFIGURATION[i]);
        // General requirements of Art. 9 apply at every level (CLD.01 from level 3).
        let general = count(Section::General);
        assert_eq!(general, if level >= 3 { 5 } else { 4 }, "general requirements at level {level}");
        assert_eq!(prof.obligations.len(), 8, "decree obligations at level {level}");
    }
}

#[test]
fn each_level_includes_the_level_below() {
    let p = policy();
    for level in 2..=5u8 {
        let below: BTreeSet<_> = p.profile("tt12-2022", level - 1).unwrap().controls.iter().cloned().collect();
        let this: BTreeSet<_> = p.profile("tt12-2022", level).unwrap().controls.iter().cloned().collect();
        let missing: Vec<_> = below.difference(&this).collect();
        assert!(missing.is_empty(), "level {level} lacks {missing:?} of level {}", level - 1);
    }
}

#[test]
fn catalogue_has_every_control_of_the_draft_with_its_ids() {
    let p = policy();
    let cat = p.catalogue("tt12-2022").unwrap();
    let controls = cat.controls.iter().filter(|c| !c.is_obligation()).count();
    let obligations = cat.controls.iter().filter(|c| c.is_obligation()).count();
    assert_eq!((controls, obligations), (68, 8));
    for c in &cat.controls {
        assert!(c.title.is_complete(), "{} needs both titles", c.id);
        for l in &c.levels {
            assert!(c.clause(*l).is_some(), "{} has no clause at level {l}", c.id);
        }
    }
}

#[test]
fn validity_periods_follow_decree_85() {
    let p = policy();
    let cat = p.catalogue("tt12-2022").unwrap();
    let default = cat.defaults.validity_months;
    assert_eq!(default, 12);
    let months = |id: &str, l: u8| cat.get(id).unwrap().renewal(l, &p.profile("tt12-2022", l).unwrap().params, default);
    let got: Vec<Renewal> = (1..=5).map(|l| months("OBL.03", l)).collect();
    let want = [24, 24, 12, 12, 6].map(Renewal::Months);
    assert_eq!(got, want, "periodic inspection: 2 years, yearly at L3-4, 6 months at L5");
    assert_eq!(months("POL.01", 3), Renewal::Months(12));
    assert_eq!(months("OBL.07", 3), Renewal::DueYearly(time::Month::December, 24), "report before 25 December");
}

#[test]
fn rules_name_known_controls_and_speak_both_languages() {
    let p = policy();
    assert!(p.rules.rules.len() >= 9);
    for r in &p.rules.rules {
        assert!(!r.controls.is_empty(), "{}", r.id);
        for c in &r.controls {
            assert!(p.catalogues.iter().any(|cat| cat.get(c).is_some()), "{} names unknown {c}", r.id);
        }
        for t in [&r.info.title, &r.info.description, &r.info.rationale, &r.info.remediation, &r.message] {
            assert!(t.is_complete(), "{} lacks en or vi text", r.id);
        }
    }
}

#[test]
fn scan_visible_controls_are_fed_by_rules() {
    // The controls the catalogue marks `partial` (a scan can show their failure) must each have
    // at least one rule; otherwise the automation claim is false.
    let p = policy();
    let cat = p.catalogue("tt12-2022").unwrap();
    for c in cat.controls.iter().filter(|c| c.automation == tuanthu::policy::catalogue::Automation::Partial) {
        let nmap_visible = c.observable_notes.is_some()
            && ["DES.02", "DES.03", "DES.08", "NET.01", "NET.06", "SRV.04"].contains(&c.id.as_str());
        if nmap_visible {
            assert!(p.rules.for_control(&c.id).next().is_some(), "{} has no rule", c.id);
        }
    }
}

#[test]
fn a_profile_missing_a_control_is_rejected() {
    let p = policy();
    let text = tuanthu::policy::bundle::bundled_sources("profiles/")
        .into_iter()
        .find(|s| s.origin.ends_with("tt12-2022/level-2.yaml"))
        .unwrap()
        .text
        .replace("DEV.02, ", "");
    let e = tuanthu::policy::Profile::build("level-2.yaml", &text, &p.catalogues).unwrap_err().to_string();
    assert!(e.contains("DEV.02 is listed at level 2 in catalogue tt12-2022 but missing from this profile"), "{e}");
    assert!(e.contains("annex_counts.management is 18 but the profile lists 17"), "{e}");
}

#[test]
fn a_profile_with_a_control_of_another_level_is_rejected() {
    let p = policy();
    let text = tuanthu::policy::bundle::bundled_sources("profiles/")
        .into_iter()
        .find(|s| s.origin.ends_with("tt12-2022/level-1.yaml"))
        .unwrap()
        .text
        .replace("design: [DES.01,", "design: [DES.18, DES.01,");
    let e = tuanthu::policy::Profile::build("level-1.yaml", &text, &p.catalogues).unwrap_err().to_string();
    assert!(e.contains("DES.18 is not listed at level 1 in the catalogue"), "{e}");
}
