//! The SSH transport as far as tuanthu speaks it (RFC 4253): the identification exchange and
//! unencrypted binary packets, before any key is in use. Everything the peer sends is bounded —
//! bytes per connection, lines before the identification, packet length — and no size the peer
//! states is trusted before it is checked.

use crate::collect::net::{self, Connection};
use crate::evidence::{ErrorClass, ProbeError};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Longest identification line accepted, CR LF included (RFC 4253 §4.2 says 255; some servers
/// send longer comments, which are harmless once capped).
pub const MAX_BANNER_LINE: usize = 1024;
/// Most lines a server may send before its identification (OpenSSH's client accepts 1024).
pub const MAX_PRE_BANNER_LINES: usize = 1024;
/// Longest packet accepted (RFC 4253 §6.1: implementations must handle 35000 bytes).
pub const MAX_PACKET: usize = 35_000;

pub const MSG_DISCONNECT: u8 = 1;
pub const MSG_IGNORE: u8 = 2;
pub const MSG_UNIMPLEMENTED: u8 = 3;
pub const MSG_DEBUG: u8 = 4;

/// One connection's reading side: a buffer of what arrived and not yet consumed.
pub struct Wire {
    conn: Connection,
    buf: Vec<u8>,
    read: usize,
    max_bytes: usize,
    timeout: Duration,
}

fn protocol(msg: impl Into<String>) -> ProbeError {
    net::error(ErrorClass::Protocol, msg)
}

impl Wire {
    pub fn new(conn: Connection, max_bytes: usize, timeout: Duration) -> Wire {
        Wire { conn, buf: Vec::new(), read: 0, max_bytes, timeout }
    }

    /// Reads more bytes into the buffer; end of stream is an error (every caller needs more).
    async fn fill(&mut self) -> Result<(), ProbeError> {
        if self.read >= self.max_bytes {
            return Err(net::error(
                ErrorClass::TooLarge,
                format!("the server sent more than {} bytes before its key exchange reply", self.max_bytes),
            ));
        }
        let mut chunk = vec![0u8; 4096.min(self.max_bytes - self.read)];
        let n = net::read_some(&mut self.conn.stream, &mut chunk, self.timeout).await?;
        if n == 0 {
            return Err(net::error(ErrorClass::Closed, "the server closed the connection"));
        }
        self.read += n;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), ProbeError> {
        match tokio::time::timeout(self.timeout, self.conn.stream.write_all(bytes)).await {
            Err(_) => Err(net::error(ErrorClass::Timeout, "the server did not accept our data in time")),
            Ok(Err(e)) => Err(net::io_error(&e, "write failed")),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// One line, without its CR LF (or bare LF), at most `max` bytes with the terminator.
    async fn line(&mut self, max: usize) -> Result<Vec<u8>, ProbeError> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                if i + 1 > max {
                    break;
                }
                let mut line: Vec<u8> = self.buf.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() >= max {
                break;
            }
            self.fill().await?;
        }
        Err(protocol(format!("the server sent a line longer than {max} bytes before its SSH identification")))
    }

    /// The server's identification line (RFC 4253 §4.2), skipping the lines it may send first.
    pub async fn identification(&mut self) -> Result<String, ProbeError> {
        for _ in 0..=MAX_PRE_BANNER_LINES {
            let line = self.line(MAX_BANNER_LINE).await?;
            if line.starts_with(b"SSH-") {
                return Ok(crate::sanitize::one_line(&String::from_utf8_lossy(&line)));
            }
        }
        Err(protocol(format!(
            "no SSH identification within the first {MAX_PRE_BANNER_LINES} lines (not an SSH server?)"
        )))
    }

    /// The payload of the next unencrypted packet (RFC 4253 §6) that is not IGNORE, DEBUG or
    /// UNIMPLEMENTED; a DISCONNECT is an error with the server's reason.
    pub async fn packet(&mut self) -> Result<Vec<u8>, ProbeError> {
        loop {
            let payload = self.raw_packet().await?;
            match payload.first() {
                Some(&(MSG_IGNORE | MSG_DEBUG | MSG_UNIMPLEMENTED)) => continue,
                Some(&MSG_DISCONNECT) => return Err(disconnect(&payload)),
                Some(_) => return Ok(payload),
                None => return Err(protocol("the server sent an empty packet")),
            }
        }
    }

    async fn raw_packet(&mut self) -> Result<Vec<u8>, ProbeError> {
        while self.buf.len() < 5 {
            self.fill().await?;
        }
        let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
        let padding = self.buf[4] as usize;
        if !(5..=MAX_PACKET).contains(&len) || padding + 1 > len {
            return Err(protocol(format!(
                "the server sent a packet of length {len} with {padding} bytes of padding (not an SSH binary packet)"
            )));
        }
        while self.buf.len() < 4 + len {
            self.fill().await?;
        }
        let payload = self.buf[5..4 + len - padding].to_vec();
        self.buf.drain(..4 + len);
        Ok(payload)
    }

    /// Sends one unencrypted packet: padded to a multiple of 8 with at least 4 bytes (§6).
    pub async fn send(&mut self, payload: &[u8]) -> Result<(), ProbeError> {
        let mut padding = 8 - (5 + payload.len()) % 8;
        if padding < 4 {
            padding += 8;
        }
        let mut out = Vec::with_capacity(5 + payload.len() + padding);
        out.extend_from_slice(&((1 + payload.len() + padding) as u32).to_be_bytes());
        out.push(padding as u8);
        out.extend_from_slice(payload);
        out.resize(out.len() + padding, 0);
        self.write(&out).await
    }

    /// Says goodbye before closing (SSH_DISCONNECT_BY_APPLICATION), so the server logs a clean
    /// disconnect rather than a dropped connection; a failure changes nothing.
    pub async fn close(mut self) {
        let mut msg = vec![MSG_DISCONNECT];
        put_u32(&mut msg, 11);
        put_string(&mut msg, b"tuanthu: probe done");
        put_string(&mut msg, b"");
        let _ = self.send(&msg).await;
        let _ = self.conn.stream.shutdown().await;
    }
}

fn disconnect(payload: &[u8]) -> ProbeError {
    let mut r = Reader::new(&payload[1..]);
    let code = r.u32().unwrap_or(0);
    let text = r.string().map(|s| crate::sanitize::one_line(&String::from_utf8_lossy(s))).unwrap_or_default();
    net::error(
        ErrorClass::Protocol,
        format!("the server disconnected (reason {code}): {}", crate::sanitize::truncate(&text, 200)),
    )
}

pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s);
}

/// An mpint (RFC 4251 §5) of a non-negative big-endian number.
pub fn put_mpint(out: &mut Vec<u8>, n: &[u8]) {
    let n = &n[n.iter().take_while(|&&b| b == 0).count()..];
    if n.first().is_some_and(|&b| b & 0x80 != 0) {
        put_u32(out, n.len() as u32 + 1);
        out.push(0);
        out.extend_from_slice(n);
    } else {
        put_string(out, n);
    }
}

/// Reads RFC 4251 §5 data types from a payload, refusing any length past its end.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data }
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], ProbeError> {
        if n > self.data.len() {
            return Err(protocol(format!("a field of {n} bytes runs past the end of the packet")));
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    pub fn u8(&mut self) -> Result<u8, ProbeError> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, ProbeError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn string(&mut self) -> Result<&'a [u8], ProbeError> {
        let n = self.u32()? as usize;
        self.bytes(n)
    }

    /// A name-list: comma-separated US-ASCII names (control characters removed).
    pub fn name_list(&mut self) -> Result<Vec<String>, ProbeError> {
        let s = self.string()?;
        if s.is_empty() {
            return Ok(Vec::new());
        }
        Ok(String::from_utf8_lossy(s)
            .split(',')
            .map(|n| crate::sanitize::truncate(&crate::sanitize::one_line(n), 128))
            .collect())
    }

    /// The bit length of an mpint (its sign ignored: keys are positive).
    pub fn mpint_bits(&mut self) -> Result<u32, ProbeError> {
        let b = self.string()?;
        let b = &b[b.iter().take_while(|&&x| x == 0).count()..];
        Ok(match b.first() {
            None => 0,
            Some(&top) => (b.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_refuse_lengths_past_the_end() {
        let mut r = Reader::new(&[0, 0, 0, 9, b'a']);
        assert_eq!(r.string().unwrap_err().message, "a field of 9 bytes runs past the end of the packet");
        let mut r = Reader::new(&[0, 0, 0, 3, 0, 0x81, 0x00]);
        assert_eq!(r.mpint_bits().unwrap(), 16);
        let mut out = Vec::new();
        put_mpint(&mut out, &[0, 0x80, 1]);
        assert_eq!(out, vec![0, 0, 0, 3, 0, 0x80, 1]);
    }
}
