//! Hand-built ClientHellos. rustls speaks only TLS 1.2/1.3 with modern suites, so the enumerator
//! writes its own hellos to offer any version and any cipher code point: an SSLv2 CLIENT-HELLO,
//! SSLv3–TLS 1.2 hellos, and a TLS 1.3 hello (supported_versions + an x25519 key share).
//! No handshake is ever completed with them: the ServerHello flight is all the enumerator needs.

use super::version::{SSL2, SSL3, TLS10, TLS12, TLS13};

/// Most suites in one hello: some servers and middleboxes mishandle longer suite lists. With 120
/// suites a TLS 1.2 hello is about 400 bytes, padded to 512.
pub const MAX_SUITES: usize = 120;

mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const EC_POINT_FORMATS: u16 = 11;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const PADDING: u16 = 21;
    pub const SUPPORTED_VERSIONS: u16 = 43;
    pub const KEY_SHARE: u16 = 51;
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

pub const X25519: u16 = 0x001d;
/// Elliptic-curve groups offered in every hello: the common ones first, then the older curves
/// static-ECDH and legacy servers may insist on.
const EC_GROUPS: [u16; 9] = [X25519, 0x0017, 0x0018, 0x0019, 0x001e, 0x0016, 0x0015, 0x0013, 0x001a];
/// RFC 7919 groups, offered only in the TLS 1.3 hello: a TLS ≤ 1.2 server that honours RFC 7919
/// would pick ffdhe2048 for a client that offers it, and hide the weaker group it gives to the
/// legacy clients the DH_WEAK fact is about.
const FFDHE_GROUPS: [u16; 5] = [0x0100, 0x0101, 0x0102, 0x0103, 0x0104];

/// Signature schemes, SHA-1 ones included so that servers with only SHA-1 capable keys answer.
const SIGNATURE_SCHEMES: [u16; 17] = [
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601,
    0x0201, 0x0203, 0x0202,
];

/// Random bytes from the aws-lc-rs generator rustls already links. A failing generator leaves
/// zeros: a probe hello needs no secrecy, only well-formed bytes.
pub fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    let _ = rustls::crypto::aws_lc_rs::default_provider().secure_random.fill(&mut out);
    out
}

/// A ClientHello record offering `version` and `suites` (at most [`MAX_SUITES`] are used).
/// `sni` is sent when given (it must be a DNS name, never an IP literal: RFC 6066).
pub fn client_hello(version: u16, suites: &[u16], sni: Option<&str>) -> Vec<u8> {
    client_hello_with(version, suites, sni, &random(), &random())
}

/// [`client_hello`] with fixed random bytes (client random, and the TLS 1.3 key share and
/// session id), so tests can compare encodings.
pub fn client_hello_with(
    version: u16,
    suites: &[u16],
    sni: Option<&str>,
    rand: &[u8; 32],
    share: &[u8; 32],
) -> Vec<u8> {
    let tls13 = version >= TLS13;
    let mut body = Vec::with_capacity(512);
    // TLS 1.3 negotiates in supported_versions; its legacy_version field stays TLS 1.2.
    put_u16(&mut body, version.min(TLS12));
    body.extend_from_slice(rand);
    // TLS 1.3 middlebox compatibility mode (RFC 8446 D.4) wants a non-empty session id.
    let session_id: &[u8] = if tls13 { share } else { &[] };
    body.push(session_id.len() as u8);
    body.extend_from_slice(session_id);
    let suites = &suites[..suites.len().min(MAX_SUITES)];
    with_u16_len(&mut body, |b| suites.iter().for_each(|&s| put_u16(b, s)));
    body.extend_from_slice(&[1, 0]); // compression methods: null only
    let mut exts = extensions(version, sni, share);
    pad(&mut exts, body.len());
    with_u16_len(&mut body, |b| b.extend_from_slice(&exts));
    record(0x16, version, &handshake(1, &body))
}

fn extensions(version: u16, sni: Option<&str>, share: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    if let Some(host) = sni.map(|h| h.trim_end_matches('.')).filter(|h| !h.is_empty() && h.len() <= 255) {
        extension(&mut out, ext::SERVER_NAME, |b| {
            with_u16_len(b, |b| {
                b.push(0); // host_name
                with_u16_len(b, |b| b.extend_from_slice(host.as_bytes()));
            })
        });
    }
    let groups: Vec<u16> =
        if version >= TLS13 { EC_GROUPS.iter().chain(&FFDHE_GROUPS).copied().collect() } else { EC_GROUPS.to_vec() };
    extension(&mut out, ext::SUPPORTED_GROUPS, |b| with_u16_len(b, |b| groups.iter().for_each(|&g| put_u16(b, g))));
    extension(&mut out, ext::EC_POINT_FORMATS, |b| b.extend_from_slice(&[1, 0]));
    // RFC 5246 7.4.1.4.1: signature_algorithms must not be offered with versions before 1.2.
    if version >= TLS12 {
        extension(&mut out, ext::SIGNATURE_ALGORITHMS, |b| {
            with_u16_len(b, |b| SIGNATURE_SCHEMES.iter().for_each(|&s| put_u16(b, s)))
        });
    }
    if version >= TLS13 {
        extension(&mut out, ext::SUPPORTED_VERSIONS, |b| b.extend_from_slice(&[2, 0x03, 0x04]));
        // Any 32 bytes are an x25519 public key; the handshake is never finished.
        extension(&mut out, ext::KEY_SHARE, |b| {
            with_u16_len(b, |b| {
                put_u16(b, X25519);
                with_u16_len(b, |b| b.extend_from_slice(share));
            })
        });
    } else {
        // Empty renegotiation_info (RFC 5746): some servers refuse clients without it.
        extension(&mut out, ext::RENEGOTIATION_INFO, |b| b.push(0));
    }
    out
}

/// Adds an RFC 7685 padding extension when the ClientHello handshake message would be 256–511
/// bytes long: some F5 load balancers hang on exactly those lengths. Padded to 512, as browsers do.
fn pad(exts: &mut Vec<u8>, body_len_before_exts: usize) {
    // 4 bytes of handshake header, 2 of extensions length.
    let len = 4 + body_len_before_exts + 2 + exts.len();
    if !(256..512).contains(&len) {
        return;
    }
    let fill = (512 - len).saturating_sub(4).max(1);
    extension(exts, ext::PADDING, |b| b.resize(b.len() + fill, 0));
}

/// An SSLv2 CLIENT-HELLO (2-byte record header) offering every SSLv2 cipher kind.
pub fn ssl2_client_hello() -> Vec<u8> {
    ssl2_client_hello_with(&random())
}

pub fn ssl2_client_hello_with(challenge: &[u8; 16]) -> Vec<u8> {
    let specs: Vec<u8> = super::suites::SSL2_CIPHERS.iter().flat_map(|c| c.code).collect();
    let mut msg = vec![1]; // MSG-CLIENT-HELLO
    put_u16(&mut msg, SSL2);
    put_u16(&mut msg, specs.len() as u16);
    put_u16(&mut msg, 0); // session id length
    put_u16(&mut msg, challenge.len() as u16);
    msg.extend_from_slice(&specs);
    msg.extend_from_slice(challenge);
    let mut out = Vec::with_capacity(msg.len() + 2);
    put_u16(&mut out, 0x8000 | msg.len() as u16);
    out.extend_from_slice(&msg);
    out
}

/// A TLS record. ClientHellos go in TLS 1.0 records (SSLv3 ones in SSLv3 records): the record
/// version some old servers check is the lowest the client accepts.
pub fn record(content_type: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5);
    out.push(content_type);
    put_u16(&mut out, version.clamp(SSL3, TLS10));
    with_u16_len(&mut out, |b| b.extend_from_slice(payload));
    out
}

/// A handshake message: type, 24-bit length, body.
pub fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(msg_type);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn extension(out: &mut Vec<u8>, ext_type: u16, data: impl FnOnce(&mut Vec<u8>)) {
    put_u16(out, ext_type);
    with_u16_len(out, data);
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Writes `data` preceded by its 16-bit length. Every caller writes far less than 64 KiB.
fn with_u16_len(out: &mut Vec<u8>, data: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend_from_slice(&[0, 0]);
    data(out);
    let len = (out.len() - at - 2) as u16;
    out[at..at + 2].copy_from_slice(&len.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_parser::{TlsExtension, TlsMessage, TlsMessageHandshake, TlsVersion};

    const RAND: [u8; 32] = [7; 32];
    const SHARE: [u8; 32] = [9; 32];

    /// Parses a hello back with tls-parser: (record version, hello version, suites, extensions).
    fn parse(bytes: &[u8]) -> (u16, u16, Vec<u16>, Vec<u8>, usize) {
        let (rest, rec) = tls_parser::parse_tls_plaintext(bytes).expect("a valid record");
        assert!(rest.is_empty(), "one record, nothing after it");
        let [TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch))] = rec.msg.as_slice() else {
            panic!("not a ClientHello: {:?}", rec.msg)
        };
        let suites = ch.ciphers.iter().map(|c| c.0).collect();
        let hs_len = bytes.len() - 5;
        (rec.hdr.version.0, ch.version.0, suites, ch.ext.unwrap_or_default().to_vec(), hs_len)
    }

    fn exts(raw: &[u8]) -> Vec<TlsExtension<'_>> {
        let (rest, v) = tls_parser::parse_tls_client_hello_extensions(raw).unwrap();
        assert!(rest.is_empty());
        v
    }

    #[test]
    fn tls12_hello_round_trips_through_tls_parser() {
        let suites = [0xC02F, 0x009C, 0x000A];
        let bytes = client_hello_with(TLS12, &suites, Some("portal.example.gov.vn."), &RAND, &SHARE);
        let (rec_ver, ver, got, ext, _) = parse(&bytes);
        assert_eq!((rec_ver, ver), (TLS10, TLS12));
        assert_eq!(got, suites);
        let e = exts(&ext);
        assert!(
            e.contains(&TlsExtension::SNI(vec![(tls_parser::SNIType::HostName, b"portal.example.gov.vn".as_ref())]))
        );
        let groups = e.iter().find_map(|x| if let TlsExtension::EllipticCurves(g) = x { Some(g) } else { None });
        let groups: Vec<u16> = groups.unwrap().iter().map(|g| g.0).collect();
        assert_eq!(&groups[..4], &[0x001d, 0x0017, 0x0018, 0x0019]);
        let sigs = e.iter().find_map(|x| if let TlsExtension::SignatureAlgorithms(s) = x { Some(s) } else { None });
        assert!(sigs.unwrap().contains(&0x0201), "SHA-1 RSA scheme offered");
        assert!(!e.iter().any(|x| matches!(x, TlsExtension::SupportedVersions(_) | TlsExtension::KeyShare(_))));
    }

    #[test]
    fn legacy_hellos_use_their_own_version_and_no_signature_algorithms() {
        let (rec_ver, ver, _, ext, _) = parse(&client_hello_with(SSL3, &[0x0005], None, &RAND, &SHARE));
        assert_eq!((rec_ver, ver), (SSL3, SSL3));
        let e = exts(&ext);
        assert!(!e.iter().any(|x| matches!(x, TlsExtension::SNI(_) | TlsExtension::SignatureAlgorithms(_))));
        let (_, ver, _, _, _) = parse(&client_hello_with(TLS10, &[0x0005], None, &RAND, &SHARE));
        assert_eq!(ver, TLS10);
    }

    #[test]
    fn tls13_hello_offers_only_tls13_with_an_x25519_share() {
        let suites = [0x1301, 0x1302, 0x1303];
        let bytes = client_hello_with(TLS13, &suites, Some("a.example"), &RAND, &SHARE);
        let (_, ver, got, ext, _) = parse(&bytes);
        assert_eq!((ver, got), (TLS12, suites.to_vec()));
        let e = exts(&ext);
        assert!(e.contains(&TlsExtension::SupportedVersions(vec![TlsVersion(TLS13)])));
        let share = e.iter().find_map(|x| if let TlsExtension::KeyShare(k) = x { Some(*k) } else { None }).unwrap();
        assert_eq!(&share[..6], &[0, 36, 0x00, 0x1d, 0, 32]);
        assert_eq!(&share[6..], &SHARE);
        let groups = e.iter().find_map(|x| if let TlsExtension::EllipticCurves(g) = x { Some(g) } else { None });
        assert!(groups.unwrap().iter().any(|g| g.0 == 0x0100), "ffdhe2048 offered with TLS 1.3");
    }

    #[test]
    fn hellos_avoid_the_256_to_511_byte_range_and_cap_suites() {
        for n in 0..=MAX_SUITES + 10 {
            let suites: Vec<u16> = (0..n as u16).map(|i| 0xC000 + i).collect();
            for v in [SSL3, TLS10, TLS12, TLS13] {
                let bytes = client_hello_with(v, &suites, Some("host.example.gov.vn"), &RAND, &SHARE);
                let (_, _, got, _, hs_len) = parse(&bytes);
                assert!(!(256..512).contains(&hs_len), "{n} suites, version {v:#x}: {hs_len} bytes");
                assert_eq!(got.len(), n.min(MAX_SUITES));
            }
        }
    }

    #[test]
    fn ssl2_hello_is_well_formed() {
        let b = ssl2_client_hello_with(&[5; 16]);
        assert_eq!(b.len(), 2 + 9 + 21 + 16);
        assert_eq!(u16::from_be_bytes([b[0], b[1]]), 0x8000 | (b.len() as u16 - 2));
        assert_eq!(&b[2..11], &[1, 0x00, 0x02, 0, 21, 0, 0, 0, 16]);
        assert_eq!(&b[11..14], &[0x01, 0x00, 0x80]);
        assert_eq!(&b[32..], &[5; 16]);
    }
}
