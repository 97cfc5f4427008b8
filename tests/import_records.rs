//! Every file of the host-and-vulnerability corpus (`../shared/corpora/host-and-vuln/`), detected
//! from its content and converted into evidence records, with exact counts: records per host,
//! results per status, findings per severity, the host named and the tool's own time kept.
//! Skipped (and said so) without the corpus, except under CI=true.

mod common;

use tuanthu::evidence::{Facts, Record};
use tuanthu::import::Limits;
use tuanthu::import::format::{Format, detect_file};
use tuanthu::import::records::{Hints, read};

/// One line per record: kind, host, time, and its counts.
fn summary(r: &Record) -> String {
    let at = r.observed_at.as_deref().unwrap_or("-");
    let what = match r.facts() {
        Some(Facts::HostAudit(f)) => {
            let c = f.counts;
            format!(
                "{} checks: pass {} fail {} notapplicable {} notchecked {} error {} unknown {} informational {}",
                f.results.len(),
                c.pass,
                c.fail,
                c.notapplicable,
                c.notchecked,
                c.error,
                c.unknown,
                c.informational
            )
        }
        Some(Facts::Vulnerabilities(f)) => {
            let c = f.counts;
            format!(
                "{} findings: critical {} high {} medium {} low {} unknown {}",
                f.findings.len(),
                c.critical,
                c.high,
                c.medium,
                c.low,
                c.unknown
            )
        }
        Some(Facts::Agent(f)) => format!("agent {} {}", f.agent_id, f.status),
        other => format!("{other:?}"),
    };
    format!("{} {} {at} {what}", r.kind(), r.target)
}

fn import(path: &std::path::Path, hints: &Hints) -> (Format, Vec<String>, Vec<String>, Option<String>) {
    let format = detect_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let input = read(path, format, hints, &Limits::default());
    let problems = input.problems.into_iter().map(|p| p.en).collect();
    (format, input.records.iter().map(summary).collect(), problems, input.fatal.map(|f| f.en))
}

#[test]
fn every_corpus_file_becomes_the_records_it_describes() {
    let Some(shared) = common::shared() else { return };
    let dir = shared.join("corpora/host-and-vuln");
    let none = Hints::default();
    let cases: Vec<(&str, Format, Vec<&str>)> = vec![
        (
            "openscap/ios-sample-v1.1.3.xccdf.xml",
            Format::Xccdf,
            vec![
                "host-audit lower.test.net 2004-09-25T17:45:02Z 2 checks: pass 1 fail 1 notapplicable 0 notchecked 0 error 0 unknown 0 informational 0",
            ],
        ),
        (
            "openscap/no_vuln_rhsa.xml",
            Format::Xccdf,
            vec![
                "host-audit sample.system 2019-03-04T07:43:39Z 8 checks: pass 8 fail 0 notapplicable 0 notchecked 0 error 0 unknown 0 informational 0",
            ],
        ),
        (
            "openscap/one_vuln_rhsa.xml",
            Format::Xccdf,
            vec![
                "host-audit sample.system 2019-03-04T07:43:39Z 8 checks: pass 7 fail 1 notapplicable 0 notchecked 0 error 0 unknown 0 informational 0",
                "vulnerabilities sample.system 2019-03-04T07:43:39Z 1 findings: critical 0 high 0 medium 0 low 1 unknown 0",
            ],
        ),
        (
            "lynis/lynis_no_vuln.dat",
            Format::Lynis,
            vec![
                "host-audit 82103dde74c7 2026-07-31T00:00:30Z 466 checks: pass 1 fail 0 notapplicable 0 notchecked 465 error 0 unknown 0 informational 0",
            ],
        ),
        (
            "lynis/lynis_one_vuln.dat",
            Format::Lynis,
            vec![
                "host-audit 82103dde74c7 2026-07-31T00:00:30Z 467 checks: pass 1 fail 0 notapplicable 0 notchecked 465 error 0 unknown 0 informational 1",
            ],
        ),
        ("openvas/no_vuln.xml", Format::Openvas, vec![]),
        (
            "openvas/one_vuln.xml",
            Format::Openvas,
            vec![
                "vulnerabilities 10.0.101.2 2023-09-28T16:12:15Z 1 findings: critical 1 high 0 medium 0 low 0 unknown 0",
            ],
        ),
        (
            "openvas/report_detail_v2.xml",
            Format::Openvas,
            vec![
                "vulnerabilities server99 2025-08-22T15:09:57Z 1 findings: critical 1 high 0 medium 0 low 0 unknown 0",
            ],
        ),
        (
            "nessus/nessus_many_vuln.nessus",
            Format::Nessus,
            // Seven items, all of severity 0 (information): a clean host, still a record.
            vec![
                "vulnerabilities preprod.boardvantage.net 2013-06-25T10:39:42Z 0 findings: critical 0 high 0 medium 0 low 0 unknown 0",
            ],
        ),
        (
            "nessus/nessus_v_unknown.nessus",
            Format::Nessus,
            vec![
                "vulnerabilities qa3app09 2013-07-01T11:40:48Z 5 findings: critical 0 high 0 medium 4 low 1 unknown 0",
                "vulnerabilities qa3app06 2013-07-01T11:47:23Z 4 findings: critical 0 high 0 medium 3 low 1 unknown 0",
                "vulnerabilities qa3app05 2013-07-01T11:44:55Z 4 findings: critical 0 high 0 medium 3 low 1 unknown 0",
                "vulnerabilities qa3app04 2013-07-01T11:46:01Z 4 findings: critical 0 high 0 medium 3 low 1 unknown 0",
                "vulnerabilities qa3app03 2013-07-01T11:45:06Z 4 findings: critical 0 high 0 medium 3 low 1 unknown 0",
                "vulnerabilities qa3app02 2013-07-01T11:54:48Z 4 findings: critical 0 high 0 medium 3 low 1 unknown 0",
                "vulnerabilities qa3app01 2013-07-01T11:41:29Z 5 findings: critical 0 high 0 medium 4 low 1 unknown 0",
            ],
        ),
        (
            "wazuh/v4-7_one_finding_with_endpoint.json",
            Format::WazuhVulns,
            vec!["vulnerabilities agent-1 2023-12-13T22:11:57Z 1 findings: critical 0 high 0 medium 1 low 0 unknown 0"],
        ),
        (
            "wazuh/wazuh_abnormal_severity.json",
            Format::WazuhVulns,
            vec!["vulnerabilities myhost0 2025-05-25T17:07:15Z 1 findings: critical 1 high 0 medium 0 low 0 unknown 0"],
        ),
    ];
    for (file, format, want) in cases {
        let (got_format, got, problems, fatal) = import(&dir.join(file), &none);
        assert_eq!(got_format, format, "{file}");
        assert_eq!((got, problems, fatal), (want.iter().map(|s| s.to_string()).collect(), vec![], None), "{file}");
    }
}

#[test]
fn a_wazuh_response_that_names_no_agent_is_kept_only_with_its_target() {
    let Some(shared) = common::shared() else { return };
    let file = shared.join("corpora/host-and-vuln/wazuh/v4-7_many_findings.json");
    let (_, got, problems, _) = import(&file, &Hints::default());
    assert!(got.is_empty());
    assert_eq!(
        problems,
        [
            "the vulnerabilities results name no host, so they were not kept: convert the file with `tuanthu import FILE --target HOST -o evidence.jsonl`"
        ]
    );
    let hints = Hints { target: Some("agent-007".into()), observed_at: None };
    let (_, got, problems, _) = import(&file, &hints);
    assert_eq!(
        got,
        ["vulnerabilities agent-007 2023-02-08T16:34:40Z 13 findings: critical 2 high 3 medium 5 low 2 unknown 1"]
    );
    assert!(problems.is_empty());
}

#[test]
fn the_tools_own_time_is_kept_and_observed_at_replaces_it() {
    let Some(shared) = common::shared() else { return };
    let file = shared.join("corpora/host-and-vuln/openvas/one_vuln.xml");
    let at =
        time::OffsetDateTime::parse("2026-11-20T09:00:00+07:00", &time::format_description::well_known::Rfc3339).ok();
    let (_, got, _, _) = import(&file, &Hints { target: None, observed_at: at });
    assert_eq!(
        got,
        ["vulnerabilities 10.0.101.2 2026-11-20T02:00:00Z 1 findings: critical 1 high 0 medium 0 low 0 unknown 0"]
    );
}
