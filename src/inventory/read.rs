//! Reading a YAML tree ([`crate::yaml::Node`]) field by field, collecting every problem instead of
//! stopping at the first: unknown and repeated fields, missing required ones, values of the wrong
//! kind and values outside their list, each with its position, the accepted values and the
//! nearest one ("did you mean `operator`?"). Messages are in both languages.

use crate::diag::{Collector, Problem};
use crate::i18n::Text;
use crate::yaml::{Node, Value};
use serde_saphyr::{Location, Spanned};

/// Loading context: the file name, its text (values are judged by how they are written), the
/// problems and the warnings found so far.
pub(super) struct Cx<'a> {
    pub origin: &'a str,
    pub text: &'a str,
    pub p: Collector,
    pub warnings: Vec<Problem>,
}

impl<'a> Cx<'a> {
    pub fn new(origin: &'a str, text: &'a str) -> Self {
        Cx { origin, text, p: Collector::default(), warnings: Vec::new() }
    }
    pub fn err(&mut self, at: Location, msg: Text) {
        self.p.push(Problem::at_text(self.origin, at, msg));
    }
    pub fn warn(&mut self, at: Location, msg: Text) {
        self.warnings.push(Problem::at_text(self.origin, at, msg));
    }
    pub fn origin_of(&self, at: Location) -> super::Origin {
        super::Origin { file: self.origin.to_string(), line: at.line(), column: at.column() }
    }
    /// A date field (`YYYY-MM-DD`); `None` (reported) when it is not one.
    pub fn date(&mut self, n: &Node, field: &str) -> Option<time::Date> {
        let s = self.string(n, field)?;
        crate::dates::parse(&s).map_err(|e| self.err(n.referenced, e.text())).ok()
    }
    /// A date-time field with its offset; `None` (reported) when it is not one.
    pub fn datetime(&mut self, n: &Node, field: &str) -> Option<time::OffsetDateTime> {
        let s = self.string(n, field)?;
        crate::dates::parse_datetime(&s).map_err(|e| self.err(n.referenced, e.text())).ok()
    }
    /// A text field. A number or `true` written where text is expected is taken as written (a
    /// decision number `123`); an empty value is absent; a list or mapping is a problem.
    pub fn string(&mut self, n: &Node, field: &str) -> Option<String> {
        match &n.value {
            Value::Str(s) => Some(s.clone()),
            Value::Null => None,
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => crate::yaml::raw(self.text, n).map(str::to_string),
            other => {
                self.wrong_kind(n, field, &crate::text!("text", "văn bản"), other);
                None
            }
        }
    }
    /// A text field with its position.
    pub fn spanned(&mut self, n: &Node, field: &str) -> Option<Spanned<String>> {
        let s = self.string(n, field)?;
        Some(Spanned { value: s, referenced: n.referenced, defined: n.defined })
    }
    /// The items of a list field (an empty value is an empty list).
    pub fn list<'n>(&mut self, n: &'n Node, field: &str) -> &'n [Node] {
        match &n.value {
            Value::Seq(items) => items,
            Value::Null => &[],
            other => {
                self.wrong_kind(n, field, &crate::text!("a list", "một danh sách"), other);
                &[]
            }
        }
    }
    /// One of `accepted` (their YAML spellings), reported with the accepted values and the
    /// nearest one when it is not.
    pub fn choice<T: Copy>(&mut self, n: &Node, field: &str, accepted: &[(&str, T)]) -> Option<T> {
        let found = self.string(n, field)?;
        if let Some((_, v)) = accepted.iter().find(|(name, _)| *name == found) {
            return Some(*v);
        }
        let names: Vec<&str> = accepted.iter().map(|(n, _)| *n).collect();
        let hint = crate::yaml::did_you_mean(&found, names.iter().copied());
        let list = names.join(", ");
        let msg = Text::new(
            format!("`{found}` is not an accepted `{field}`{}; use one of: {list}", hint.en),
            format!("`{found}` không phải giá trị hợp lệ của `{field}`{}; dùng một trong: {list}", hint.vi),
        );
        self.err(n.referenced, msg);
        None
    }
    fn wrong_kind(&mut self, n: &Node, field: &str, expected: &Text, found: &Value) {
        let kind = found.kind();
        let msg = Text::new(
            format!("`{field}` must be {}, found {}", expected.en, kind.en),
            format!("`{field}` phải là {}, gặp {}", expected.vi, kind.vi),
        );
        self.err(n.referenced, msg);
    }
}

/// The fields of one mapping, each looked up by name. Unknown fields (with the nearest known
/// one) and repeated fields are reported when the mapping is read.
pub(super) struct Fields<'n> {
    pub at: Location,
    entries: Vec<(&'n str, &'n Node)>,
}

impl<'n> Fields<'n> {
    /// Reads the mapping `n` (the value of `field`) whose known fields are `known`. `None`
    /// (reported) when `n` is not a mapping.
    pub fn of(cx: &mut Cx, n: &'n Node, field: &str, known: &[&str]) -> Option<Fields<'n>> {
        let Value::Map(map) = &n.value else {
            cx.wrong_kind(n, field, &crate::text!("a mapping of fields", "một ánh xạ các trường"), &n.value);
            return None;
        };
        let mut entries: Vec<(&'n str, &'n Node)> = Vec::new();
        let mut first_at: Vec<(&'n str, u64)> = Vec::new();
        for (k, v) in map {
            let Value::Str(key) = &k.value else {
                cx.err(k.referenced, crate::text!("a field name must be text", "tên trường phải là văn bản"));
                continue;
            };
            if let Some((_, line)) = first_at.iter().find(|(f, _)| *f == key.as_str()) {
                cx.err(k.referenced, crate::yaml::twice(key, Some(*line)));
                continue;
            }
            first_at.push((key, k.referenced.line()));
            if !known.contains(&key.as_str()) {
                cx.err(k.referenced, crate::yaml::unknown_field(key, known));
                continue;
            }
            entries.push((key, v));
        }
        Some(Fields { at: n.referenced, entries })
    }

    /// The value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, v)| *k == name && v.value != Value::Null).map(|(_, v)| *v)
    }

    /// The value of the required field `name`; its absence is reported at the mapping.
    pub fn require(&self, cx: &mut Cx, name: &str) -> Option<&'n Node> {
        let v = self.get(name);
        if v.is_none() {
            cx.err(self.at, crate::text!("missing required field `{name}:`", "thiếu trường bắt buộc `{name}:`"));
        }
        v
    }
}

/// The entries of a mapping keyed by free text (attestations by control id), in file order, a
/// repeated key reported with the line of the first.
pub(super) fn keyed<'n>(cx: &mut Cx, n: &'n Node, field: &str) -> Vec<(Spanned<String>, &'n Node)> {
    let map = match &n.value {
        Value::Map(m) => m,
        Value::Null => return Vec::new(),
        other => {
            cx.wrong_kind(n, field, &crate::text!("a mapping", "một ánh xạ"), other);
            return Vec::new();
        }
    };
    let mut out: Vec<(Spanned<String>, &'n Node)> = Vec::new();
    for (k, v) in map {
        let Some(key) = cx.spanned(k, field) else { continue };
        if let Some((first, _)) = out.iter().find(|(f, _)| f.value == key.value) {
            cx.err(k.referenced, crate::yaml::twice(&key.value, Some(first.referenced.line())));
            continue;
        }
        out.push((key, v));
    }
    out
}
