//! The host cutter: a cheap lexer ([`BodyScanner`]) that finds the `</host>` closing a host's start
//! tag without parsing the body, so the host's bytes can be cut out of the stream and parsed on a
//! worker thread ([`super::split`]). It mirrors quick-xml's tokenizer for what it accepts (tags
//! with quoted attributes, end tags, comments, CDATA, processing instructions, text) and declines
//! everything else, so a cut host holds exactly the bytes the streaming parser would read.

use memchr::memmem;

/// Longest host element cut out; longer ones are parsed in the stream
/// (whose memory does not depend on their size).
pub(super) const CUT_CAP: usize = 1024 * 1024;

/// What the lexer found in a host body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    /// The body is this many bytes long, and `</host>` follows it.
    End(usize),
    /// The bytes end before the body does: give more and scan again.
    More,
    /// Something the lexer does not mirror exactly: parse the host in place.
    Decline,
}

/// A comment, CDATA section or processing instruction, as the lexer sees it.
enum Special {
    /// Its length.
    Whole(usize),
    /// Not all of it is there yet.
    Incomplete,
    Decline,
}

/// Finds the end of a `<host>` body: the `</host>` that closes it. Resumable:
/// when [`scan`](Self::scan) says `More`, call it again with the same bytes
/// extended; it goes on from the last whole token.
///
/// It only needs to know where markup starts and ends: `<` always starts
/// markup in text (a raw `<` is not allowed in text or attribute values, and
/// quick-xml treats it as markup anyway), and markup ends where quick-xml
/// ends it: tags and end tags at the first `>` outside single or double
/// quotes (its `ElementParser`), comments at `-->`, CDATA at `]]>`,
/// processing instructions at `?>`.
#[derive(Debug, Default)]
pub(super) struct BodyScanner {
    /// Where scanning resumes: the end of the last whole token.
    pos: usize,
    /// Elements open inside the body.
    depth: usize,
}

impl BodyScanner {
    /// `body`: the bytes right after the host's start tag.
    pub(super) fn scan(&mut self, body: &[u8]) -> Scan {
        // Inside a start or end tag: where it starts, and the open quote (or 0).
        let mut tag: Option<usize> = None;
        let mut quote = 0u8;
        let mut base = self.pos;
        // Blocks of 64 bytes, visiting only the bytes that matter: a search
        // per token (memchr) costs more than this on nmap's dense markup.
        'blocks: while base < body.len() {
            let mut mask = specials(body.get(base..).unwrap_or_default());
            while mask != 0 {
                let i = base + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let Some(&b) = body.get(i) else { break 'blocks };
                match tag {
                    // Text: only `<` matters.
                    None if b != b'<' => {}
                    None => match body.get(i + 1) {
                        None => break 'blocks,
                        Some(b'!' | b'?') => match special(body.get(i..).unwrap_or_default()) {
                            Special::Whole(len) => {
                                self.pos = i + len;
                                base = self.pos;
                                continue 'blocks;
                            }
                            Special::Incomplete => {
                                self.pos = i;
                                return Scan::More;
                            }
                            Special::Decline => return Scan::Decline,
                        },
                        Some(_) => tag = Some(i),
                    },
                    Some(_) if quote != 0 => {
                        if b == quote {
                            quote = 0;
                        }
                    }
                    Some(_) if b == b'"' || b == b'\'' => quote = b,
                    // A `<` inside a tag is part of it, for quick-xml.
                    Some(_) if b == b'<' => {}
                    Some(start) => {
                        // `>`: the end of the tag.
                        tag = None;
                        self.pos = i + 1;
                        if body.get(start + 1) == Some(&b'/') {
                            if self.depth == 0 {
                                // The end tag that closes the host. Anything
                                // but exactly `</host>` (a mismatch, spaces)
                                // is left to the main thread, which reports it
                                // as usual.
                                return match body.get(start..self.pos) {
                                    Some(b"</host>") => Scan::End(start),
                                    _ => Scan::Decline,
                                };
                            }
                            self.depth -= 1;
                        } else if body.get(i - 1) != Some(&b'/') {
                            self.depth += 1;
                        }
                    }
                }
            }
            base += 64;
        }
        // Out of bytes: resume at the unfinished token, or after the text.
        self.pos = match tag {
            Some(start) => start,
            None if body.get(self.pos..).is_some_and(|rest| rest.last() == Some(&b'<')) => body.len() - 1,
            None => body.len(),
        };
        Scan::More
    }
}

/// Bit `i` is set when byte `i` of `bytes` (at most 64 are looked at) is `<`,
/// `>`, `"` or `'`. Written so that the compiler vectorises the comparisons;
/// each 8 of them (0 or 1 per byte) are then packed into 8 bits with one
/// multiplication (bit `k` of byte `k` lands on bit `56 + k`).
fn specials(bytes: &[u8]) -> u64 {
    let mut hits = [0u8; 64];
    for (hit, &b) in hits.iter_mut().zip(bytes) {
        *hit = u8::from(matches!(b, b'<' | b'>' | b'"' | b'\''));
    }
    let mut mask = 0;
    for (g, group) in hits.chunks_exact(8).enumerate() {
        let bytes = u64::from_le_bytes(group.try_into().unwrap_or_default());
        mask |= (bytes.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * g);
    }
    mask
}

/// The comment, CDATA section or processing instruction at the start of
/// `bytes` (which starts with `<!` or `<?`).
fn special(bytes: &[u8]) -> Special {
    if bytes.get(1) == Some(&b'?') { processing_instruction(bytes) } else { bang(bytes) }
}

/// `<?...?>`: ends at the first `?>`, counting the `?` of `<?` (as
/// quick-xml's `PiParser`). `<?>` and XML declarations are declined: the
/// first is an error, the second changes the XML version for what follows.
fn processing_instruction(bytes: &[u8]) -> Special {
    let Some(i) = memmem::find(bytes.get(1..).unwrap_or_default(), b"?>") else {
        return Special::Incomplete;
    };
    let len = i + 3;
    let content = bytes.get(2..len - 2).unwrap_or_default();
    let is_decl = content.starts_with(b"xml") && content.get(3).is_none_or(|&b| is_blank(b));
    if len <= 3 || is_decl { Special::Decline } else { Special::Whole(len) }
}

/// quick-xml's notion of whitespace.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

/// `<!--...-->` or `<![CDATA[...]]>`; anything else starting with `<!` (a
/// DOCTYPE, an error) is declined.
fn bang(bytes: &[u8]) -> Special {
    const COMMENT: &[u8] = b"<!--";
    const CDATA: &[u8] = b"<![CDATA[";
    // quick-xml: a comment needs at least `<!---->`, so its `-->` starts at
    // index 4 or later; CDATA's `]]>` cannot overlap `<![CDATA[`.
    let (open, close) = if bytes.starts_with(COMMENT) {
        (COMMENT.len(), &b"-->"[..])
    } else if bytes.starts_with(CDATA) {
        (CDATA.len(), &b"]]>"[..])
    } else if COMMENT.starts_with(bytes) || CDATA.starts_with(bytes) {
        return Special::Incomplete;
    } else {
        return Special::Decline;
    };
    match memmem::find(bytes.get(open..).unwrap_or_default(), close) {
        Some(i) => Special::Whole(open + i + close.len()),
        None => Special::Incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scans `body` in one go.
    fn scan(body: &str) -> Scan {
        BodyScanner::default().scan(body.as_bytes())
    }

    #[test]
    fn specials_mask() {
        let bytes = b"a<b>\"c'd".repeat(10);
        let mask = specials(&bytes);
        for (i, &b) in bytes.iter().enumerate().take(64) {
            assert_eq!(mask >> i & 1 == 1, matches!(b, b'<' | b'>' | b'"' | b'\''), "byte {i}");
        }
        assert_eq!(specials(b"<"), 1);
        assert_eq!(specials(b""), 0);
    }

    #[test]
    fn finds_the_closing_tag() {
        assert_eq!(scan("</host>"), Scan::End(0));
        assert_eq!(scan("<a/><b x='1'>t</b></host> <host>"), Scan::End(18));
        // A nested host is just an element.
        assert_eq!(scan("<host><host/></host></host>"), Scan::End(20));
    }

    #[test]
    fn markup_inside_quotes_comments_cdata_and_pis_is_not_a_tag() {
        let bodies = [
            r#"<a v="</host>"/><b v='>"</host>'/>"#,
            "<!-- </host> <a> -->",
            "<![CDATA[</host><a>]]>",
            "<?pi </host> > ?>",
            "<e>text &gt; > &amp;</e>",
            // `-->` must not overlap the comment's opening `<!--`.
            "<!---> </host> -->",
        ];
        for body in bodies {
            assert_eq!(scan(&format!("{body}</host>")), Scan::End(body.len()), "{body}");
        }
        // `<!-->` is not a complete comment for quick-xml (it needs `<!---->`).
        assert_eq!(scan("<!--></host>"), Scan::More);
        assert_eq!(scan("<!----></host>"), Scan::End(7));
    }

    #[test]
    fn incomplete_input_asks_for_more_and_resumes() {
        let doc = r#"<port a="1"><!-- c --><![CDATA[x]]><?p q?></port></host>"#;
        let want = Scan::End(doc.len() - "</host>".len());
        for cut in 0..doc.len() {
            let mut scanner = BodyScanner::default();
            let first = scanner.scan(&doc.as_bytes()[..cut]);
            assert_eq!(first, Scan::More, "cut at {cut}");
            assert_eq!(scanner.scan(doc.as_bytes()), want, "cut at {cut}");
        }
    }

    #[test]
    fn declines_what_it_does_not_mirror() {
        let bodies = [
            "<!DOCTYPE x></host>",
            "<!ENTITY x></host>",
            "<!-x--></host>",
            "<![CDATX[ ]]></host>",
            "<?xml version=\"1.1\"?></host>",
            "<?xml?></host>",
            "<?></host>",
            "</hosts>",
            "</host >",
            "</port></host>",
        ];
        for body in bodies {
            assert_eq!(scan(body), Scan::Decline, "{body}");
        }
        // Only a real XML declaration is declined, not a PI named xml-something.
        assert_eq!(scan("<?xml-stylesheet href='x'?></host>"), Scan::End(27));
    }

    #[test]
    fn unterminated_markup_is_incomplete() {
        for body in ["<", "<a", "<a b='>", "</", "<!", "<!-", "<![CDA", "<!-- x", "<?p", "<![CDATA[ ]]"] {
            assert_eq!(scan(body), Scan::More, "{body}");
        }
    }
}
