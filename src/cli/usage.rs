//! Usage errors (an unknown option, a missing argument, a value that is not one of the choices…)
//! in the user's language. clap writes them in English; under `--lang vi` the same message is
//! rebuilt here from the error's kind and context (the argument, the value, the valid values, the
//! "did you mean" tip, the usage line), so nothing clap says is lost. A kind with no Vietnamese
//! form here keeps clap's English text.
//!
//! The language is read from the raw arguments ([`lang_of_args`]): a usage error happens before
//! clap has parsed `--lang`, and may even be about another part of the same command line.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::ffi::OsString;
use tuanthu::i18n::Lang;

/// The language the command line asks for: the last `--lang vi` / `--lang=vi` (anywhere before a
/// `--`), else `TUANTHU_LANG`, else English.
pub fn lang_of_args(args: &[OsString], env: Option<&str>) -> Lang {
    let parse = |v: &str| match v {
        "vi" => Some(Lang::Vi),
        "en" => Some(Lang::En),
        _ => None,
    };
    let mut found = None;
    let mut words = args.iter().map(|a| a.to_string_lossy()).take_while(|a| a != "--");
    while let Some(word) = words.next() {
        if word == "--lang" {
            found = words.next().and_then(|v| parse(&v)).or(found);
        } else if let Some(v) = word.strip_prefix("--lang=") {
            found = parse(v).or(found);
        }
    }
    found.or_else(|| env.and_then(parse)).unwrap_or_default()
}

/// The message of a usage error in `lang`, without the `error:` prefix: the Vietnamese form when
/// `lang` is Vietnamese and the kind is one rendered here, else clap's own text.
pub fn message(e: &clap::Error, lang: Lang) -> String {
    match lang {
        Lang::Vi => vi(e).unwrap_or_else(|| english(e)),
        Lang::En => english(e),
    }
}

/// clap's text without its `error: ` prefix (added back by the one printer) and trailing newline.
fn english(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    text.trim_end().to_string()
}

/// A context value as plain text.
fn get(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A list-valued context value (one string is a list of one).
fn list(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::StyledStrs(v)) => v.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    }
}

fn quoted(items: &[String]) -> String {
    items.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ")
}

/// The Vietnamese message, or `None` for a kind (or a context) not rendered here.
fn vi(e: &clap::Error) -> Option<String> {
    let arg = get(e, ContextKind::InvalidArg);
    let value = get(e, ContextKind::InvalidValue);
    let mut out = match e.kind() {
        ErrorKind::UnknownArgument => format!("không có tham số '{}'", arg?),
        ErrorKind::InvalidSubcommand => format!("không có lệnh '{}'", get(e, ContextKind::InvalidSubcommand)?),
        ErrorKind::MissingRequiredArgument => {
            let missing = list(e, ContextKind::InvalidArg);
            let lines: String = missing.iter().map(|m| format!("\n  {m}")).collect();
            (!missing.is_empty()).then(|| format!("thiếu các tham số bắt buộc sau:{lines}"))?
        }
        ErrorKind::MissingSubcommand => {
            let valid = list(e, ContextKind::ValidSubcommand);
            let mut s = format!("'{}' cần một lệnh con nhưng không có", get(e, ContextKind::InvalidSubcommand)?);
            if !valid.is_empty() {
                s.push_str(&format!("\n  [các lệnh con: {}]", valid.join(", ")));
            }
            s
        }
        ErrorKind::InvalidValue => {
            let (arg, value) = (arg?, value?);
            let mut s = if value.is_empty() {
                format!("'{arg}' cần một giá trị nhưng không có")
            } else {
                format!("giá trị '{value}' không hợp lệ cho '{arg}'")
            };
            let valid = list(e, ContextKind::ValidValue);
            if !valid.is_empty() {
                s.push_str(&format!("\n  [các giá trị có thể: {}]", valid.join(", ")));
            }
            s
        }
        ErrorKind::ValueValidation => {
            let mut s = format!("giá trị '{}' không hợp lệ cho '{}'", value?, arg?);
            // The parsers' own reasons: a number out of its range says "N is not in A..=B".
            if let Some(source) = std::error::Error::source(e) {
                s.push_str(&format!(": {}", source.to_string().replace(" is not in ", " không thuộc khoảng ")));
            }
            s
        }
        ErrorKind::ArgumentConflict => {
            let arg = arg?;
            let prior = list(e, ContextKind::PriorArg);
            if prior == [arg.clone()] {
                format!("tham số '{arg}' không được dùng nhiều lần")
            } else if prior.is_empty() {
                format!("tham số '{arg}' không dùng được cùng một hoặc nhiều tham số khác đã cho")
            } else {
                format!("tham số '{arg}' không dùng được cùng {}", quoted(&prior))
            }
        }
        ErrorKind::TooManyValues => format!("thừa giá trị '{}' cho '{}': không cần thêm giá trị nào", value?, arg?),
        ErrorKind::TooFewValues => format!(
            "'{}' cần {} giá trị; chỉ có {}",
            arg?,
            get(e, ContextKind::MinValues)?,
            get(e, ContextKind::ActualNumValues)?
        ),
        ErrorKind::WrongNumberOfValues => format!(
            "'{}' cần {} giá trị nhưng có {}",
            arg?,
            get(e, ContextKind::ExpectedNumValues)?,
            get(e, ContextKind::ActualNumValues)?
        ),
        ErrorKind::NoEquals => format!("cần dấu bằng khi gán giá trị cho '{}'", arg?),
        ErrorKind::InvalidUtf8 => "tham số không phải văn bản UTF-8".to_string(),
        _ => return None,
    };
    let tips = [
        (ContextKind::SuggestedSubcommand, "lệnh"),
        (ContextKind::SuggestedArg, "tham số"),
        (ContextKind::SuggestedValue, "giá trị"),
    ];
    let mut tipped = false;
    for (kind, what) in tips {
        let similar = list(e, kind);
        if !similar.is_empty() {
            out.push_str(if tipped { "\n" } else { "\n\n" });
            out.push_str(&format!("  gợi ý: có {what} gần giống: {}", quoted(&similar)));
            tipped = true;
        }
    }
    // clap's other tip is "to pass 'X' as a value, use '-- X'"; any other is kept as written.
    for tip in list(e, ContextKind::Suggested) {
        let tip = tip.replace("to pass ", "để đưa ").replace(" as a value, use ", " vào như một giá trị, viết ");
        out.push_str(if tipped { "\n" } else { "\n\n" });
        out.push_str(&format!("  gợi ý: {tip}"));
        tipped = true;
    }
    if let Some(usage) = get(e, ContextKind::Usage) {
        let usage = usage.strip_prefix("Usage:").map_or(usage.clone(), |rest| format!("Cách dùng:{rest}"));
        out.push_str(&format!("\n\n{usage}"));
    }
    out.push_str("\n\nXem thêm: '--help'.");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_language_is_found_anywhere_on_the_command_line() {
        assert_eq!(lang_of_args(&args(&["tuanthu", "check", "--lang", "vi", "--nope"]), None), Lang::Vi);
        assert_eq!(lang_of_args(&args(&["tuanthu", "--lang=vi", "check"]), None), Lang::Vi);
        assert_eq!(lang_of_args(&args(&["tuanthu", "--lang=vi", "check", "--lang", "en"]), None), Lang::En);
        assert_eq!(lang_of_args(&args(&["tuanthu", "check"]), Some("vi")), Lang::Vi);
        assert_eq!(lang_of_args(&args(&["tuanthu", "check", "--lang", "fr"]), Some("vi")), Lang::Vi);
        assert_eq!(lang_of_args(&args(&["tuanthu", "import", "--", "--lang", "vi"]), None), Lang::En);
        assert_eq!(lang_of_args(&args(&["tuanthu", "check", "--lang"]), None), Lang::En);
    }
}
