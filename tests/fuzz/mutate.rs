//! Mutation of seed inputs: byte flips, truncation, deletion, splicing two seeds, and insertion
//! of tokens that have broken parsers before (deep nesting, entities, DOCTYPEs, huge numbers,
//! NUL, ESC, invalid UTF-8, YAML anchors, aliases and tags, long strings).
//!
//! A generated case records the seed it started from and each step, with its byte offset, so a
//! failure printed by proptest (shrunk to the fewest steps) can be rebuilt by hand.

use proptest::prelude::*;
use proptest::sample::Index;

/// Named seed inputs of one format.
pub struct Seeds {
    pub items: Vec<(String, Vec<u8>)>,
}

impl Seeds {
    pub fn new(items: Vec<(String, Vec<u8>)>) -> Seeds {
        assert!(!items.is_empty(), "a format needs at least one seed");
        Seeds { items }
    }
}

/// One mutation step; offsets are fractions of the current length (proptest `Index`).
#[derive(Debug, Clone)]
pub enum Step {
    /// XOR one byte with a non-zero mask.
    Flip(Index, u8),
    /// Cut the input at a point.
    Truncate(Index),
    /// Remove up to `n` bytes.
    Delete(Index, u16),
    /// Insert one token.
    Insert(Index, Index),
    /// Insert one token repeated (deep nesting, long runs).
    Repeat(Index, Index, u16),
    /// Keep the head of this input and append the tail of another seed.
    Splice(Index, Index, Index),
    /// Copy a slice of the input to another place (duplicated keys, hosts, records).
    Duplicate(Index, Index, u16),
    /// Add an edge token (line ends, blanks, a BOM, NUL) at the very end or the very start:
    /// offsets rarely land there by chance, and readers often treat the edges apart.
    Append(Index),
    Prepend(Index),
}

/// A mutated input and how it was made.
#[derive(Clone)]
pub struct Case {
    pub seed: String,
    pub steps: Vec<String>,
    pub bytes: Vec<u8>,
}

impl Case {
    /// The input as text (lossy); parsers that take `&str` get this.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "seed {} then {} step(s), {} bytes:", self.seed, self.steps.len(), self.bytes.len())?;
        for s in &self.steps {
            writeln!(f, "  {s}")?;
        }
        if self.bytes.len() <= 600 {
            write!(f, "  input: {:?}", String::from_utf8_lossy(&self.bytes))?;
        }
        Ok(())
    }
}

/// Tokens worth inserting into any text format.
pub const COMMON: &[&[u8]] = &[
    b"\0",
    b"\x1b[2J\x1b]0;pwned\x07",
    b"\xc2\x9b31m",
    b"\xe2\x80\xae",
    b"\xff\xfe",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\r\n",
    b"\n",
    b"\t",
    b" ",
    b"\"",
    b"'",
    b"\\",
    b"99999999999999999999999999999",
    b"-9223372036854775809",
    b"18446744073709551616",
    b"1e999",
    b"-0",
    b"NaN",
    b"0x3",
    b"+3",
    b"null",
    b"true",
    b"[[[[[[[[[[[[[[[[",
    b"{{{{{{{{{{{{{{{{",
    b"]]]]",
    b"}}}}",
    b"&entity;",
    b"<!DOCTYPE x [<!ENTITY a \"&b;&b;\">]>",
    b"\xef\xbb\xbf",
];

/// Tokens for the edges of an input.
pub const EDGES: &[&[u8]] = &[b"\n", b"\n\n", b"\r\n", b" ", b"\t", b"\xef\xbb\xbf", b"\0", b"\x1a"];

/// Tokens for YAML inputs.
pub const YAML: &[&[u8]] = &[
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"!!binary ",
    b"!!python/object:os.system ",
    b"!local ",
    b"%YAML 1.1\n---\n",
    b"---\n",
    b"\n...\n",
    b": ",
    b"- ",
    b"? ",
    b"|\n  ",
    b">-\n  ",
    b"# comment\n",
    b"\n  x: 1\n",
    b"{a: [b, {c: d}]}",
    b"level: \"3\"",
    b"0o3",
    b".inf",
    b"2026-02-30",
    b"9999-12-31",
    b"\"\\e\\x1b\\u202e\\0\"",
    b"../../etc/passwd",
    b"/dev/zero",
];

/// Tokens for XML inputs.
pub const XML: &[&[u8]] = &[
    b"<host>",
    b"</host>",
    b"<host><status state=\"up\"/><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/><ports>",
    b"<port protocol=\"tcp\" portid=\"23\"><state state=\"open\"/><service name=\"telnet\"/></port>",
    b"<port protocol=\"tcp\" portid=\"99999\">",
    b"</ports></host>",
    b"<script id=\"x\" output=\"&#x1b;[31m\">",
    b"<table><table><table><table><table><table><table><table>",
    b"<elem key=\"k\">\x1b</elem>",
    b"&#0;",
    b"&#x1b;",
    b"&#1114112;",
    b"&#xD800;",
    b"&lt;&gt;&amp;&quot;&apos;",
    b"<![CDATA[\x1b]]>",
    b"<!-- -->",
    b"<?xml version=\"1.0\"?>",
    b"<?pi x?>",
    b"<!DOCTYPE nmaprun SYSTEM \"file:///etc/passwd\">",
    b" a=\"1\" a=\"2\"",
    b"start=\"99999999999999\"",
    b"</nmaprun>",
    b"<runstats><finished time=\"1\" exit=\"success\"/></runstats>",
];

/// Tokens for JSON inputs.
pub const JSON: &[&[u8]] = &[
    b"\\u0000",
    b"\\u001b[31m",
    b"\\ud800",
    b"\\u202e",
    b"{\"kind\": \"tls\", \"target\": \"x:443\", \"facts\": {}}\n",
    b"{\"kind\": \"smtp\", \"target\": \"x:25\", \"facts\": {}}\n",
    b"{\"finished_at\": \"zzzz\", \"records\": 999, \"errors\": -5}\n",
    b"\"signature\": {\"alg\": \"ed25519\", \"key_id\": \"x\", \"value\": \"AAAA\"},",
    b"\"level\": 9,",
    b"\"period\": \"9999\",",
    b"\"generated_at\": \"zzzz\",",
    b"\"fully_implemented\": true,",
    b",",
    b":",
    b"1.7976931348623157e309",
];

pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Step::Flip(i, m)),
        1 => any::<Index>().prop_map(Step::Truncate),
        2 => (any::<Index>(), 1u16..64).prop_map(|(i, n)| Step::Delete(i, n)),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Step::Insert(i, t)),
        1 => (any::<Index>(), any::<Index>(), 2u16..600).prop_map(|(i, t, n)| Step::Repeat(i, t, n)),
        1 => (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(i, s, j)| Step::Splice(i, s, j)),
        1 => (any::<Index>(), any::<Index>(), 1u16..512).prop_map(|(i, j, n)| Step::Duplicate(i, j, n)),
        1 => any::<Index>().prop_map(Step::Append),
        1 => any::<Index>().prop_map(Step::Prepend),
    ]
}

/// Seeds of `seeds`, mutated by 0 to 5 steps with tokens from `COMMON` and `extra` (a long
/// string, 64 KiB, is one of the tokens). A single step is favoured: most steps break a format
/// outright, and one precise step is what reaches the checks past the parser.
pub fn cases(seeds: &'static Seeds, extra: &'static [&'static [u8]]) -> impl Strategy<Value = Case> {
    let steps = prop_oneof![
        2 => proptest::collection::vec(step(), 1..2),
        3 => proptest::collection::vec(step(), 0..6),
    ];
    (any::<Index>(), steps).prop_map(move |(seed, steps)| apply(seeds, extra, seed.index(seeds.items.len()), &steps))
}

fn token(extra: &[&'static [u8]], t: &Index) -> Vec<u8> {
    let n = COMMON.len() + extra.len() + 1;
    match t.index(n) {
        i if i < COMMON.len() => COMMON[i].to_vec(),
        i if i < n - 1 => extra[i - COMMON.len()].to_vec(),
        _ => vec![b'A'; 64 << 10],
    }
}

/// An offset in `0..=len`.
fn at(i: &Index, len: usize) -> usize {
    i.index(len + 1)
}

pub fn apply(seeds: &Seeds, extra: &[&'static [u8]], seed: usize, steps: &[Step]) -> Case {
    let (name, bytes) = &seeds.items[seed];
    let mut b = bytes.clone();
    let mut log = Vec::new();
    for s in steps {
        match s {
            Step::Flip(i, m) if !b.is_empty() => {
                let p = i.index(b.len());
                b[p] ^= m;
                log.push(format!("flip byte {p} with {m:#04x}"));
            }
            Step::Flip(..) => {}
            Step::Truncate(i) => {
                let p = at(i, b.len());
                b.truncate(p);
                log.push(format!("truncate at {p}"));
            }
            Step::Delete(i, n) => {
                let p = at(i, b.len());
                let end = (p + usize::from(*n)).min(b.len());
                b.drain(p..end);
                log.push(format!("delete {p}..{end}"));
            }
            Step::Insert(i, t) | Step::Repeat(i, t, _) => {
                let times = if let Step::Repeat(_, _, n) = s { usize::from(*n) } else { 1 };
                let p = at(i, b.len());
                let tok = token(extra, t);
                let shown = String::from_utf8_lossy(&tok[..tok.len().min(40)]).into_owned();
                b.splice(p..p, tok.repeat(times));
                log.push(format!("insert {shown:?} ({} bytes) x{times} at {p}", tok.len()));
            }
            Step::Splice(i, other, j) => {
                let p = at(i, b.len());
                let (oname, o) = &seeds.items[other.index(seeds.items.len())];
                let q = at(j, o.len());
                b.truncate(p);
                b.extend_from_slice(&o[q..]);
                log.push(format!("keep ..{p} then {oname} from {q}"));
            }
            Step::Append(t) | Step::Prepend(t) => {
                let tok = EDGES[t.index(EDGES.len())];
                let shown = String::from_utf8_lossy(&tok[..tok.len().min(40)]).into_owned();
                if matches!(s, Step::Append(_)) {
                    b.extend_from_slice(tok);
                    log.push(format!("append {shown:?} ({} bytes)", tok.len()));
                } else {
                    b.splice(0..0, tok.iter().copied());
                    log.push(format!("prepend {shown:?} ({} bytes)", tok.len()));
                }
            }
            Step::Duplicate(i, j, n) => {
                let from = at(i, b.len());
                let end = (from + usize::from(*n)).min(b.len());
                let piece = b[from..end].to_vec();
                let to = at(j, b.len());
                b.splice(to..to, piece);
                log.push(format!("copy {from}..{end} to {to}"));
            }
        }
    }
    Case { seed: name.clone(), steps: log, bytes: b }
}
