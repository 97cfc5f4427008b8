//! Issue 15: the server against its OpenAPI document (`GET /api/v1/openapi.json`), on SQLite and
//! PostgreSQL. For every path and method the document describes, the requests it describes are
//! made — the success and each error status that can be provoked from outside — and each response
//! must have a documented status and content type, and a JSON body valid against the documented
//! schema (tests/serve_support/schema.rs: the subset the document uses). The routes the router
//! serves ([`tuanthu::serve::api::ROUTES`]) and the document's operations are the same set.

mod common;
#[path = "serve_support/schema.rs"]
mod schema;
mod serve_support;

use common::reports::{report, system};
use serde_json::{Value, json};
use serve_support::{Db, Server, keypair, run_scenarios, runtime, sign_as};
use std::collections::BTreeSet;
use tuanthu::serve::Limits;
use tuanthu::serve::api::{OPENAPI, ROUTES};
use tuanthu::serve::records::Role;

fn document() -> Value {
    serde_json::from_str(OPENAPI).expect("src/serve/openapi.json is JSON")
}

/// Every (method, path) the document describes.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.insert((method.clone(), path.clone()));
        }
    }
    ops
}

#[test]
fn the_router_serves_exactly_the_documented_operations() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let served: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(served, operations(&doc));
}

#[test]
fn every_ref_resolves_and_every_schema_uses_only_the_validated_subset() {
    let doc = document();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for r in &refs {
        assert!(schema::resolve(&doc, r).is_some(), "{r} points nowhere");
    }
    // Every schema — the named ones and those inline in responses and parameters — uses only
    // keywords the validator checks.
    let mut schemas: Vec<(String, &Value)> =
        doc["components"]["schemas"].as_object().unwrap().iter().map(|(n, s)| (n.clone(), s)).collect();
    collect_inline(&doc["paths"], "paths", &mut schemas);
    collect_inline(&doc["components"]["responses"], "responses", &mut schemas);
    collect_inline(&doc["components"]["parameters"], "parameters", &mut schemas);
    assert!(schemas.len() > 30, "{} schemas found", schemas.len());
    for (at, s) in schemas {
        assert_eq!(schema::unknown_keywords(s), Vec::<String>::new(), "schema at {at}");
    }
}

/// The values of every `schema` member under `v`.
fn collect_inline<'a>(v: &'a Value, at: &str, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == "schema" {
                    out.push((at.to_string(), x));
                } else {
                    collect_inline(x, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| collect_inline(x, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                out.push(r.clone());
            }
            o.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

#[test]
fn the_validator_rejects_what_the_schema_does_not_allow() {
    let doc = document();
    let receipt = json!({"$ref": "#/components/schemas/Receipt"});
    let good = json!({"id": "x", "agency": "a", "period": "2026", "status": "counted", "key": "SHA256:k"});
    assert_eq!(schema::validate(&doc, &receipt, &good), Vec::<String>::new());
    let mut bad = good.clone();
    bad["status"] = json!("lost");
    bad.as_object_mut().unwrap().remove("key");
    bad["extra"] = json!(1);
    bad["id"] = json!(7);
    assert_eq!(
        schema::validate(&doc, &receipt, &bad),
        vec![
            "$: the required member `key` is missing".to_string(),
            "$.extra: not a member the document allows".into(),
            "$.id: expected string, found 7".into(),
            "$.status: \"lost\" is not one of [\"counted\",\"superseded\",\"duplicate\"]".into(),
        ]
    );
    let error = json!({"$ref": "#/components/schemas/Error"});
    let unknown_code = json!({"error": {"code": "oops", "message": "m"}});
    assert_eq!(schema::validate(&doc, &error, &unknown_code).len(), 1, "an error code outside the enum");
    assert_eq!(
        schema::validate(&doc, &json!({"type": "object", "format": "x"}), &json!({})),
        vec!["$: the validator does not know the keyword `format`".to_string()]
    );
}

#[test]
fn the_server_answers_as_its_openapi_document_says_on_sqlite_and_postgres() {
    run_scenarios(&[("every operation, success and errors", conformance)]);
}

/// One request: the operation it exercises (method, documented path), the concrete path, the
/// token, the body, and the status it must get.
struct Call {
    method: &'static str,
    template: &'static str,
    path: String,
    token: Option<String>,
    body: Option<String>,
    status: u16,
}

fn call(method: &'static str, template: &'static str, path: &str, token: Option<&str>, status: u16) -> Call {
    Call { method, template, path: path.to_string(), token: token.map(str::to_string), body: None, status }
}

fn post(body: String, status: u16) -> Call {
    Call {
        method: "post",
        template: "/api/v1/reports",
        path: "/api/v1/reports".into(),
        token: None,
        body: Some(body),
        status,
    }
}

fn genuine(agency: &str, generated_at: &str) -> Value {
    report(
        agency,
        generated_at,
        vec![system("a1", 3, "approved", "full", &[]), system("a2", 2, "approved", "partial", &["NET.01"])],
    )
}

/// Statuses the document lists that no request from outside can provoke deterministically:
/// each is covered elsewhere or is a server fault.
const NOT_PROVOKED: &[(&str, &str, &str)] = &[
    // The slow-body hold of tests/serve_limits.rs (in_flight_cap) provokes it, with its code.
    ("post", "/api/v1/reports", "503"),
    // A request slower than 120 s.
    ("post", "/api/v1/reports", "408"),
    // The database down.
    ("get", "/readyz", "503"),
    ("get", "/api/v1/reports/{id}", "503"),
    ("get", "/api/v1/national", "503"),
    ("get", "/api/v1/national.csv", "503"),
    ("get", "/api/v1/national.xlsx", "503"),
    ("get", "/api/v1/agencies/{id}", "503"),
    ("get", "/api/v1/agencies/{id}/systems/{system}", "503"),
    ("get", "/api/v1/missing", "503"),
    // The workbook writer failing.
    ("get", "/api/v1/national.xlsx", "500"),
];

fn conformance(db: &Db) {
    let doc = document();
    runtime().block_on(async {
        let limits = Limits { max_body: 1 << 20, burst: 3, per_minute: 1, ..Limits::default() };
        let server = Server::start(&db.url, limits).await;
        let (key, public) = keypair();
        let (forger, _) = keypair();
        server.add_key("so-a", &public, None, None).await;
        let center = server.token(Role::Center).await;
        let own = server.token(Role::Agency("so-a".into())).await;
        let other = server.token(Role::Agency("so-b".into())).await;
        let (c, a, b) = (Some(center.as_str()), Some(own.as_str()), Some(other.as_str()));

        let first = sign_as(&genuine("so-a", "2026-11-20T08:00:00Z"), &key, "so-a");
        let mut unsigned = genuine("so-a", "2026-11-20T09:00:00Z");
        unsigned.as_object_mut().unwrap().remove("signature");
        let unsigned = format!("{}\n", serde_json_canonicalizer::to_string(&unsigned).unwrap());
        let big = format!("{{\"schema\":\"tuanthu/report/v1\",\"pad\":\"{}\"}}", "x".repeat(2 << 20));
        let mut calls = vec![
            post(first.clone(), 201),
            post("[1, 2]".into(), 400),
            post("{\"schema\": \"other\"}".into(), 400),
            post(big, 413),
            post(unsigned, 422),
            post(sign_as(&genuine("so-a", "2026-11-20T10:00:00Z"), &forger, "so-a"), 422),
            // so-a's bucket (3) is charged by each verified submission: the first, these two, then 429.
            post(first.clone(), 201),
            post(sign_as(&genuine("so-a", "2026-11-21T08:00:00Z"), &key, "so-a"), 201),
            post(sign_as(&genuine("so-a", "2026-11-22T08:00:00Z"), &key, "so-a"), 429),
        ];
        let mut submitted = None;
        let mut results = Vec::new();
        for (i, call) in calls.drain(..).enumerate() {
            let outcome = exchange(&server, &call).await;
            if i == 0 {
                submitted = outcome.json.as_ref().and_then(|v| v["id"].as_str().map(str::to_string));
            }
            results.push((call, outcome));
        }
        let id = submitted.expect("the first submission's id");
        let report_path = format!("/api/v1/reports/{id}");
        let reads = vec![
            call("get", "/api/v1/reports/{id}", &report_path, c, 200),
            call("get", "/api/v1/reports/{id}", &report_path, a, 200),
            call("get", "/api/v1/reports/{id}", &report_path, None, 401),
            call("get", "/api/v1/reports/{id}", &report_path, b, 403),
            call("get", "/api/v1/reports/{id}", "/api/v1/reports/no-such-id", c, 404),
            call("get", "/api/v1/national", "/api/v1/national", c, 200),
            call("get", "/api/v1/national", "/api/v1/national?period=2026", c, 200),
            call("get", "/api/v1/national", "/api/v1/national?period=20x6", c, 400),
            call("get", "/api/v1/national", "/api/v1/national", None, 401),
            call("get", "/api/v1/national", "/api/v1/national", a, 403),
            call("get", "/api/v1/national.csv", "/api/v1/national.csv?lang=vi", c, 200),
            call("get", "/api/v1/national.csv", "/api/v1/national.csv?lang=fr", c, 400),
            call("get", "/api/v1/national.csv", "/api/v1/national.csv", None, 401),
            call("get", "/api/v1/national.csv", "/api/v1/national.csv", a, 403),
            call("get", "/api/v1/national.xlsx", "/api/v1/national.xlsx?period=2026", c, 200),
            call("get", "/api/v1/national.xlsx", "/api/v1/national.xlsx?period=1", c, 400),
            call("get", "/api/v1/national.xlsx", "/api/v1/national.xlsx", None, 401),
            call("get", "/api/v1/national.xlsx", "/api/v1/national.xlsx", a, 403),
            call("get", "/api/v1/agencies/{id}", "/api/v1/agencies/so-a", c, 200),
            call("get", "/api/v1/agencies/{id}", "/api/v1/agencies/so-a?period=2026", a, 200),
            call("get", "/api/v1/agencies/{id}", "/api/v1/agencies/so-a?period=x", c, 400),
            call("get", "/api/v1/agencies/{id}", "/api/v1/agencies/so-a", None, 401),
            call("get", "/api/v1/agencies/{id}", "/api/v1/agencies/so-a", b, 403),
            call("get", "/api/v1/agencies/{id}", "/api/v1/agencies/so-c", c, 404),
            call("get", "/api/v1/agencies/{id}/systems/{system}", "/api/v1/agencies/so-a/systems/a2", c, 200),
            call("get", "/api/v1/agencies/{id}/systems/{system}", "/api/v1/agencies/so-a/systems/a1", a, 200),
            call("get", "/api/v1/agencies/{id}/systems/{system}", "/api/v1/agencies/so-a/systems/a1?period=", c, 400),
            call("get", "/api/v1/agencies/{id}/systems/{system}", "/api/v1/agencies/so-a/systems/a1", None, 401),
            call("get", "/api/v1/agencies/{id}/systems/{system}", "/api/v1/agencies/so-a/systems/a1", b, 403),
            call("get", "/api/v1/agencies/{id}/systems/{system}", "/api/v1/agencies/so-a/systems/zz", c, 404),
            call("get", "/api/v1/missing", "/api/v1/missing", c, 200),
            call("get", "/api/v1/missing", "/api/v1/missing?period=abcd", c, 400),
            call("get", "/api/v1/missing", "/api/v1/missing", None, 401),
            call("get", "/api/v1/missing", "/api/v1/missing", a, 403),
            call("get", "/api/v1/openapi.json", "/api/v1/openapi.json", None, 200),
            call("get", "/healthz", "/healthz", None, 200),
            call("get", "/readyz", "/readyz", None, 200),
        ];
        for call in reads {
            let outcome = exchange(&server, &call).await;
            results.push((call, outcome));
        }

        let mut failures = Vec::new();
        let mut provoked = BTreeSet::new();
        for (call, got) in &results {
            let what = format!("{} {} (as {})", call.method.to_uppercase(), call.path, call.template);
            if got.status != call.status {
                failures.push(format!("{what}: status {} (expected {}): {}", got.status, call.status, got.text));
                continue;
            }
            provoked.insert((call.method.to_string(), call.template.to_string(), got.status.to_string()));
            failures.extend(conforms(&doc, call, got).into_iter().map(|e| format!("{what}: {e}")));
        }
        // Every operation was exercised, and every documented status provoked or listed.
        for (method, path) in operations(&doc) {
            let responses = doc["paths"][&path][&method]["responses"].as_object().unwrap();
            for status in responses.keys() {
                let key = (method.clone(), path.clone(), status.clone());
                let listed = NOT_PROVOKED.contains(&(method.as_str(), path.as_str(), status.as_str()));
                if provoked.contains(&key) == listed {
                    failures.push(format!(
                        "{} {path} {status}: {}",
                        method.to_uppercase(),
                        if listed { "provoked but listed as not provoked" } else { "documented but never provoked" }
                    ));
                }
            }
        }
        let served = server.get("/api/v1/openapi.json", None).await.1;
        assert_eq!(served, doc, "the endpoint serves the document");
        server.stop().await;
        assert!(failures.is_empty(), "{} nonconformance(s):\n{}", failures.len(), failures.join("\n"));
    });
}

struct Outcome {
    status: u16,
    content_type: String,
    json: Option<Value>,
    text: String,
    retry_after: Option<String>,
}

async fn exchange(server: &Server, call: &Call) -> Outcome {
    let client = reqwest::Client::new();
    let url = format!("{}{}", server.base, call.path);
    let mut req = if call.method == "post" { client.post(url) } else { client.get(url) };
    if let Some(t) = &call.token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(b) = &call.body {
        req = req.body(b.clone());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (content_type, retry_after) = (header("content-type").unwrap_or_default(), header("retry-after"));
    let bytes = r.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&bytes).chars().take(300).collect();
    Outcome { status, content_type, json: serde_json::from_slice(&bytes).ok(), text, retry_after }
}

/// How a response breaks the document: undocumented status or content type, a JSON body that
/// does not match its schema, a documented header missing.
fn conforms(doc: &Value, call: &Call, got: &Outcome) -> Vec<String> {
    let op = &doc["paths"][call.template][call.method];
    let mut response = &op["responses"][got.status.to_string()];
    if let Some(r) = response["$ref"].as_str() {
        response = schema::resolve(doc, r).expect("response $ref resolves");
    }
    if response.is_null() {
        return vec![format!("status {} is not documented", got.status)];
    }
    let mut errors = Vec::new();
    for name in response["headers"].as_object().into_iter().flat_map(|h| h.keys()) {
        if name.eq_ignore_ascii_case("retry-after") && got.retry_after.is_none() {
            errors.push(format!("the documented header {name} is missing"));
        }
    }
    let Some(content) = response["content"].as_object() else {
        return errors;
    };
    let media = got.content_type.split(';').next().unwrap_or("").trim();
    let Some(documented) = content.get(media) else {
        errors.push(format!("content type `{}` is not documented for status {}", got.content_type, got.status));
        return errors;
    };
    if media == "application/json" {
        match &got.json {
            Some(body) => errors.extend(schema::validate(doc, &documented["schema"], body)),
            None => errors.push(format!("the body is not JSON: {}", got.text)),
        }
    }
    errors
}
