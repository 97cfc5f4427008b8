//! Agreement with the Mozilla HTTP Observatory: every header vector of its own unit tests
//! (`tests/fixtures/observatory/headers.yaml`, copied from its repository with the source and
//! licence) is served by a loopback HTTPS server (hyper over tokio-rustls, a self-signed rcgen
//! certificate), collected by `tuanthu collect` and judged by `tuanthu check --evidence`, the path
//! a user takes. Per vector, the collector's judgement fact must be the Observatory's result name
//! and the rule's verdict its pass/fail, except the deliberate differences the fixture lists
//! with their reason, which must really differ.

mod common;

use common::{code, stderr, tuanthu};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, Deserialize)]
struct Fixture {
    vectors: Vec<Vector>,
}

#[derive(Debug, Clone, Deserialize)]
struct Vector {
    test: String,
    check: String,
    headers: Vec<(String, String)>,
    #[serde(default)]
    meta: Option<String>,
    expect: Value,
    #[serde(default)]
    pass: Option<bool>,
    #[serde(default)]
    flag: Option<String>,
    #[serde(default)]
    difference: Option<String>,
    #[serde(default)]
    tuanthu: Option<Value>,
    #[serde(default)]
    tuanthu_pass: Option<bool>,
}

fn fixtures() -> PathBuf {
    common::root().join("tests/fixtures/observatory")
}

fn load() -> Vec<Vector> {
    let text = std::fs::read_to_string(fixtures().join("headers.yaml")).unwrap();
    let f: Fixture = serde_saphyr::from_str(&text).unwrap();
    f.vectors
}

/// The page of each vector: its header fields (CR and LF cannot travel in a field value) and,
/// for the `<meta>` vectors, the reference's HTML page as the body.
fn page(v: &Vector) -> Response<Full<Bytes>> {
    let mut r = Response::builder().status(200).header("content-type", "text/html");
    for (name, value) in &v.headers {
        let value: String = value.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        r = r.header(name.as_str(), value);
    }
    let body = match &v.meta {
        Some(file) => std::fs::read_to_string(fixtures().join(file)).unwrap(),
        None => "<!DOCTYPE html><html><head><title>t</title></head><body></body></html>\n".to_string(),
    };
    r.body(Full::new(Bytes::from(body))).unwrap()
}

/// Serves vector `i` at `/v/i` on a loopback HTTPS port, on `rt`; returns the port.
fn serve(rt: &tokio::runtime::Runtime, vectors: Arc<Vec<Vector>>) -> u16 {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = common::https_acceptor("localhost");
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, vectors) = (acceptor.clone(), vectors.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let i: Option<usize> = req.uri().path().strip_prefix("/v/").and_then(|n| n.parse().ok());
                    let response = match i.and_then(|i| vectors.get(i)) {
                        Some(v) => page(v),
                        None => Response::builder().status(404).body(Full::new(Bytes::new())).unwrap(),
                    };
                    async move { Ok::<_, std::convert::Infallible>(response) }
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
    port
}

/// The rules that give a check's verdict: it passes when none of them fails.
fn rules_of(check: &str) -> &'static [&'static str] {
    match check {
        "csp" => &["http-content-security-policy"],
        "cookies" => &["http-insecure-cookies", "http-cookie-samesite"],
        "referrer" => &["http-referrer-policy"],
        "hsts" => &["http-hsts"],
        "xcto" => &["http-content-type-options"],
        "xfo" => &["http-frame-protection"],
        _ => &[],
    }
}

/// The collector's judgement fact for a vector's check.
fn fact(v: &Vector, facts: &Value) -> Value {
    let flag = |name: &str| match name {
        "antiClickjacking" => "anti_clickjacking",
        "insecureBaseUri" => "insecure_base_uri",
        "unsafeObjects" => "unsafe_objects",
        "insecureSchemePassive" => "insecure_sources_passive",
        "insecureFormAction" => "insecure_form_action",
        other => panic!("no fact for the Observatory's flag {other}"),
    };
    match v.check.as_str() {
        "csp" => facts["csp"]["result"].clone(),
        "csp-flag" => facts["csp"][flag(v.flag.as_deref().unwrap())].clone(),
        "cookies" => facts["cookie_checks"]["result"].clone(),
        "referrer" => facts["header_checks"]["referrer_policy_result"].clone(),
        "hsts" => facts["hsts"]["result"].clone(),
        "xcto" => facts["header_checks"]["content_type_options_result"].clone(),
        "xfo" => facts["header_checks"]["frame_options_result"].clone(),
        other => panic!("unknown check {other}"),
    }
}

#[test]
fn tuanthu_agrees_with_the_observatory_on_its_header_vectors() {
    let vectors = Arc::new(load());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let port = serve(&rt, vectors.clone());
    let url = |i: usize| format!("https://localhost:{port}/v/{i}");
    // A finding names the URL and the address it was pinned to.
    let asset = |i: usize| format!("{} @ 127.0.0.1", url(i));
    let urls: Vec<String> =
        (0..vectors.len()).map(|i| format!("      - {{url: \"{}\", address: 127.0.0.1}}\n", url(i))).collect();
    let inv = format!(
        "schema: tuanthu/inventory/v1\nagency: {{id: test-agency, name: Test agency, catalogue: tt12-2022}}\nsystems:\n  - id: web\n    name: Web portal\n    level: 3\n    approval: {{status: approved, decision: \"1/QĐ\", date: 2026-09-01}}\n    assets:\n      urls:\n{}",
        urls.concat()
    );
    let dir = common::dir_with(&[("inventory.yaml", &inv)]);
    let (inv, ev) = (dir.path().join("inventory.yaml"), dir.path().join("ev.jsonl"));
    let o =
        tuanthu(&["collect", "--inventory", inv.to_str().unwrap(), "-o", ev.to_str().unwrap(), "-q", "--only", "http"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    drop(rt);

    // The collector's facts per URL, then the verdicts judged from the file alone.
    let text = std::fs::read_to_string(&ev).unwrap();
    let facts: BTreeMap<String, Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["kind"] == "http")
        .map(|r| (r["target"].as_str().unwrap().to_string(), r["facts"].clone()))
        .collect();
    let report = common::check_collected(&inv, &ev);
    let failed: BTreeSet<(String, String)> = common::findings(&report)
        .into_iter()
        .filter(|(rule, _, _)| rule.starts_with("http-"))
        .map(|(rule, asset, outcome)| {
            assert_eq!(outcome, "fail", "{rule} on {asset}: a vector must be judged, not {outcome}");
            (rule, asset)
        })
        .collect();

    let (mut agree, mut differ, mut wrong) = (0, 0, Vec::new());
    for (i, v) in vectors.iter().enumerate() {
        let f = facts.get(&url(i)).unwrap_or_else(|| panic!("no record for vector {i} ({})", v.test));
        assert!(f.is_object(), "vector {i} ({}) was not measured: {f}", v.test);
        let got = fact(v, f);
        let passed = (v.check != "csp-flag")
            .then(|| !rules_of(&v.check).iter().any(|r| failed.contains(&(r.to_string(), asset(i)))));
        let reference = (v.expect.clone(), v.pass);
        let ours = (got, passed);
        let want = match &v.difference {
            None => reference.clone(),
            Some(_) => (v.tuanthu.clone().unwrap_or(v.expect.clone()), v.tuanthu_pass),
        };
        if ours != want {
            wrong.push(format!("#{i} {} {:?} {:?}: want {want:?}, got {ours:?}", v.test, v.headers, v.meta));
        } else if ours == reference {
            agree += 1;
        } else {
            differ += 1;
        }
        if v.difference.is_some() {
            assert_ne!(want, reference, "#{i} {}: a listed difference must differ from the reference", v.test);
        }
    }
    println!("agreement with the Observatory: {agree} of {}; documented differences: {differ}", vectors.len());
    assert!(wrong.is_empty(), "{} vectors judged otherwise:\n{}", wrong.len(), wrong.join("\n"));
    assert_eq!((agree, differ, vectors.len()), (135, 6, 141));
}
