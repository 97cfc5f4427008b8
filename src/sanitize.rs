//! Scanned data is hostile: banners, certificate fields and script output are written by whoever
//! runs the scanned host. Everything that came from outside passes through [`clean`] before it
//! reaches a terminal, a log or a text report, so escape sequences (colour changes, title setting,
//! screen clearing, OSC 8 links) cannot act on the reader's terminal.

/// Replaces C0 and C1 control characters (except tab and newline) and Unicode bidi overrides with
/// U+FFFD, so the text shows what was received without being interpreted.
pub fn clean(s: &str) -> String {
    if !s.chars().any(is_dangerous) {
        return s.to_string();
    }
    s.chars().map(|c| if is_dangerous(c) { '\u{FFFD}' } else { c }).collect()
}

/// Like [`clean`], but also folds newlines and tabs into spaces: for one-line cells and log lines.
pub fn one_line(s: &str) -> String {
    clean(s).replace(['\n', '\r', '\t'], " ")
}

/// Escapes text for HTML and XML alike: control characters (terminal escapes, NUL…) and bidi
/// overrides are replaced first by [`clean`], then `& < > " '` become entities. U+FFFE and
/// U+FFFF, which XML forbids, become U+FFFD too.
pub fn markup(s: &str) -> String {
    let clean = clean(s);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Cuts `s` to at most `max` characters, marking the cut.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

fn is_dangerous(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        // C0 controls, DEL, C1 controls (CSI 0x9b and OSC 0x9d act like ESC [ and ESC ]).
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidirectional overrides and isolates can reorder what the reader sees (CVE-2021-42574).
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_terminal_escapes() {
        let evil = "nginx\x1b]0;pwned\x07\x1b[2J\u{9b}31m";
        let out = clean(evil);
        assert!(!out.contains('\x1b'));
        assert!(!out.contains('\x07'));
        assert!(!out.contains('\u{9b}'));
        assert!(out.starts_with("nginx"));
    }

    #[test]
    fn keeps_vietnamese_and_newlines() {
        assert_eq!(clean("Cổng dịch vụ công\ntỉnh"), "Cổng dịch vụ công\ntỉnh");
        assert_eq!(one_line("a\nb\tc"), "a b c");
    }

    #[test]
    fn strips_bidi_overrides() {
        assert!(!clean("abc\u{202e}def").contains('\u{202e}'));
    }

    #[test]
    fn truncates_on_char_boundary() {
        assert_eq!(truncate("Việt Nam", 3), "Việ…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
