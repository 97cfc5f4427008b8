//! The bundled catalogues and level profiles against the texts: Circular 12's annexes, and the
//! researched Decree 331 draft (`../shared/regulation/nd331-2026-controls.yaml`).

mod common;

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
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
    for cat in ["tt12-2022", "nd331-2026"] {
        for level in 2..=5u8 {
            let below: BTreeSet<_> = p.profile(cat, level - 1).unwrap().controls.iter().cloned().collect();
            let this: BTreeSet<_> = p.profile(cat, level).unwrap().controls.iter().cloned().collect();
            let missing: Vec<_> = below.difference(&this).collect();
            assert!(missing.is_empty(), "{cat} level {level} lacks {missing:?} of level {}", level - 1);
        }
    }
}

/// Per-level sizes of the nd331-2026 profiles (levels 1-5), as the catalogue's data gives them:
/// required controls, optional ones (Law 116 Art. 10) and decree duties.
const ND331_REQUIRED: [usize; 5] = [38, 40, 58, 61, 64];
const ND331_OPTIONAL: [usize; 5] = [4, 4, 1, 1, 0];
const ND331_OBLIGATIONS: [usize; 5] = [12, 12, 16, 17, 18];

#[test]
fn nd331_per_level_counts_match_the_data() {
    let p = policy();
    let cat = p.catalogue("nd331-2026").expect("nd331-2026 is bundled");
    for level in 1..=5u8 {
        let i = (level - 1) as usize;
        let prof = p.profile("nd331-2026", level).unwrap();
        let got = (prof.controls.len(), prof.optional.len(), prof.obligations.len());
        assert_eq!(got, (ND331_REQUIRED[i], ND331_OPTIONAL[i], ND331_OBLIGATIONS[i]), "level {level}");
        let c = prof.counts.as_ref().expect("counts");
        assert_eq!((c.required, c.optional, c.obligations), got, "counts: of level {level}");
        // The same numbers straight from the catalogue's levels and optional levels.
        let listed: Vec<_> = cat.listed_at(level).filter(|c| !c.is_criterion()).collect();
        let optional = listed.iter().filter(|c| c.optional_at(level)).count();
        let duties = listed.iter().filter(|c| c.is_obligation() && !c.optional_at(level)).count();
        assert_eq!((listed.len() - optional - duties, optional, duties), got, "catalogue at level {level}");
    }
}

#[test]
fn nd331_law_art10_choices_are_data() {
    let p = policy();
    let cat = p.catalogue("nd331-2026").unwrap();
    let optional: BTreeMap<&str, &[u8]> = cat
        .controls
        .iter()
        .filter(|c| !c.optional_levels.is_empty())
        .map(|c| (&*c.id, c.optional_levels.as_slice()))
        .collect();
    let want: BTreeMap<&str, &[u8]> =
        [("ASM.02", &[1, 2, 3, 4][..]), ("BAK.01", &[1, 2][..]), ("IRP.01", &[1, 2][..]), ("OBL.03", &[1, 2][..])]
            .into();
    assert_eq!(optional, want);
    // Where the decree is stricter than Law 116 Art. 10 (Art. 30.2, 30.7, 28.3), its minimum wins,
    // and the row says so.
    for id in ["MGT.01", "GEN.02", "ASM.01", "STD.01"] {
        let c = cat.get(id).unwrap();
        assert!(c.optional_levels.is_empty() && c.levels == [1, 2, 3, 4, 5], "{id} required everywhere");
        assert!(c.notes.as_deref().is_some_and(|n| n.contains("CHOICE:")), "{id} states the choice");
    }
}

#[test]
fn nd331_rows_say_how_sure_they_are() {
    let p = policy();
    let cat = p.catalogue("nd331-2026").unwrap();
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cat.controls {
        *by.entry(&*c.verification).or_default() += 1;
        let caveat = cat.caveat(c);
        assert_eq!(caveat.is_some(), &*c.verification != "primary", "{}: caveat for {}", c.id, c.verification);
    }
    assert_eq!(by, [("inferred", 1), ("primary", 45), ("secondary", 44)].into());
    let controls = cat.controls.iter().filter(|c| !c.is_obligation() && !c.is_criterion()).count();
    assert_eq!((controls, cat.controls.len() - controls), (64, 26));
}

#[test]
fn cross_catalogue_ids_are_known() {
    // The loader refuses unknown `maps_to` and routing ids; this holds the bundled data to it and
    // shows that it does (a catalogue naming a Circular 12 id that does not exist is refused).
    let p = policy();
    let tt12 = p.catalogue("tt12-2022").unwrap();
    let nd331 = p.catalogue("nd331-2026").unwrap();
    for c in &nd331.controls {
        for id in c.maps_to.get("tt12-2022").into_iter().flatten() {
            assert!(tt12.get(id).is_some(), "{} maps to unknown tt12-2022 id {id}", c.id);
        }
    }
    let mut files = tuanthu::policy::source::bundled_sources("profiles/");
    let nd = files.iter_mut().find(|s| s.origin.ends_with("nd331-2026/catalogue.yaml")).unwrap();
    nd.text = nd.text.replacen("maps_to: {tt12-2022: [POL.01,", "maps_to: {tt12-2022: [POL.09,", 1);
    let e = Policy::from_sources(&files, &tuanthu::policy::source::bundled_sources("rules/")).unwrap_err();
    assert!(e.to_string().contains("MGT.01: maps_to tt12-2022 names unknown id(s) POL.09"), "{e}");
}

#[test]
fn an_nd331_profile_must_list_optional_controls_as_optional() {
    let p = policy();
    let text = tuanthu::policy::source::bundled_sources("profiles/")
        .into_iter()
        .find(|s| s.origin.ends_with("nd331-2026/level-1.yaml"))
        .unwrap()
        .text
        .replace("optional: [BAK.01, ", "optional: [")
        .replace("technical: [TEC.01,", "technical: [BAK.01, TEC.01,");
    let e = tuanthu::policy::Profile::build("level-1.yaml", &text, &p.catalogues).unwrap_err().to_string();
    assert!(e.contains("BAK.01 is optional at level 1 in the catalogue: list it under `optional:`"), "{e}");
    assert!(e.contains("counts.required is 38 but the profile lists 39"), "{e}");
    let unknown = text.replace("technical: [BAK.01, TEC.01,", "technical: [XYZ.99, TEC.01,");
    let e = tuanthu::policy::Profile::build("level-1.yaml", &unknown, &p.catalogues).unwrap_err().to_string();
    assert!(e.contains("unknown control `XYZ.99` in catalogue nd331-2026"), "{e}");
}

#[derive(Deserialize)]
struct Draft {
    controls: Vec<DraftRow>,
    obligations: Vec<DraftRow>,
}

#[derive(Deserialize)]
struct DraftRow {
    id: String,
    levels: Vec<u8>,
    verification: String,
    #[serde(default)]
    maps_to_tt12: Vec<String>,
}

#[test]
fn nd331_follows_the_researched_draft() {
    let Some(shared) = common::shared() else { return };
    let text = std::fs::read_to_string(shared.join("regulation/nd331-2026-controls.yaml")).unwrap();
    let draft: Draft = serde_saphyr::from_str(&text).unwrap();
    let p = policy();
    let cat = p.catalogue("nd331-2026").unwrap();
    let rows: Vec<&DraftRow> = draft.controls.iter().chain(&draft.obligations).collect();
    assert_eq!(rows.len(), cat.controls.len(), "same number of rows as the draft");
    for d in rows {
        let c = cat.get(&d.id).unwrap_or_else(|| panic!("{} of the draft is missing", d.id));
        assert_eq!(c.levels, d.levels, "{} levels", d.id);
        assert_eq!(*c.verification, *d.verification, "{} verification", d.id);
        let ours = c.maps_to.get("tt12-2022").cloned().unwrap_or_default();
        assert_eq!(ours, d.maps_to_tt12, "{} maps_to", d.id);
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
            && ["DES.02", "DES.03", "DES.08", "NET.01", "NET.06", "SRV.04"].contains(&&*c.id);
        if nmap_visible {
            assert!(p.rules.for_control(&c.id).next().is_some(), "{} has no rule", c.id);
        }
    }
}

#[test]
fn a_profile_missing_a_control_is_rejected() {
    let p = policy();
    let text = tuanthu::policy::source::bundled_sources("profiles/")
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
    let text = tuanthu::policy::source::bundled_sources("profiles/")
        .into_iter()
        .find(|s| s.origin.ends_with("tt12-2022/level-1.yaml"))
        .unwrap()
        .text
        .replace("design: [DES.01,", "design: [DES.18, DES.01,");
    let e = tuanthu::policy::Profile::build("level-1.yaml", &text, &p.catalogues).unwrap_err().to_string();
    assert!(e.contains("DES.18 is not listed at level 1 in the catalogue"), "{e}");
}

#[test]
fn nd331_scan_visible_controls_are_fed_by_rules() {
    // The Decree 331 rows marked `partial` or `automated` are exactly those the bundled rules speak for, so
    // evidence (a scan, a probe, a recorded incident) can fail them; the others rest on
    // attestations alone.
    let p = policy();
    let cat = p.catalogue("nd331-2026").unwrap();
    for c in cat.controls.iter().filter(|c| !c.is_criterion()) {
        let fed = p.rules.for_control(&c.id).next().is_some();
        // `automated`: measurement alone may pass it (its `measured:` says how); `partial`: it can
        // only fail it.
        use tuanthu::policy::catalogue::Automation;
        let partial = matches!(c.automation, Automation::Partial | Automation::Automated);
        assert_eq!(partial, fed, "{}: automation partial or automated = {partial}, rules = {fed}", c.id);
        assert_eq!(
            c.automation == Automation::Automated,
            c.evidence.measured.is_some(),
            "{}: automated exactly when measurement may pass it",
            c.id
        );
    }
}

/// Level parameters are declared with their types in the catalogue: a profile that misspells,
/// mistypes or omits one, and a rule that reads one no catalogue declares, are each refused at
/// load with the file and the nearest declared name.
#[test]
fn level_parameters_are_typed_by_the_catalogue() {
    let edit = |suffix: &str, from: &str, to: &str| {
        let mut files = tuanthu::policy::source::bundled_sources("profiles/");
        let f = files.iter_mut().find(|s| s.origin.ends_with(suffix)).unwrap();
        assert!(f.text.contains(from), "{suffix}: {from}");
        f.text = f.text.replacen(from, to, 1);
        files
    };
    let rules = tuanthu::policy::source::bundled_sources("rules/");
    let cases = [
        (
            edit("tt12-2022/level-3.yaml", "  cert_min_days_left: 30", "  cert_min_day_left: 30"),
            vec![
                "<bundled>/profiles/tt12-2022/level-3.yaml: parameter `cert_min_day_left` is not declared by catalogue \
                 tt12-2022 (did you mean `cert_min_days_left`?) (declare it under `params:` with its type)",
                "<bundled>/profiles/tt12-2022/level-3.yaml: level 3 sets no `cert_min_days_left`, which catalogue \
                 tt12-2022 declares (give a value, or null where it is nullable)",
            ],
        ),
        (
            edit("tt12-2022/level-3.yaml", "  hsts_required: true", "  hsts_required: \"yes\""),
            vec![
                "<bundled>/profiles/tt12-2022/level-3.yaml: parameter `hsts_required` is \"yes\", but catalogue \
                 tt12-2022 declares it boolean",
            ],
        ),
        (
            edit("nd331-2026/level-4.yaml", "  log_retention_months: 6", "  log_retention_months: \"6 months\""),
            vec![
                "<bundled>/profiles/nd331-2026/level-4.yaml: parameter `log_retention_months` is \"6 months\", but \
                 catalogue nd331-2026 declares it integer or null",
            ],
        ),
    ];
    for (files, expected) in cases {
        let e = Policy::from_sources(&files, &rules).unwrap_err();
        let got: Vec<String> = e.iter().map(|p| p.to_string()).collect();
        assert_eq!(got, expected);
    }
    let mut rules = tuanthu::policy::source::bundled_sources("rules/");
    let r = rules.iter_mut().find(|s| s.origin.ends_with("/tls-certificate-expiry.yaml")).unwrap();
    r.text = r.text.replace("params.cert_min_days_left", "params.cert_min_day_left");
    let e = Policy::from_sources(&tuanthu::policy::source::bundled_sources("profiles/"), &rules).unwrap_err();
    let got: Vec<String> = e.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        got,
        [
            "<bundled>/rules/tls/tls-certificate-expiry.yaml: the rule reads `params.cert_min_day_left`, which no catalogue \
          declares (did you mean `cert_min_days_left`?)"
        ]
    );
}
