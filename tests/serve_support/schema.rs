//! A small validator for the JSON Schema subset the OpenAPI document (src/serve/openapi.json)
//! uses: `type` (one or several), `properties`, `required`, `additionalProperties` (false or a
//! schema), `items`, `enum`, `$ref` (local JSON pointers), `minimum`/`maximum`. A keyword it does
//! not know is an error, never silently passed: the document cannot grow a constraint the tests
//! do not check.
#![allow(dead_code)]

use serde_json::Value;

/// Keywords that only annotate (nothing to check).
const ANNOTATIONS: &[&str] = &["description", "default", "contentMediaType", "pattern"];

/// Every way `value` breaks `schema` (empty: valid), each with its JSON path. `root` is the
/// document `$ref`s point into.
pub fn validate(root: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(root, schema, value, "$", &mut errors);
    errors
}

/// The keywords of `schema` and the schemas inside it that [`validate`] does not know.
pub fn unknown_keywords(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(s) = schema.as_object() else { return vec![format!("not a schema: {schema}")] };
    for (k, v) in s {
        match k.as_str() {
            "properties" => v.as_object().into_iter().flatten().for_each(|(_, p)| out.extend(unknown_keywords(p))),
            "items" => out.extend(unknown_keywords(v)),
            "additionalProperties" if v.is_object() => out.extend(unknown_keywords(v)),
            k if KNOWN.contains(&k) || ANNOTATIONS.contains(&k) => {}
            k => out.push(k.to_string()),
        }
    }
    out
}

const KNOWN: &[&str] =
    &["$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "minimum", "maximum"];

fn check(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        errors.push(format!("{at}: the schema is not an object: {schema}"));
        return;
    };
    for k in s.keys() {
        if !KNOWN.contains(&k.as_str()) && !ANNOTATIONS.contains(&k.as_str()) {
            errors.push(format!("{at}: the validator does not know the keyword `{k}`"));
        }
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        match resolve(root, r) {
            Some(target) => check(root, target, value, at, errors),
            None => errors.push(format!("{at}: `$ref` {r} points nowhere")),
        }
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.iter().any(|t| is_type(value, t)) {
            errors.push(format!("{at}: expected {}, found {}", types.join(" or "), short(value)));
            return;
        }
    }
    if let Some(allowed) = s.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {} is not one of {}", short(value), Value::Array(allowed.clone())));
    }
    if let Some(n) = value.as_f64() {
        if s.get("minimum").and_then(Value::as_f64).is_some_and(|m| n < m) {
            errors.push(format!("{at}: {n} is below the minimum"));
        }
        if s.get("maximum").and_then(Value::as_f64).is_some_and(|m| n > m) {
            errors.push(format!("{at}: {n} is above the maximum"));
        }
    }
    if let Some(items) = s.get("items")
        && let Some(array) = value.as_array()
    {
        for (i, v) in array.iter().enumerate() {
            check(root, items, v, &format!("{at}[{i}]"), errors);
        }
    }
    let Some(object) = value.as_object() else { return };
    let properties = s.get("properties").and_then(Value::as_object);
    for name in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        if !object.contains_key(name) {
            errors.push(format!("{at}: the required member `{name}` is missing"));
        }
    }
    for (name, v) in object {
        let member = format!("{at}.{name}");
        match (properties.and_then(|p| p.get(name)), s.get("additionalProperties")) {
            (Some(p), _) => check(root, p, v, &member, errors),
            (None, Some(Value::Bool(false))) => errors.push(format!("{member}: not a member the document allows")),
            (None, Some(extra @ Value::Object(_))) => check(root, extra, v, &member, errors),
            (None, _) => {}
        }
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        _ => false,
    }
}

/// The value a local `$ref` (`#/a/b`) names.
pub fn resolve<'a>(root: &'a Value, r: &str) -> Option<&'a Value> {
    root.pointer(r.strip_prefix('#')?)
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 { format!("{}…", s.chars().take(80).collect::<String>()) } else { s }
}
