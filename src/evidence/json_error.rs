//! serde_json's errors as the user reads them: in both languages, at a 1-based position that
//! means something.
//!
//! serde_json writes its reasons in English ("EOF while parsing a value", "missing field `x`");
//! [`reason`] gives each fixed reason and each of serde's data errors its Vietnamese form, the
//! names and values it quotes kept as they are. serde_json also counts a column of 0 "before the
//! first character of a line", which is where it puts an end of input that follows a newline;
//! [`position`] moves such a place to the end of the line before it, where the input really ends.

use crate::i18n::Text;

/// The reason of `e` in both languages, without serde_json's " at line L column C".
pub fn reason(e: &serde_json::Error) -> Text {
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) if e.line() > 0 => full.get(..i).unwrap_or(&full),
        _ => &full,
    };
    reason_of(msg)
}

/// The Vietnamese form of one of serde_json's (or serde's) English reasons; a reason it does
/// not know is kept as written in both.
pub fn reason_of(msg: &str) -> Text {
    let vi = fixed(msg).map(str::to_string).or_else(|| data(msg)).unwrap_or_else(|| msg.to_string());
    Text::new(msg, vi)
}

/// serde_json's syntax errors: a closed list.
fn fixed(msg: &str) -> Option<&'static str> {
    Some(match msg {
        "EOF while parsing a list" => "tệp kết thúc giữa một danh sách",
        "EOF while parsing an object" => "tệp kết thúc giữa một đối tượng",
        "EOF while parsing a string" => "tệp kết thúc giữa một chuỗi",
        "EOF while parsing a value" => "tệp kết thúc khi còn chờ một giá trị",
        "expected `:`" => "cần dấu `:`",
        "expected `,` or `]`" => "cần dấu `,` hoặc `]`",
        "expected `,` or `}`" => "cần dấu `,` hoặc `}`",
        "expected ident" => "cần true, false hoặc null",
        "expected value" => "cần một giá trị JSON",
        "invalid escape" => "chuỗi thoát không hợp lệ",
        "invalid number" => "số không hợp lệ",
        "number out of range" => "số vượt quá phạm vi",
        "invalid unicode code point" => "mã Unicode không hợp lệ",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "có ký tự điều khiển (\\u0000-\\u001F) trong một chuỗi"
        }
        "key must be a string" => "khoá phải là một chuỗi",
        "lone leading surrogate in hex escape" => "nửa đầu của cặp thay thế đứng một mình trong chuỗi thoát hex",
        "trailing comma" => "dấu phẩy thừa ở cuối",
        "trailing characters" => "có ký tự thừa sau dữ liệu",
        "unexpected end of hex escape" => "chuỗi thoát hex kết thúc sớm",
        "recursion limit exceeded" => "lồng nhau quá sâu",
        _ => return None,
    })
}

/// serde's data errors: a fixed beginning followed by names and values, kept as written.
fn data(msg: &str) -> Option<String> {
    const FORMS: [(&str, &str); 7] = [
        ("missing field ", "thiếu trường "),
        ("unknown field ", "trường không được biết "),
        ("duplicate field ", "trường bị lặp "),
        ("unknown variant ", "giá trị không được biết "),
        ("invalid type: ", "sai kiểu: "),
        ("invalid value: ", "giá trị không hợp lệ: "),
        ("invalid length ", "độ dài không hợp lệ "),
    ];
    let (rest, vi) = FORMS.iter().find_map(|(en, vi)| msg.strip_prefix(en).map(|rest| (rest, *vi)))?;
    let rest = rest
        .replace(", expected one of ", ", cần một trong ")
        .replace(", expected ", ", cần ")
        .replace(", there are no fields", ", không có trường nào")
        .replace(", there are no variants", ", không có giá trị nào");
    Some(format!("{vi}{rest}"))
}

/// Where `e` is in `text` (the input it was read from), 1-based: serde_json's column 0 (an error
/// just after a newline, such as the end of the input) becomes the place just after the last
/// character of the line before it.
pub fn position(e: &serde_json::Error, text: &[u8]) -> (u64, u64) {
    let (line, column) = (e.line() as u64, e.column() as u64);
    if column > 0 || line <= 1 {
        return (line.max(1), column.max(1));
    }
    let previous = text.split(|b| *b == b'\n').nth(line as usize - 2).unwrap_or_default();
    let previous = previous.strip_suffix(b"\r").unwrap_or(previous);
    (line - 1, previous.len() as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> serde_json::Error {
        serde_json::from_str::<serde_json::Value>(text).unwrap_err()
    }

    #[test]
    fn an_end_of_input_after_a_newline_is_placed_at_the_end_of_the_line_before() {
        let text = "{\"a\":\n";
        let e = error_of(text);
        assert_eq!((e.line(), e.column()), (2, 0), "serde_json's own count");
        assert_eq!(position(&e, text.as_bytes()), (1, 6));
        let text = "{\r\n  \"a\": [1,\r\n";
        assert_eq!(position(&error_of(text), text.as_bytes()), (2, 11));
        let text = "{\"a\": x}";
        assert_eq!(position(&error_of(text), text.as_bytes()), (1, 7), "other places are serde_json's");
    }

    #[test]
    fn reasons_are_in_both_languages() {
        assert_eq!(
            reason(&error_of("{\"a\":")),
            Text::new("EOF while parsing a value", "tệp kết thúc khi còn chờ một giá trị")
        );
        let e = serde_json::from_str::<std::collections::BTreeMap<String, u16>>("{\"a\": \"200\"}").unwrap_err();
        assert_eq!(
            reason(&e),
            Text::new("invalid type: string \"200\", expected u16", "sai kiểu: string \"200\", cần u16")
        );
        assert_eq!(reason_of("something new"), Text::new("something new", "something new"));
    }
}
