//! `--dnssec-anchor FILE`: the trust anchors DNSSEC is validated from, replacing the root keys
//! built in (tests sign their own zones; an agency may validate an internal signed zone). The file
//! holds DNSKEY lines (`example.vn. 3600 IN DNSKEY 257 3 13 …`, the `.key` file of `ldns-keygen`)
//! and DS lines (`example.vn. 3600 IN DS 2581 13 2 9215…`, what `ldns-key2ds` writes and IANA's
//! root-anchors publish), one record per line; comments start with `;`.
//!
//! A DNSKEY line is a trusted key as it stands. A DS line only names a key by its digest, so it is
//! kept here and turned into keys at probe time ([`crate::collect::dns`] fetches the zone's DNSKEY
//! set through the resolver and keeps the keys the digest matches, once the set is signed by one).
//!
//! Each line is read on its own, so an error names its line and column and what was expected.

use crate::diag::Problem;
use crate::i18n::Text;
use crate::text;
use hickory_resolver::proto::dnssec::rdata::DS;
use hickory_resolver::proto::dnssec::{Algorithm, DigestType, TrustAnchors};
use hickory_resolver::proto::rr::Name;
use std::str::FromStr;

/// The anchors of one file: keys trusted as they stand, and DS records naming keys to fetch.
#[derive(Clone)]
pub struct Anchors {
    pub keys: TrustAnchors,
    pub ds: Vec<DsAnchor>,
}

impl Default for Anchors {
    /// The IANA root keys built into hickory, and no DS record.
    fn default() -> Anchors {
        Anchors { keys: TrustAnchors::default(), ds: Vec::new() }
    }
}

/// One DS line: the zone whose DNSKEY set it vouches for, the record, and its line (for reasons).
#[derive(Clone, Debug)]
pub struct DsAnchor {
    pub zone: Name,
    pub ds: DS,
    pub line: usize,
}

/// What a DNSKEY or DS line looks like, for the errors that expected one.
const FORMS: &str =
    "`<zone>. IN DNSKEY 257 3 <algorithm> <key>` or `<zone>. IN DS <key tag> <algorithm> <digest type> <digest>`";

/// Reads the anchors of `text` (from the file `name`).
pub fn parse(name: &str, text: &str) -> Result<Anchors, Problem> {
    let mut keys = Vec::new();
    let mut ds = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let body = line.split(';').next().unwrap_or_default();
        let tokens = tokens(body);
        let Some(&(first_col, _)) = tokens.first() else { continue };
        let at = |col: usize, message: Text| Problem::text(name, i as u64 + 1, col as u64, message);
        match tokens.iter().position(|(_, t)| t.eq_ignore_ascii_case("DS") || t.eq_ignore_ascii_case("DNSKEY")) {
            Some(p) if tokens[p].1.eq_ignore_ascii_case("DS") => {
                ds.push(ds_line(&tokens, p, i + 1).map_err(|(c, m)| at(c, m))?)
            }
            Some(_) => {
                TrustAnchors::from_str(body.trim()).map_err(|e| {
                    let e = crate::sanitize::one_line(&e.to_string());
                    at(
                        first_col,
                        text!("expected a DNSKEY record ({FORMS}): {e}", "cần một bản ghi DNSKEY ({FORMS}): {e}"),
                    )
                })?;
                keys.push(body.trim().to_string());
            }
            None => {
                return Err(at(
                    first_col,
                    text!("expected a DNSKEY or DS record ({FORMS})", "cần một bản ghi DNSKEY hoặc DS ({FORMS})"),
                ));
            }
        }
    }
    if keys.is_empty() && ds.is_empty() {
        return Err(Problem::file_text(
            name,
            Text::new(
                "no DNSKEY or DS line (the file would trust nothing)",
                "không có dòng DNSKEY hoặc DS nào (tệp sẽ không tin cậy khóa nào)",
            ),
        ));
    }
    let keys = if keys.is_empty() {
        TrustAnchors::empty()
    } else {
        TrustAnchors::from_str(&keys.join("\n")).map_err(|e| Problem::file(name, e))?
    };
    Ok(Anchors { keys, ds })
}

/// The whitespace-separated tokens of `body` with their 1-based columns (in characters).
fn tokens(body: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (col, (byte, c)) in body.char_indices().enumerate() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some((col + 1, byte)),
            (true, Some((scol, sbyte))) => {
                out.push((scol, &body[sbyte..byte]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((scol, sbyte)) = start {
        out.push((scol, &body[sbyte..]));
    }
    out
}

/// One DS line, `tokens[p]` being `DS`: `NAME [TTL] [IN] DS KEYTAG ALG DIGESTTYPE DIGEST…` (the
/// digest may be split by spaces, RFC 4034 §5.3). An error is its column and message.
fn ds_line(tokens: &[(usize, &str)], p: usize, line: usize) -> Result<DsAnchor, (usize, Text)> {
    let (name_col, owner) = tokens[0];
    if p == 0 || !owner.ends_with('.') {
        return Err((
            name_col,
            text!(
                "expected the zone's absolute name ending in `.` before DS (`example.vn.`, `.` for the root)",
                "cần tên đầy đủ của vùng, kết thúc bằng `.`, trước DS (`example.vn.`, `.` cho vùng gốc)"
            ),
        ));
    }
    for &(col, t) in &tokens[1..p] {
        if !(t.eq_ignore_ascii_case("IN") || t.parse::<u32>().is_ok()) {
            return Err((
                col,
                text!("expected a TTL or `IN` before DS, found `{t}`", "cần TTL hoặc `IN` trước DS, gặp `{t}`"),
            ));
        }
    }
    let zone = Name::from_ascii(owner).map_err(|e| {
        let e = crate::sanitize::one_line(&e.to_string());
        (name_col, text!("`{owner}` is not a domain name: {e}", "`{owner}` không phải là tên miền: {e}"))
    })?;
    let end = tokens.last().map_or(1, |(c, t)| c + t.chars().count());
    let field = |k: usize, en: &str, vi: &str| -> Result<(usize, &str), (usize, Text)> {
        tokens.get(p + k).copied().ok_or_else(|| {
            (
                end,
                text!(
                    "expected the {en} after DS (`DS <key tag> <algorithm> <digest type> <digest>`)",
                    "thiếu {vi} sau DS (`DS <key tag> <algorithm> <digest type> <digest>`)"
                ),
            )
        })
    };
    let (col, t) = field(1, "key tag", "key tag")?;
    let key_tag: u16 = t.parse().map_err(|_| {
        (
            col,
            text!(
                "expected a key tag (a number from 0 to 65535), found `{t}`",
                "cần key tag (số từ 0 đến 65535), gặp `{t}`"
            ),
        )
    })?;
    let (col, t) = field(2, "algorithm", "thuật toán")?;
    let algorithm = t.parse::<u8>().ok().map(Algorithm::from_u8).filter(Algorithm::is_supported).ok_or_else(|| {
        (
            col,
            text!(
                "expected a supported DNSSEC algorithm number (8 RSASHA256, 10 RSASHA512, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519), found `{t}`",
                "cần số hiệu thuật toán DNSSEC được hỗ trợ (8 RSASHA256, 10 RSASHA512, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519), gặp `{t}`"
            ),
        )
    })?;
    let (col, t) = field(3, "digest type", "loại digest")?;
    let (digest_type, hex_len) = match t {
        "1" => (DigestType::SHA1, 40),
        "2" => (DigestType::SHA256, 64),
        "4" => (DigestType::SHA384, 96),
        _ => {
            return Err((
                col,
                text!(
                    "expected digest type 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384), found `{t}`",
                    "cần loại digest 1 (SHA-1), 2 (SHA-256) hoặc 4 (SHA-384), gặp `{t}`"
                ),
            ));
        }
    };
    let (digest_col, _) = field(4, "digest", "digest")?;
    let mut hex = String::new();
    for &(col, t) in &tokens[p + 4..] {
        if let Some((off, c)) = t.chars().enumerate().find(|(_, c)| !c.is_ascii_hexdigit()) {
            let col = col + off;
            return Err((
                col,
                text!(
                    "expected hexadecimal digits in the digest, found `{c}`",
                    "digest phải gồm các chữ số thập lục phân, gặp `{c}`"
                ),
            ));
        }
        hex.push_str(t);
    }
    if hex.len() != hex_len {
        let found = hex.len();
        return Err((
            digest_col,
            text!(
                "expected a digest of {hex_len} hexadecimal digits for digest type {t}, found {found}",
                "digest của loại {t} cần {hex_len} chữ số thập lục phân, gặp {found}"
            ),
        ));
    }
    let digest = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        // invariant: every character was checked to be an ASCII hex digit and the length is even.
        .map_err(|_| {
            (digest_col, Text::new("the digest is not hexadecimal", "digest không phải dạng thập lục phân"))
        })?;
    Ok(DsAnchor { zone, ds: DS::new(key_tag, algorithm, digest_type, digest), line })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse("a.key", text).err().map(|p| p.render(crate::i18n::Lang::En)).unwrap_or_default()
    }

    #[test]
    fn dnskey_lines_are_checked_one_by_one() {
        assert_eq!(err("; nothing\n"), "a.key: no DNSKEY or DS line (the file would trust nothing)");
        assert_eq!(err("example.vn. IN A 192.0.2.1\n"), format!("a.key:1:1: expected a DNSKEY or DS record ({FORMS})"));
        let key = ". IN DNSKEY 257 3 13 IZe9XwJIzvs0o6m9Mxb5FKOPMTrE8F9zefS9lBTMhp9t3zC9yJTrtVmKYZkT4v5O1ScxfwtQFD+hnTXLFXX52A== ;{id = 47136 (ksk)}";
        let a = parse("a.key", key).ok();
        assert_eq!(a.as_ref().map(|a| (a.keys.len(), a.ds.len())), Some((1, 0)), "a root key is a root anchor");
    }

    #[test]
    fn ds_lines_are_read_with_or_without_ttl_and_class() {
        let text = ".\t3600\tIN\tDS\t2581 13 2 9215efb7bf54b5560788382edd816dd0b0ac7e32c963d37273b74bf75e745151\n\
                    ; IANA's form splits nothing, but RFC 4034 lets the digest be spaced\n\
                    example.vn. DS 2581 13 1 d95e91ba7039c63a9c3e 214f69499e9133df21f6\n";
        let Ok(a) = parse("a.ds", text) else { panic!("{}", err(text)) };
        assert_eq!(a.keys.len(), 0, "DS lines add no key by themselves");
        let got: Vec<(String, u16, DigestType, usize, usize)> =
            a.ds.iter()
                .map(|d| (d.zone.to_ascii(), d.ds.key_tag(), d.ds.digest_type(), d.ds.digest().len(), d.line))
                .collect();
        assert_eq!(
            got,
            [
                (".".to_string(), 2581, DigestType::SHA256, 32, 1),
                ("example.vn.".to_string(), 2581, DigestType::SHA1, 20, 3)
            ]
        );
    }

    #[test]
    fn malformed_ds_lines_name_line_column_and_what_was_expected() {
        let digest = "9215efb7bf54b5560788382edd816dd0b0ac7e32c963d37273b74bf75e745151";
        let cases = [
            (
                format!("example.vn IN DS 1 13 2 {digest}"),
                "1:1: expected the zone's absolute name ending in `.` before DS (`example.vn.`, `.` for the root)",
            ),
            (
                format!(". IN DS 70000 13 2 {digest}"),
                "1:9: expected a key tag (a number from 0 to 65535), found `70000`",
            ),
            (
                format!(". 3600 IN DS 2581 99 2 {digest}"),
                "1:19: expected a supported DNSSEC algorithm number (8 RSASHA256, 10 RSASHA512, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519), found `99`",
            ),
            (
                format!(". IN DS 2581 13 3 {digest}"),
                "1:17: expected digest type 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384), found `3`",
            ),
            (". IN DS 2581 13 2 9215efb7xz".to_string(), "1:27: expected hexadecimal digits in the digest, found `x`"),
            (
                ". IN DS 2581 13 2 9215ef".to_string(),
                "1:19: expected a digest of 64 hexadecimal digits for digest type 2, found 6",
            ),
            (
                ". IN DS 2581 13".to_string(),
                "1:16: expected the digest type after DS (`DS <key tag> <algorithm> <digest type> <digest>`)",
            ),
            (format!(". x IN DS 2581 13 2 {digest}"), "1:3: expected a TTL or `IN` before DS, found `x`"),
        ];
        for (line, want) in cases {
            assert_eq!(err(&format!("; anchors\n{line}\n")), format!("a.key:2:{}", &want[2..]), "{line}");
        }
        let vi = parse("a.key", ". IN DS 2581 13 3 00").err().map(|p| p.render(crate::i18n::Lang::Vi));
        assert_eq!(vi.as_deref(), Some("a.key:1:17: cần loại digest 1 (SHA-1), 2 (SHA-256) hoặc 4 (SHA-384), gặp `3`"));
    }
}
