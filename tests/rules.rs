//! The bundled rule pack's case files (`rules/<kind>/<rule-id>.cases.yaml`, run by the library's
//! runner exactly as `tuanthu rules test` runs them), and the runner itself: a case that does not
//! hold, a one-sided case file, a rule without cases, a finding naming a fact the record lacks and
//! a case file naming no rule are each reported, with their position.

mod common;

use tuanthu::policy::Policy;
use tuanthu::policy::cases;

#[test]
fn every_bundled_rule_behaves_as_its_cases_say() {
    let policy = Policy::bundled().unwrap();
    let files = cases::bundled().unwrap();
    for f in &files {
        assert!(f.origin.ends_with(&format!("/{}.cases.yaml", f.rule)), "{}: case file named after its rule", f.origin);
    }
    let out = cases::run(&policy, &files).unwrap();
    let failures: Vec<String> = out
        .failures
        .iter()
        .map(|f| format!("{}:{} {} / {}: {}", f.origin, f.line, f.rule, f.case, f.message.en))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!((out.files, out.rules), (policy.rules.rules.len(), policy.rules.rules.len()));
    assert_eq!(out.passed, out.cases);
    assert!(out.cases >= 2 * out.rules, "{} cases for {} rules", out.cases, out.rules);
}

/// The bundled rules stay well inside the resource model's limits (README, "Resource model"), so
/// that the limits refuse only what no real rule needs.
#[test]
fn bundled_rules_are_far_from_the_limits() {
    use tuanthu::policy::cost::{MAX_AST_DEPTH, MAX_COMPREHENSION_NESTING};
    let policy = Policy::bundled().unwrap();
    let mut deepest = (0, String::new());
    for r in &policy.rules.rules {
        for e in r.applies_when.iter().chain(r.fail_when.iter()).chain(r.select.iter()) {
            let a = e.analysis();
            assert!(a.nesting < MAX_COMPREHENSION_NESTING, "{}: {a:?}", r.id);
            if a.depth > deepest.0 {
                deepest = (a.depth, r.id.to_string());
            }
        }
    }
    assert!(deepest.0 <= MAX_AST_DEPTH / 2, "{deepest:?}");
    eprintln!("deepest bundled expression: {deepest:?}");
}
