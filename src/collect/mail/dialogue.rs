//! The plaintext dialogues that upgrade a mail connection to TLS: SMTP (RFC 3207: EHLO, the
//! `STARTTLS` keyword, `STARTTLS` → 220), IMAP (RFC 9051: `CAPABILITY` lists `STARTTLS`,
//! `STARTTLS` → tagged OK) and POP3 (RFC 2595: `CAPA` lists `STLS`, `STLS` → `+OK`).
//!
//! The server is hostile until proven otherwise: every line is capped ([`MAX_LINE`]), every reply
//! ([`MAX_REPLY_LINES`]) and the whole dialogue ([`MAX_DIALOGUE_BYTES`]), each read waits at most
//! the read timeout and the whole dialogue at most [`DIALOGUE_READS`] read timeouts, so an endless,
//! huge or trickled greeting ends in a `too-large` or `timeout` error instead of holding the probe.
//! Bytes sent after the server accepted STARTTLS and before the handshake are refused: they would
//! be read as part of the TLS session (the STARTTLS command-injection flaw, CVE-2011-0411).

use crate::collect::net::{self, Connection, Limits};
use crate::evidence::{ErrorClass, ProbeError};
use crate::inventory::Starttls;
use tokio::io::AsyncWriteExt;

/// Longest line accepted. SMTP replies are at most 512 bytes (RFC 5321 4.5.3.1.5); IMAP
/// capability lines of real servers stay under 2 KiB.
pub const MAX_LINE: usize = 8 << 10;
/// Most lines in one reply (an EHLO answer has a dozen, a CAPA list about as many).
pub const MAX_REPLY_LINES: usize = 128;
/// Most bytes read in the whole dialogue.
pub const MAX_DIALOGUE_BYTES: usize = 64 << 10;
/// The whole dialogue may last this many read timeouts (greeting, capabilities, upgrade, and a
/// margin for servers that delay their greeting on purpose).
pub const DIALOGUE_READS: u32 = 4;
/// Most characters of a server line quoted in an error.
const QUOTED: usize = 120;

/// How the dialogue ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upgrade {
    /// The server accepted STARTTLS: the next bytes on the connection are the TLS handshake.
    Ready,
    /// The server does not offer STARTTLS (the reason, for people: what it listed instead).
    NotOffered(String),
}

/// Runs the dialogue of `protocol` on a fresh connection, within the caps and timeouts.
pub async fn starttls(conn: &mut Connection, protocol: Starttls, limits: &Limits) -> Result<Upgrade, ProbeError> {
    let whole = limits.read_timeout * DIALOGUE_READS;
    let run = async {
        let mut lines = Lines::new(limits);
        match protocol {
            Starttls::Smtp => smtp(conn, &mut lines).await,
            Starttls::Imap => imap(conn, &mut lines).await,
            Starttls::Pop3 => pop3(conn, &mut lines).await,
        }
    };
    match tokio::time::timeout(whole, run).await {
        Ok(r) => r,
        Err(_) => Err(net::error(
            ErrorClass::Timeout,
            format!("the {} dialogue did not end within {} s", protocol.as_str(), whole.as_secs_f32()),
        )),
    }
}

async fn smtp(conn: &mut Connection, lines: &mut Lines) -> Result<Upgrade, ProbeError> {
    let greeting = smtp_reply(conn, lines).await?;
    if greeting.code != 220 {
        return Err(refused("SMTP greeting", &greeting.last));
    }
    // RFC 5321 4.1.4: a client without a name it can vouch for greets with its address literal.
    let me = match conn.stream.local_addr() {
        Ok(a) if a.is_ipv6() => format!("[IPv6:{}]", a.ip()),
        Ok(a) => format!("[{}]", a.ip()),
        Err(_) => "[127.0.0.1]".to_string(),
    };
    send(conn, &format!("EHLO {me}\r\n")).await?;
    let ehlo = smtp_reply(conn, lines).await?;
    if ehlo.code != 250 {
        // No ESMTP, so no extensions at all: STARTTLS is not offered.
        quit(conn, "QUIT\r\n").await;
        return Ok(Upgrade::NotOffered(format!("EHLO was refused: {}", quote(&ehlo.last))));
    }
    if !ehlo.texts.iter().any(|t| first_word_is(t, "STARTTLS")) {
        quit(conn, "QUIT\r\n").await;
        return Ok(Upgrade::NotOffered("the EHLO reply does not list STARTTLS".into()));
    }
    send(conn, "STARTTLS\r\n").await?;
    let answer = smtp_reply(conn, lines).await?;
    if answer.code != 220 {
        return Err(offered_then_refused(&answer.last));
    }
    lines.ready()
}

async fn imap(conn: &mut Connection, lines: &mut Lines) -> Result<Upgrade, ProbeError> {
    let greeting = lines.line(conn).await?;
    if !(starts_with_ci(&greeting, "* OK") || starts_with_ci(&greeting, "* PREAUTH")) {
        return Err(refused("IMAP greeting", &greeting));
    }
    send(conn, "a CAPABILITY\r\n").await?;
    let (untagged, done) = imap_reply(conn, lines, "a").await?;
    if !starts_with_ci(&done, "a OK") {
        return Err(refused("IMAP CAPABILITY", &done));
    }
    let offered = untagged
        .iter()
        .filter(|l| starts_with_ci(l, "* CAPABILITY"))
        .flat_map(|l| l.split_ascii_whitespace())
        .any(|w| w.eq_ignore_ascii_case("STARTTLS"));
    if !offered {
        quit(conn, "z LOGOUT\r\n").await;
        return Ok(Upgrade::NotOffered("the CAPABILITY reply does not list STARTTLS".into()));
    }
    send(conn, "b STARTTLS\r\n").await?;
    let (_, done) = imap_reply(conn, lines, "b").await?;
    if !starts_with_ci(&done, "b OK") {
        return Err(offered_then_refused(&done));
    }
    lines.ready()
}

async fn pop3(conn: &mut Connection, lines: &mut Lines) -> Result<Upgrade, ProbeError> {
    let greeting = lines.line(conn).await?;
    if !starts_with_ci(&greeting, "+OK") {
        return Err(refused("POP3 greeting", &greeting));
    }
    send(conn, "CAPA\r\n").await?;
    let status = lines.line(conn).await?;
    if !starts_with_ci(&status, "+OK") {
        // RFC 2595 advertises STLS through CAPA (RFC 2449): no CAPA, nothing advertised.
        quit(conn, "QUIT\r\n").await;
        return Ok(Upgrade::NotOffered(format!("CAPA was refused: {}", quote(&status))));
    }
    let mut offered = false;
    let mut count = 0;
    loop {
        let line = lines.line(conn).await?;
        if line == "." {
            break;
        }
        count += 1;
        if count > MAX_REPLY_LINES {
            return Err(too_many_lines());
        }
        offered |= first_word_is(&line, "STLS");
    }
    if !offered {
        quit(conn, "QUIT\r\n").await;
        return Ok(Upgrade::NotOffered("the CAPA list does not name STLS".into()));
    }
    send(conn, "STLS\r\n").await?;
    let answer = lines.line(conn).await?;
    if !starts_with_ci(&answer, "+OK") {
        return Err(offered_then_refused(&answer));
    }
    lines.ready()
}

/// A complete SMTP reply: its code, the text of each line, and the last line as received.
struct SmtpReply {
    code: u16,
    texts: Vec<String>,
    last: String,
}

/// Reads lines `NNN-text` until `NNN text` (RFC 5321 4.2.1).
async fn smtp_reply(conn: &mut Connection, lines: &mut Lines) -> Result<SmtpReply, ProbeError> {
    let mut texts = Vec::new();
    loop {
        let line = lines.line(conn).await?;
        let code = line.get(..3).and_then(|c| c.parse::<u16>().ok()).filter(|c| (200..600).contains(c));
        let Some(code) = code else {
            return Err(net::error(ErrorClass::Protocol, format!("not an SMTP reply: {}", quote(&line))));
        };
        let (more, text) = match line.as_bytes().get(3) {
            Some(b'-') => (true, &line[4..]),
            Some(b' ') => (false, &line[4..]),
            None => (false, ""),
            Some(_) => return Err(net::error(ErrorClass::Protocol, format!("not an SMTP reply: {}", quote(&line)))),
        };
        texts.push(text.to_string());
        if !more {
            return Ok(SmtpReply { code, texts, last: line });
        }
        if texts.len() >= MAX_REPLY_LINES {
            return Err(too_many_lines());
        }
    }
}

/// Reads untagged lines until the line tagged `tag`; returns both.
async fn imap_reply(conn: &mut Connection, lines: &mut Lines, tag: &str) -> Result<(Vec<String>, String), ProbeError> {
    let mut untagged = Vec::new();
    loop {
        let line = lines.line(conn).await?;
        if line.split_ascii_whitespace().next() == Some(tag) {
            return Ok((untagged, line));
        }
        untagged.push(line);
        if untagged.len() >= MAX_REPLY_LINES {
            return Err(too_many_lines());
        }
    }
}

/// Reads CRLF- (or LF-) terminated lines within the caps, keeping bytes read past the last line
/// so that bytes sent ahead of the handshake are noticed.
struct Lines {
    buf: Vec<u8>,
    read: usize,
    timeout: std::time::Duration,
}

impl Lines {
    fn new(limits: &Limits) -> Lines {
        Lines { buf: Vec::new(), read: 0, timeout: limits.read_timeout }
    }

    async fn line(&mut self, conn: &mut Connection) -> Result<String, ProbeError> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                if end > MAX_LINE {
                    return Err(line_too_long());
                }
                let raw: Vec<u8> = self.buf.drain(..=end).collect();
                let text = String::from_utf8_lossy(&raw);
                return Ok(text.trim_end_matches(['\r', '\n']).to_string());
            }
            if self.buf.len() > MAX_LINE {
                return Err(line_too_long());
            }
            let mut chunk = [0u8; 4096];
            let n = net::read_some(&mut conn.stream, &mut chunk, self.timeout).await?;
            if n == 0 {
                return Err(net::error(ErrorClass::Closed, "the server closed the connection mid-dialogue"));
            }
            self.read += n;
            if self.read > MAX_DIALOGUE_BYTES {
                return Err(net::error(
                    ErrorClass::TooLarge,
                    format!("the server sent more than {MAX_DIALOGUE_BYTES} bytes before TLS"),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// The upgrade was accepted: nothing may follow before the client's hello.
    fn ready(&self) -> Result<Upgrade, ProbeError> {
        if self.buf.is_empty() {
            return Ok(Upgrade::Ready);
        }
        Err(net::error(
            ErrorClass::Protocol,
            format!(
                "the server sent {} bytes after accepting STARTTLS, before the TLS handshake (command injection risk, CVE-2011-0411)",
                self.buf.len()
            ),
        ))
    }
}

async fn send(conn: &mut Connection, line: &str) -> Result<(), ProbeError> {
    // A server that never reads could block the write once buffers fill: the dialogue's own
    // deadline bounds it.
    match conn.stream.write_all(line.as_bytes()).await {
        Ok(()) => Ok(()),
        Err(e) => Err(net::io_error(&e, "cannot send the mail command")),
    }
}

/// Says goodbye politely where the protocol has a way; failures do not matter any more.
async fn quit(conn: &mut Connection, command: &str) {
    let _ = conn.stream.write_all(command.as_bytes()).await;
}

fn first_word_is(text: &str, word: &str) -> bool {
    text.split_ascii_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case(word))
}

fn starts_with_ci(line: &str, prefix: &str) -> bool {
    line.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// A server line as it may appear in a message: one line, no control characters, capped.
fn quote(line: &str) -> String {
    format!("`{}`", crate::sanitize::truncate(&crate::sanitize::one_line(line), QUOTED))
}

fn refused(step: &str, line: &str) -> ProbeError {
    net::error(ErrorClass::Protocol, format!("unexpected {step}: {}", quote(line)))
}

fn offered_then_refused(line: &str) -> ProbeError {
    net::error(ErrorClass::Tls, format!("the server offered STARTTLS, then refused it: {}", quote(line)))
}

fn line_too_long() -> ProbeError {
    net::error(ErrorClass::TooLarge, format!("the server sent a line longer than {MAX_LINE} bytes"))
}

fn too_many_lines() -> ProbeError {
    net::error(ErrorClass::TooLarge, format!("the server sent a reply of more than {MAX_REPLY_LINES} lines"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_prefixes() {
        assert!(first_word_is("STARTTLS", "starttls"));
        assert!(first_word_is("starttls ", "STARTTLS"));
        assert!(!first_word_is("X-STARTTLS", "STARTTLS"));
        assert!(starts_with_ci("* ok ready", "* OK"));
        assert!(!starts_with_ci("* O", "* OK"));
        assert_eq!(quote("220 hi\x1b[31m"), "`220 hi\u{FFFD}[31m`");
    }
}
