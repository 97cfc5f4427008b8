//! Verdicts remembered per distinct record, for one evaluation.
//!
//! A rule's verdict on a record depends only on the values its expressions read
//! ([`Rule::reads`]): the same open port with the same service on twenty thousand hosts, judged by
//! a rule that reads only `port`, is one verdict. The key is the rule and the exact text of every
//! value it reads (paths walked field by field, JSON-serialised where they end), so two records get
//! one verdict only when the rule cannot tell them apart; nothing is approximated or hashed away.
//! A rule that reads `system` or a host's address is keyed by those too and so is simply judged
//! per system or host, as before.
//!
//! Bounded: a key longer than [`MAX_KEY`] (a rule that reads a whole script output or a long
//! list) is not remembered, and after [`MAX_ENTRIES`] distinct keys new ones are judged without
//! being stored. The cache lives for one evaluation: rules are identified by their address in
//! the policy, which the evaluation borrows for its whole duration.

use crate::policy::rules::{Rule, Verdict};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

/// Longest key remembered, in bytes.
const MAX_KEY: usize = 4096;
/// Most distinct keys remembered.
const MAX_ENTRIES: usize = 1 << 20;

/// The variables bound for one record, by name, as the rule's context binds them.
pub type Vars<'a> = [(&'a str, &'a Value)];

#[derive(Default)]
pub struct Memo {
    verdicts: Mutex<HashMap<Vec<u8>, Verdict>>,
}

impl Memo {
    /// The verdict of `rule` on the record whose variables are `vars`: remembered, else judged
    /// with `ctx()` (which must bind exactly `vars`) and remembered.
    pub fn judge<'c, 'p: 'c, 'v: 'p>(
        &self,
        rule: &Rule,
        vars: &Vars,
        ctx: impl FnOnce() -> &'c cel::Context<'p, 'v>,
    ) -> Verdict {
        // The key is built in a buffer kept by the thread: most lookups find a verdict, and
        // only a new key is copied into the map.
        let found = SCRATCH.with_borrow_mut(|k| {
            k.clear();
            key(rule, vars, k).then(|| self.lock().get(k.as_slice()).cloned().ok_or_else(|| k.clone()))
        });
        let key = match found {
            None => return rule.judge(ctx()),
            Some(Ok(v)) => return v,
            Some(Err(key)) => key,
        };
        let verdict = rule.judge(ctx());
        let mut map = self.lock();
        if map.len() < MAX_ENTRIES {
            map.insert(key, verdict.clone());
        }
        verdict
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Verdict>> {
        // A worker that panicked holding the lock left a map of complete entries: keep using it.
        self.verdicts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

thread_local! {
    /// The key being built, reused by every lookup of the thread.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes the key of `rule` on `vars` into the empty `k`: the rule's address, then per path it
/// reads, how far the path could be walked and the value where the walk ended (a missing field
/// and a field of a non-object fail differently in CEL, so both the depth and what stopped it are
/// part of the key). False when the key is too long to remember.
fn key(rule: &Rule, vars: &Vars, k: &mut Vec<u8>) -> bool {
    k.extend_from_slice(&(std::ptr::from_ref(rule) as usize).to_le_bytes());
    for path in rule.reads() {
        let Some((_, root)) = vars.iter().find(|(n, _)| *n == path[0]) else {
            k.push(0xff);
            continue;
        };
        let mut at = *root;
        let mut depth = 1u8;
        for field in &path[1..] {
            match at.get(field.as_str()).filter(|_| at.is_object()) {
                Some(next) => {
                    at = next;
                    depth = depth.saturating_add(1);
                }
                None => break,
            }
        }
        k.push(depth);
        if depth as usize == path.len() || !at.is_object() {
            if serde_json::to_writer(&mut *k, at).is_err() {
                return false;
            }
        } else {
            // Stopped at an object lacking the field: only the field's absence matters.
            k.push(0xfe);
        }
        k.push(0);
        if k.len() > MAX_KEY {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::{new_context, parse_rule, to_val};
    use serde_json::json;

    const RULE: &str = r#"schema: tuanthu/rule/v1
id: memo-rule
version: 1
controls: [NET.01]
evidence: nmap.port
severity: high
applies_when: 'port.state == "open" && (has(host.x.y) || "sslv2" in port.scripts || true)'
fail_when: 'port.service.name in ["telnet"] && [1].exists(n, n <= system.level)'
info:
  title: {en: "t", vi: "t"}
  description: {en: "d", vi: "d"}
  rationale: {en: "r", vi: "r"}
  remediation: {en: "x", vi: "x"}
message: {en: "m", vi: "m"}
"#;

    #[test]
    fn a_rule_reads_the_paths_its_expressions_select() {
        let r = parse_rule("memo-rule.yaml", "memo-rule", RULE).unwrap();
        let reads: Vec<String> = r.reads().iter().map(|p| p.join(".")).collect();
        assert_eq!(reads, ["host.x", "port.scripts", "port.service.name", "port.state", "system.level"]);
    }

    /// Remembered verdicts equal judged ones, for records that differ only where the rule does
    /// not read (shared) and where it does, including a missing field and a field of a string.
    #[test]
    fn remembered_verdicts_equal_judged_ones() {
        let r = parse_rule("memo-rule.yaml", "memo-rule", RULE).unwrap();
        let system = json!({"level": 3, "id": "a"});
        let other_system = json!({"level": 3, "id": "b"});
        let host = json!({"x": {}});
        let ports = [
            json!({"state": "open", "scripts": {}, "service": {"name": "telnet", "product": "a"}}),
            json!({"state": "open", "scripts": {}, "service": {"name": "telnet", "product": "b"}}),
            json!({"state": "open", "scripts": {}, "service": {"name": "https"}}),
            json!({"state": "closed", "scripts": {}, "service": {"name": "telnet"}}),
            json!({"state": "open", "scripts": {}, "service": {}}),
            json!({"state": "open", "scripts": {}, "service": "telnet"}),
            json!({"state": "open", "scripts": {}}),
        ];
        let memo = Memo::default();
        let mut judged = Vec::new();
        for system in [&system, &other_system] {
            for port in &ports {
                let mut ctx = new_context();
                ctx.add_variable_as_val("system", to_val(system));
                ctx.add_variable_as_val("host", to_val(&host));
                ctx.add_variable_as_val("port", to_val(port));
                let vars = [("system", system), ("host", &host), ("port", port)];
                let verdict = memo.judge(&r, &vars, || &ctx);
                assert_eq!(verdict, r.judge(&ctx), "{port}");
                judged.push(verdict);
            }
        }
        assert_eq!(&judged[..4], [Verdict::Fail, Verdict::Fail, Verdict::Pass, Verdict::Skipped]);
        assert!(judged[4..7].iter().all(|v| matches!(v, Verdict::Error(_))), "{judged:?}");
        // Two products, two system ids: not read, so remembered once per distinct read value.
        assert_eq!(memo.lock().len(), 6);
    }
}
