//! The layering ARCHITECTURE.md describes, held by a test: no import cycle between the source
//! files of the library, and no stage importing a later one (`inventory` → `evidence` → `engine` →
//! `report` → `aggregate` → `serve`).
//!
//! The graph is read from the sources: a file depends on another when it names it through
//! `crate::…` or `super::…` outside comments and outside its `#[cfg(test)] mod tests`. A module
//! declared in a file (`mod x;`) is not a dependency of that file: children may use their parent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`report::kit::sheet`; the crate root is "") → its source text, comments and
/// unit tests removed.
fn modules() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                // The binary's own modules (the CLI) are not the library's layering.
                if path != root.join("cli") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).expect("under src").with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            out.insert(parts.join("::"), strip(&text));
        }
    }
    out
}

/// The text without `//` comments and without the unit-test module.
fn strip(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines().map(|l| l.find("//").map_or(l, |i| &l[..i])).collect::<Vec<_>>().join("\n")
}

/// The longest module of `mods` that `path` names (`report::kit::words::pct` → `report::kit::words`).
fn resolve<'m>(mods: &'m BTreeMap<String, String>, path: &str) -> Option<&'m str> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    (1..=segs.len()).rev().find_map(|n| mods.get_key_value(&segs[..n].join("::")).map(|(k, _)| k.as_str()))
}

/// Paths a source names after `prefix` (`crate::` or `super::`), braces expanded one level.
fn named(text: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        if i > 0 && text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[i + prefix.len()..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{')).unwrap_or(rest.len());
        let head = &rest[..end];
        match head.find("::{") {
            Some(b) => {
                let base = &head[..b];
                let close = rest[b..].find('}').map_or(rest.len(), |c| b + c);
                for item in rest[b + 3..close].split(',') {
                    let item = item.trim().split([' ', ':']).next().unwrap_or("");
                    out.push(if item.is_empty() { base.to_string() } else { format!("{base}::{item}") });
                }
            }
            None => out.push(head.trim_end_matches(':').to_string()),
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, text) in &mods {
        let parent = m.rsplit_once("::").map_or("", |(p, _)| p);
        let mut targets: Vec<String> = named(text, "crate::");
        targets.extend(
            named(text, "super::").into_iter().map(|p| if parent.is_empty() { p } else { format!("{parent}::{p}") }),
        );
        let set = edges.entry(m.clone()).or_default();
        for t in targets {
            if let Some(t) = resolve(&mods, &t) {
                // A module naming itself or one of its ancestors is not a dependency between files.
                if t != m && !m.starts_with(&format!("{t}::")) && !t.is_empty() {
                    set.insert(t.to_string());
                }
            }
        }
    }
    edges
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut c = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                c.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                c.sort();
                s.out.push(c);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

#[test]
fn no_import_cycle_between_source_files() {
    let found = cycles(&graph());
    assert!(found.is_empty(), "import cycles between source files (break them as ARCHITECTURE.md says): {found:#?}");
}

#[test]
fn no_stage_imports_a_later_one() {
    // Each stage may use the stages before it and the shared helpers, never one after it.
    let order =
        ["inventory", "evidence", "collect", "import", "policy", "engine", "report", "gate", "aggregate", "serve"];
    let rank = |m: &str| order.iter().position(|s| m == *s || m.starts_with(&format!("{s}::")));
    let mut backward = Vec::new();
    for (from, tos) in graph() {
        for to in tos {
            if let (Some(a), Some(b)) = (rank(&from), rank(&to))
                && b > a
            {
                backward.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(backward.is_empty(), "imports against the pipeline's direction: {backward:#?}");
}

#[test]
fn the_graph_reader_sees_real_edges() {
    // Guards the reader itself: a test that parses nothing would pass on any tree.
    let g = graph();
    assert!(g["report::xlsx"].contains("report::kit::sheet"), "{:?}", g["report::xlsx"]);
    assert!(g["engine"].iter().any(|t| t.starts_with("policy")), "{:?}", g["engine"]);
    assert!(g.len() > 100, "{} modules", g.len());
}
