//! The JSON Schemas published under `schemas/` for editors (inventory, tailoring, rule, rule cases,
//! profile, catalogue): every bundled and example file validates against its schema, each schema
//! refuses the mistakes it exists to catch, and the inventory schema names exactly the fields the
//! loader accepts.

mod common;

use serde_json::Value;
use std::path::Path;

fn schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(common::root().join("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"))
}

/// A YAML document as the JSON an editor's schema validation sees.
fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

/// Every `*.yaml` under `dir` whose `schema:` is `kind`.
fn files_of(dir: &Path, kind: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for path in tuanthu::policy::source::yaml_files(dir).unwrap() {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = yaml(&text);
        if doc["schema"] == kind {
            out.push((path.display().to_string(), doc));
        }
    }
    out
}

#[test]
fn every_bundled_and_example_file_validates_against_its_schema() {
    let root = common::root();
    let sets = [
        ("rule-v1.schema.json", "rules", "tuanthu/rule/v1", 40),
        ("rule-cases-v1.schema.json", "rules", "tuanthu/rule-cases/v1", 40),
        ("rule-pack-v1.schema.json", "rules", "tuanthu/rule-pack/v1", 1),
        ("profile-v1.schema.json", "profiles", "tuanthu/profile/v1", 10),
        ("catalogue-v1.schema.json", "profiles", "tuanthu/catalogue/v1", 2),
        ("inventory-v1.schema.json", "examples", "tuanthu/inventory/v1", 1),
        ("tailoring-v1.schema.json", "examples", "tuanthu/tailoring/v1", 1),
    ];
    for (name, dir, kind, at_least) in sets {
        let v = schema(name);
        let files = files_of(&root.join(dir), kind);
        assert!(files.len() >= at_least, "{name}: only {} files of {kind} under {dir}", files.len());
        for (path, doc) in files {
            let e = errors(&v, &doc);
            assert!(e.is_empty(), "{path} does not match {name}:\n{}", e.join("\n"));
        }
    }
}

#[test]
fn the_starter_inventory_validates_against_the_schema() {
    let v = schema("inventory-v1.schema.json");
    for lang in ["en", "vi"] {
        let out = common::tuanthu(&["init", "--agency", "so-tttt-demo", "--lang", lang]);
        assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
        let e = errors(&v, &yaml(&common::stdout(&out)));
        assert!(e.is_empty(), "init --lang {lang}:\n{}", e.join("\n"));
    }
}

#[test]
fn the_inventory_schema_names_exactly_the_fields_the_loader_accepts() {
    let text = std::fs::read_to_string(common::root().join("schemas/inventory-v1.schema.json")).unwrap();
    let s: Value = serde_json::from_str(&text).unwrap();
    let system = &s["$defs"]["system"]["properties"];
    let objects = [
        ("document", &s["properties"]),
        ("agency", &s["properties"]["agency"]["properties"]),
        ("system", system),
        ("approval", &system["approval"]["properties"]),
        ("assessments", &system["assessments"]["items"]["properties"]),
        ("incidents", &system["incidents"]["items"]["properties"]),
        ("assets", &system["assets"]["properties"]),
        ("mail", &system["assets"]["properties"]["mail"]["items"]["properties"]),
        ("attestations", &system["attestations"]["additionalProperties"]["properties"]),
        ("waivers", &system["waivers"]["items"]["properties"]),
    ];
    assert_eq!(objects.len(), tuanthu::inventory::FIELDS.len());
    for ((object, props), (name, fields)) in objects.iter().zip(tuanthu::inventory::FIELDS) {
        assert_eq!(object, name);
        let mut in_schema: Vec<&str> = props.as_object().unwrap().keys().map(String::as_str).collect();
        let mut loader: Vec<&str> = fields.to_vec();
        in_schema.sort();
        loader.sort();
        assert_eq!(in_schema, loader, "{object}: schema vs loader");
    }
}

#[test]
fn each_schema_refuses_the_mistakes_it_exists_to_catch() {
    let inventory = schema("inventory-v1.schema.json");
    let base = "schema: tuanthu/inventory/v1\nagency: {id: so-a, name: A}\nsystems:\n  - id: s1\n    name: S\n";
    let refused = [
        "    level: 7\n    approval: {status: draft}\n",
        "    level: 3\n    operater: X\n    approval: {status: draft}\n",
        "    level: 3\n    approval: {status: approved, date: 2025-01-02}\n",
        "    level: 3\n    approval: {status: Implemented}\n",
        "    level: 3\n    approval: {status: draft}\n    attestations: {POL.01: {status: not-applicable}}\n",
        "    level: 3\n    approval: {status: draft}\n    waivers: [{control: POL.01, reason: r}]\n",
        "    level: 3\n    approval: {status: draft}\n    assets: {allowed_ports: [http]}\n",
    ];
    let ok = yaml(&format!("{base}    level: 3\n    approval: {{status: draft}}\n"));
    assert_eq!(errors(&inventory, &ok), Vec::<String>::new());
    for tail in refused {
        let doc = yaml(&format!("{base}{tail}"));
        assert!(!errors(&inventory, &doc).is_empty(), "accepted:\n{tail}");
    }

    let rule = schema("rule-v1.schema.json");
    let text = std::fs::read_to_string(common::root().join("rules/nmap/nmap-smbv1.yaml")).unwrap();
    let good = yaml(&text);
    assert_eq!(errors(&rule, &good), Vec::<String>::new());
    let mut both = good.clone();
    both["select"] = Value::from("check.id != ''");
    let mut unknown_kind = good.clone();
    unknown_kind["evidence"] = Value::from("nmap");
    let mut half_title = good.clone();
    half_title["info"]["title"] = serde_json::json!({"en": "SMBv1"});
    for bad in [both, unknown_kind, half_title] {
        assert!(!errors(&rule, &bad).is_empty(), "accepted: {bad}");
    }

    let cases = schema("rule-cases-v1.schema.json");
    let doc = yaml("schema: tuanthu/rule-cases/v1\nrule: r\ncases:\n  - {name: x, expect: error}\n");
    assert!(!errors(&cases, &doc).is_empty(), "an error case without its error");
    let tailoring = schema("tailoring-v1.schema.json");
    let doc = yaml("schema: tuanthu/tailoring/v1\ndrop: [{control: DES.17}]\n");
    assert!(!errors(&tailoring, &doc).is_empty(), "a drop without a reason");
}
