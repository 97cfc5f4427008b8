//! `dns` records: what the DNS says about one declared domain (`domains:`) — its SPF, DMARC,
//! MTA-STS, CAA and MX records and whether its answers are DNSSEC-secure (names per the evidence
//! contract, `docs/dns.md`). Every fact is always written: an absent record is an empty `record`
//! (never a missing name), so a rule reads `dns.dmarc.record == ""` rather than a name that might
//! not be there. Core names are required when a record is read.

use crate::i18n::Text;
use serde::{Deserialize, Serialize};

/// The facts of one domain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DnsFacts {
    pub spf: Spf,
    pub dmarc: Dmarc,
    pub mta_sts: MtaSts,
    pub caa: Caa,
    /// `secure`, `insecure` or `bogus` as tuanthu's own validation found the domain's SOA answer
    /// (`indeterminate` when no proof either way could be built).
    pub dnssec: String,
    /// Why `dnssec` is `bogus` or `indeterminate`, when tuanthu knows (a DS anchor no key
    /// matches, a signature that does not verify); empty otherwise.
    #[serde(default)]
    pub dnssec_reason: String,
    /// The mail exchangers, by preference then name.
    pub mx: Vec<Mx>,
    /// The trust anchor the DNSSEC verdict was reached from (`root` = the built-in root keys, or
    /// the `--dnssec-anchor` file's name).
    #[serde(default)]
    pub dnssec_anchor: String,
    /// The resolver asked (`address:port`, or `system`).
    #[serde(default)]
    pub resolver: String,
    /// DNS queries sent (SPF includes counted), HTTPS fetches apart.
    #[serde(default)]
    pub queries: usize,
    /// Facts a newer collector keeps that this version has no name for.
    #[serde(default, skip_serializing_if = "super::Extra::is_empty")]
    pub extra: super::Extra,
}

/// The domain's SPF policy (RFC 7208): its TXT record starting `v=spf1`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spf {
    /// The record, control characters removed; empty when there is none.
    pub record: String,
    /// How many `v=spf1` records the domain has (more than one is a permerror).
    pub records: usize,
    /// The qualifier of the final `all` (`-`, `~`, `?`, `+`), or empty when the record has none.
    pub all: String,
    /// Terms that cost a DNS lookup (include, a, mx, ptr, exists, redirect), the included
    /// records' counted too; counting stops once it passes the limit of 10.
    pub lookups: usize,
    /// `none` (no record), `pass` (the record evaluates without a permanent error) or
    /// `permerror` (several records, more than 10 lookups, a term that does not parse).
    pub result: String,
    /// Why the result is `permerror`.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// The domain's DMARC policy (RFC 7489): the TXT record at `_dmarc.<domain>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dmarc {
    /// The record; empty when there is none.
    pub record: String,
    /// How many `v=DMARC1` records there are (more than one: no policy applies).
    pub records: usize,
    /// One record, starting `v=DMARC1`, with a known `p`.
    pub valid: bool,
    /// The policy: `none`, `quarantine`, `reject`; empty when absent or invalid.
    pub p: String,
    /// The subdomain policy (`p` when the record has no `sp`).
    pub sp: String,
    /// Aggregate reports are requested (`rua` present).
    pub rua: bool,
    /// The share of mail the policy applies to (100 when absent).
    pub pct: u32,
}

/// The domain's MTA-STS (RFC 8461): the `_mta-sts.` TXT record and the policy it announces.
/// `missing` is derived from the other facts whenever a record is built or read, so a finding
/// says what is missing even for evidence written before the fact existed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "MtaStsFacts")]
pub struct MtaSts {
    /// The `_mta-sts.` record; empty when there is none.
    pub record: String,
    /// Its `id`.
    pub id: String,
    /// The policy's mode (`enforce`, `testing`, `none`); empty when no policy was read.
    pub mode: String,
    /// The policy's `mx` patterns.
    #[serde(default)]
    pub mx: Vec<String>,
    /// The policy's `max_age` in seconds (0 when unread).
    #[serde(default)]
    pub max_age: u64,
    /// Why the policy could not be read, when the record exists and it could not.
    #[serde(default)]
    pub error: String,
    /// What kind of failure `error` is: `address` (the policy host has no address), `connect`,
    /// `certificate` (the policy host's certificate is not valid for its name or does not chain
    /// to a trusted root: RFC 8461 §3.3, such a policy is no policy), `http` (not a 200 answer),
    /// `content` (not an STSv1 policy, or larger than 64 KiB); empty when a policy was read or
    /// there is no record.
    #[serde(default)]
    pub policy_error: String,
    /// What the domain lacks for an enforced policy, in both languages, for findings; empty when
    /// the policy is enforced.
    #[serde(default)]
    pub missing: Text,
}

/// [`MtaSts`] as written, before `missing` is derived.
#[derive(Deserialize)]
struct MtaStsFacts {
    record: String,
    id: String,
    mode: String,
    #[serde(default)]
    mx: Vec<String>,
    #[serde(default)]
    max_age: u64,
    #[serde(default)]
    error: String,
    #[serde(default)]
    policy_error: String,
}

impl From<MtaStsFacts> for MtaSts {
    fn from(f: MtaStsFacts) -> MtaSts {
        let mut m = MtaSts {
            record: f.record,
            id: f.id,
            mode: f.mode,
            mx: f.mx,
            max_age: f.max_age,
            error: f.error,
            policy_error: f.policy_error,
            missing: Text::default(),
        };
        m.missing = m.what_is_missing();
        m
    }
}

impl MtaSts {
    /// What stands between these facts and an enforced policy: no record, no policy read (the
    /// certificate named apart: RFC 8461 makes it the policy's authentication), or the mode.
    pub fn what_is_missing(&self) -> Text {
        let mode = self.mode.as_str();
        if self.record.is_empty() {
            Text::new("no `_mta-sts` TXT record", "không có bản ghi TXT `_mta-sts`")
        } else if self.policy_error == "certificate" {
            Text::new(
                "no policy: the policy host's certificate is not valid (RFC 8461 §3.3)",
                "không có chính sách: chứng thư của máy chủ chính sách không hợp lệ (RFC 8461 §3.3)",
            )
        } else if mode.is_empty() {
            Text::new(
                "the `_mta-sts` record exists but no policy was fetched",
                "có bản ghi `_mta-sts` nhưng không lấy được chính sách",
            )
        } else if mode == "enforce" {
            Text::default()
        } else {
            crate::text!(
                "the policy's mode is `{mode}`, not `enforce`",
                "chính sách ở chế độ `{mode}`, chưa phải `enforce`"
            )
        }
    }
}

/// The domain's CAA records (RFC 8659).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Caa {
    /// CAA records at the domain itself.
    pub records: usize,
    /// The CAs allowed to issue (`issue` values; `;` alone, "no CA", is written as an empty name).
    pub issuers: Vec<String>,
    /// The CAs allowed to issue wildcard certificates.
    #[serde(default)]
    pub issuewild: Vec<String>,
    /// Where CAs report refused requests.
    #[serde(default)]
    pub iodef: Vec<String>,
}

/// One mail exchanger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mx {
    pub host: String,
    pub preference: u16,
    /// The host is declared as a `mail:` endpoint of some system (and so probed as one).
    #[serde(default)]
    pub declared: bool,
}

#[cfg(test)]
mod tests {
    use crate::evidence::{Facts, Record, RecordKind};
    use serde_json::json;

    fn facts() -> serde_json::Value {
        json!({"spf": {"record": "v=spf1 -all", "records": 1, "all": "-", "lookups": 0, "result": "pass"},
               "dmarc": {"record": "v=DMARC1; p=reject", "records": 1, "valid": true, "p": "reject", "sp": "reject",
                         "rua": false, "pct": 100},
               "mta_sts": {"record": "", "id": "", "mode": ""},
               "caa": {"records": 0, "issuers": []}, "dnssec": "insecure",
               "mx": [{"host": "mx.example.vn", "preference": 10}], "newer_fact": 1})
    }

    #[test]
    fn records_round_trip_and_core_names_are_required() {
        let rec = Record::from_value(json!({"kind": "dns", "target": "example.vn", "facts": facts()})).unwrap();
        assert_eq!(rec.kind(), &RecordKind::Dns);
        let Some(Facts::Dns(f)) = rec.facts() else { panic!("{rec:?}") };
        assert_eq!((f.spf.all.as_str(), f.mx[0].preference, f.mx[0].declared), ("-", 10, false));
        assert_eq!(f.extra["newer_fact"], 1, "unknown facts are kept under extra");
        // Evidence written before `missing` existed still says what is missing: it is derived on reading.
        assert_eq!(
            f.mta_sts.missing,
            crate::i18n::Text::new("no `_mta-sts` TXT record", "không có bản ghi TXT `_mta-sts`")
        );
        assert_eq!(f.dnssec_reason, "");
        let mut missing = facts();
        missing.as_object_mut().unwrap().remove("dnssec");
        let err = Record::from_value(json!({"kind": "dns", "target": "example.vn", "facts": missing})).unwrap_err();
        assert_eq!(
            err,
            crate::i18n::Text::new(
                "dns facts of example.vn: missing field `dnssec`",
                "dữ kiện dns của example.vn: thiếu trường `dnssec`"
            )
        );
    }
}
