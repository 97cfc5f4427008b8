//! The CI snippets in examples/ci/ run as documented: their tuanthu steps are executed with the
//! demo's inventory and evidence in place of the agency's (and loopback in place of the network),
//! in the order and with the shell the CI service uses, and must give the documented verdicts.

mod common;

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(common::root().join("examples/ci").join(name)).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name} is valid YAML: {e}"))
}

/// A work directory laid out like a checkout whose pipeline has collected its evidence.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(common::demo().join("evidence.json"), dir.path().join("evidence.json")).unwrap();
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `script` as the CI service would (bash, -e, -o pipefail) with the snippet's variables
    /// pointed at the demo and tuanthu on PATH.
    fn run(&self, script: &str, vars: &Value) -> Output {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_tuanthu"));
        let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script]).current_dir(self.dir.path());
        for (k, v) in vars.as_object().unwrap() {
            cmd.env(k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        }
        cmd.env("TUANTHU_INVENTORY", common::demo().join("inventory.yaml"))
            .env("TUANTHU_SYSTEM", "cong-dvc")
            .env("TUANTHU_CA_BUNDLE", common::demo().join("demo-gov-ca.pem"))
            .env("TUANTHU_AS_OF", "2026-11-25")
            .env_remove("TUANTHU_LANG")
            .env("PATH", path);
        cmd.output().unwrap()
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn explain(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", common::stdout(o), common::stderr(o))
}

/// Every `$TUANTHU_*` a script uses is defined by the snippet itself.
fn assert_defined(scripts: &[&str], vars: &Value) {
    for s in scripts {
        for (i, _) in s.match_indices("$TUANTHU_") {
            let name: String =
                s[i + 1..].chars().take_while(|c| c.is_ascii_uppercase() || *c == '_' || c.is_ascii_digit()).collect();
            assert!(vars.get(&name).is_some(), "{name} is used but not defined: {s}");
        }
    }
}

/// The documented `tuanthu collect` line, run against a copy of its inventory whose system's only
/// endpoint is a closed loopback port: the flags parse and the run records the failure (exit 1).
fn check_collect_line(script: &str, vars: &Value) {
    let ws = Workspace::new();
    let inventory = format!(
        "schema: tuanthu/inventory/v1\nagency: {{id: ci-test, name: CI test}}\nsystems:\n  - id: cong-dvc\n    \
name: Portal\n    level: 1\n    approval: {{status: draft}}\n    assets:\n      tls: [{{target: 'portal.test:{}', \
address: 127.0.0.1}}]\n",
        closed_port()
    );
    std::fs::write(ws.path("inventory.yaml"), inventory).unwrap();
    let mut vars = vars.clone();
    vars["TUANTHU_INVENTORY"] = Value::from(ws.path("inventory.yaml").display().to_string());
    let script = script.replace("\"$TUANTHU_INVENTORY\"", &format!("'{}'", ws.path("inventory.yaml").display()));
    let o = ws.run(&script, &vars);
    assert_eq!(code(&o), 1, "collect ran and recorded the closed port as an error: {}", explain(&o));
    let evidence: Value = serde_json::from_str(&std::fs::read_to_string(ws.path("evidence.json")).unwrap()).unwrap();
    assert_eq!(evidence["records"].as_array().unwrap().len(), 1);
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn github_actions_snippet_gates_as_documented() {
    let wf = load("github-actions.yml");
    let vars = &wf["env"];
    let steps = wf["jobs"]["gate"]["steps"].as_array().unwrap();
    let run_of = |name: &str| -> &str {
        steps
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s["run"].as_str())
            .unwrap_or_else(|| panic!("step {name}"))
    };
    for s in steps {
        assert!(s["uses"].is_string() || s["run"].is_string(), "a step runs a string or uses an action: {s}");
    }
    let scripts: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert_defined(&scripts, vars);
    check_collect_line(run_of("Probe the system's declared TLS endpoints and URLs"), vars);

    let ws = Workspace::new();
    // Default branch: the baseline is recorded whatever the verdict.
    let o = ws.run(run_of("Record the baseline (default branch)"), vars);
    assert_eq!(code(&o), 0, "{}", explain(&o));
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path("tuanthu-baseline.json")).unwrap()).unwrap();
    assert_eq!(baseline["agencies"][0]["systems"][0]["id"], "cong-dvc");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(ws.path("tuanthu.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "tuanthu/skhcn-binh-an/cong-dvc/");

    // Pull request, same deployment as the baseline: nothing regressed, the gate passes.
    let gate = run_of("Gate the deployment");
    let o = ws.run(gate, vars);
    assert_eq!(code(&o), 0, "{}", explain(&o));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(ws.path("tuanthu.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty(), "missing controls are still shown");

    // No baseline yet: every missing control fails the gate (the demo system is not compliant).
    std::fs::remove_file(ws.path("tuanthu-baseline.json")).unwrap();
    let o = ws.run(gate, vars);
    assert_eq!(code(&o), 1, "{}", explain(&o));

    // Collection produced nothing: the gate fails closed.
    std::fs::write(ws.path("evidence.json"), "").unwrap();
    let o = ws.run(gate, vars);
    assert_eq!(code(&o), 2, "{}", explain(&o));
}

#[test]
fn gitlab_snippet_gates_as_documented() {
    let ci = load("gitlab-ci.yml");
    let vars = &ci["variables"];
    let lines = |job: &str, key: &str| -> Vec<String> {
        ci[job][key]
            .as_array()
            .unwrap_or_else(|| panic!("{job}.{key}"))
            .iter()
            .map(|l| {
                let msg = "every line is a string (a `: ` in a plain scalar would make YAML read a mapping)";
                l.as_str().unwrap_or_else(|| panic!("{job}.{key}: {msg}: {l:?}")).to_string()
            })
            .collect()
    };
    let before = lines(".tuanthu", "before_script");
    let all: Vec<String> = before
        .iter()
        .chain(&lines("tuanthu:baseline", "script"))
        .chain(&lines("tuanthu:gate", "script"))
        .cloned()
        .collect();
    assert_defined(&all.iter().map(String::as_str).collect::<Vec<_>>(), vars);
    let collect = before.iter().find(|l| l.starts_with("tuanthu collect")).expect("the jobs collect evidence");
    check_collect_line(collect, vars);
    assert_eq!(ci["tuanthu:gate"]["artifacts"]["reports"]["junit"], "tuanthu-junit.xml");

    let ws = Workspace::new();
    let o = ws.run(&lines("tuanthu:baseline", "script").join("\n"), vars);
    assert_eq!(code(&o), 0, "{}", explain(&o));
    assert!(ws.path("tuanthu-baseline.json").is_file());

    // The gate job, with the artifact download replaced by the baseline recorded above (the
    // network is not reachable from tests); GitLab runs the lines as one script.
    let gate: Vec<String> = lines("tuanthu:gate", "script").into_iter().filter(|l| !l.starts_with("curl ")).collect();
    assert_eq!(gate.len(), 2, "only the download is left out: {gate:?}");
    let o = ws.run(&gate.join("\n"), vars);
    assert_eq!(code(&o), 0, "{}", explain(&o));
    let junit = std::fs::read_to_string(ws.path("tuanthu-junit.xml")).unwrap();
    assert!(junit.contains("<testsuite") && junit.contains("cong-dvc"));

    std::fs::remove_file(ws.path("tuanthu-baseline.json")).unwrap();
    let o = ws.run(&gate.join("\n"), vars);
    assert_eq!(code(&o), 1, "without a baseline every missing control fails: {}", explain(&o));
}
