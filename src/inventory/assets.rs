//! Declared assets: the only things tuanthu may match scan results to or probe.

use ipnet::IpNet;
use std::fmt;
use std::net::IpAddr;

/// Why a declared asset does not read. Each variant holds the text found, as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    #[error("`{0}` is not a valid CIDR network (e.g. 10.10.1.0/28)")]
    Network(String),
    /// A network written with host bits, and the network meant.
    #[error("`{found}` has host bits set; did you mean {network}?")]
    HostBits { found: String, network: IpNet },
    #[error("`{0}` is not a valid IP address")]
    Ip(String),
    #[error("`{0}` is not a valid IP address, CIDR network or host name")]
    Host(String),
    #[error("`{found}` is not a valid URL: {source}")]
    Url { found: String, source: url::ParseError },
    #[error("`{0}`: only http and https URLs can be probed")]
    NotHttp(String),
    #[error("`{0}` has no host")]
    NoHost(String),
    #[error("`{0}` is not a TLS endpoint `host:port` (e.g. portal.example.gov.vn:443, [2001:db8::1]:443)")]
    Endpoint(String),
    #[error("`{0}` is not an SSH endpoint `host:port` (e.g. bastion.example.gov.vn:22, [2001:db8::1]:22)")]
    SshEndpoint(String),
    #[error("`{0}` is not a mail endpoint `host:port` (e.g. mail.example.gov.vn:25, [2001:db8::1]:993)")]
    MailEndpoint(String),
    #[error("`{0}` is not a domain name (e.g. laocai.gov.vn): letters, digits and hyphens in dot-separated labels")]
    Domain(String),
    /// The pinned `address:` of a URL or TLS endpoint.
    #[error("address `{0}` is not a valid IP address")]
    Address(String),
    #[error("`{0}` is not a port like tcp/443 or udp/161")]
    Port(String),
}

impl AssetError {
    /// The message in both languages.
    pub fn text(&self) -> crate::i18n::Text {
        let vi = match self {
            AssetError::Network(s) => format!("`{s}` không phải mạng CIDR hợp lệ (ví dụ 10.10.1.0/28)"),
            AssetError::HostBits { found, network } => {
                format!("`{found}` có bit phần máy khác 0; có phải là {network}?")
            }
            AssetError::Ip(s) => format!("`{s}` không phải địa chỉ IP hợp lệ"),
            AssetError::Host(s) => format!("`{s}` không phải địa chỉ IP, mạng CIDR hay tên máy hợp lệ"),
            AssetError::Url { found, source } => format!("`{found}` không phải URL hợp lệ: {source}"),
            AssetError::NotHttp(s) => format!("`{s}`: chỉ dò được URL http và https"),
            AssetError::NoHost(s) => format!("`{s}` không có tên máy"),
            AssetError::Endpoint(s) => format!(
                "`{s}` không phải điểm cuối TLS `host:port` (ví dụ portal.example.gov.vn:443, [2001:db8::1]:443)"
            ),
            AssetError::SshEndpoint(s) => format!(
                "`{s}` không phải điểm cuối SSH `host:port` (ví dụ bastion.example.gov.vn:22, [2001:db8::1]:22)"
            ),
            AssetError::MailEndpoint(s) => format!(
                "`{s}` không phải điểm cuối thư điện tử `host:port` (ví dụ mail.example.gov.vn:25, [2001:db8::1]:993)"
            ),
            AssetError::Domain(s) => format!(
                "`{s}` không phải tên miền (ví dụ laocai.gov.vn): chữ cái, chữ số và dấu gạch ngang trong các nhãn cách nhau bởi dấu chấm"
            ),
            AssetError::Address(s) => format!("địa chỉ `{s}` không phải địa chỉ IP hợp lệ"),
            AssetError::Port(s) => format!("`{s}` không phải cổng dạng tcp/443 hay udp/161"),
        };
        crate::i18n::Text::new(self.to_string(), vi)
    }
}

/// A host entry: an address, a network, or a DNS name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostAsset {
    Ip(IpAddr),
    Net(IpNet),
    Name(String),
}

impl HostAsset {
    pub fn parse(s: &str) -> Result<HostAsset, AssetError> {
        let s = s.trim();
        if s.contains('/') {
            let net: IpNet = s.parse().map_err(|_| AssetError::Network(s.to_string()))?;
            if net.trunc() != net {
                return Err(AssetError::HostBits { found: s.to_string(), network: net.trunc() });
            }
            return Ok(HostAsset::Net(net));
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(HostAsset::Ip(ip));
        }
        if looks_like_ip(s) {
            return Err(AssetError::Ip(s.to_string()));
        }
        valid_hostname(s).map(HostAsset::Name)
    }

    /// Does a scanned host with these addresses and names belong to this asset?
    pub fn matches(&self, addrs: &[IpAddr], names: &[String]) -> bool {
        match self {
            HostAsset::Ip(ip) => addrs.contains(ip),
            HostAsset::Net(net) => addrs.iter().any(|a| net.contains(a)),
            HostAsset::Name(n) => names.iter().any(|m| same_name(n, m)),
        }
    }
}

impl fmt::Display for HostAsset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostAsset::Ip(ip) => write!(f, "{ip}"),
            HostAsset::Net(n) => write!(f, "{n}"),
            HostAsset::Name(n) => f.write_str(n),
        }
    }
}

/// DNS names compare case-insensitively, ignoring a trailing dot.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// The form of a DNS name under which [`same_name`] names are equal (for hashing).
pub fn same_name_key(a: &str) -> String {
    a.trim_end_matches('.').to_ascii_lowercase()
}

fn looks_like_ip(s: &str) -> bool {
    s.contains(':') || s.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// A DNS name per RFC 1123 (letters, digits, hyphens; labels of 1–63; 253 in all).
pub fn valid_hostname(s: &str) -> Result<String, AssetError> {
    let name = s.trim_end_matches('.');
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok { Ok(name.to_ascii_lowercase()) } else { Err(AssetError::Host(s.to_string())) }
}

/// A declared domain (`domains:`): a DNS name, never an address, written lower case without the
/// trailing dot so that one domain declared twice is checked once.
pub fn parse_domain(s: &str) -> Result<String, AssetError> {
    let s = s.trim();
    if looks_like_ip(s) || s.contains('/') {
        return Err(AssetError::Domain(s.to_string()));
    }
    valid_hostname(s).map_err(|_| AssetError::Domain(s.to_string()))
}

/// A URL to probe over HTTP(S), optionally pinned to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlAsset {
    pub url: url::Url,
    pub address: Option<IpAddr>,
}

impl UrlAsset {
    pub fn parse(s: &str, address: Option<&str>) -> Result<UrlAsset, AssetError> {
        let url = url::Url::parse(s.trim()).map_err(|source| AssetError::Url { found: s.to_string(), source })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(AssetError::NotHttp(s.to_string()));
        }
        if url.host_str().is_none() {
            return Err(AssetError::NoHost(s.to_string()));
        }
        Ok(UrlAsset { url, address: parse_address(address)? })
    }
}

/// A TLS endpoint `host:port`, optionally pinned to an address (the name still goes in SNI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsAsset {
    pub host: String,
    pub port: u16,
    pub address: Option<IpAddr>,
}

impl TlsAsset {
    pub fn parse(s: &str, address: Option<&str>) -> Result<TlsAsset, AssetError> {
        let s = s.trim();
        let bad = || AssetError::Endpoint(s.to_string());
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, p) = rest.split_once("]:").ok_or_else(bad)?;
            (h.to_string(), p)
        } else {
            let (h, p) = s.rsplit_once(':').ok_or_else(bad)?;
            (h.to_string(), p)
        };
        let port: u16 = port.parse().ok().filter(|&p| p != 0).ok_or_else(bad)?;
        if host.parse::<IpAddr>().is_err() {
            valid_hostname(&host)?;
        }
        Ok(TlsAsset { host, port, address: parse_address(address)? })
    }
}

impl TlsAsset {
    /// An SSH endpoint `host:port`: written and pinned like a TLS endpoint (the same type), only
    /// the error names what was expected.
    pub fn parse_ssh(s: &str, address: Option<&str>) -> Result<TlsAsset, AssetError> {
        TlsAsset::parse(s, address).map_err(|e| match e {
            AssetError::Endpoint(s) => AssetError::SshEndpoint(s),
            e => e,
        })
    }

    /// A mail endpoint `host:port`: written and pinned like a TLS endpoint, only the error names
    /// what was expected.
    pub fn parse_mail(s: &str, address: Option<&str>) -> Result<TlsAsset, AssetError> {
        TlsAsset::parse(s, address).map_err(|e| match e {
            AssetError::Endpoint(s) => AssetError::MailEndpoint(s),
            e => e,
        })
    }

    /// The same endpoint: same name (DNS rules), port and pin.
    pub fn same_endpoint(&self, other: &TlsAsset) -> bool {
        same_name(&self.host, &other.host) && self.port == other.port && self.address == other.address
    }

    /// `host:port`, with brackets around an IPv6 literal.
    pub fn target(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// How a mail endpoint speaks: a plaintext protocol upgraded with STARTTLS (`smtp` on port 25,
/// `submission` on 587, `imap`, `pop3`), or TLS from the first byte (`smtps`, `imaps`, `pop3s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MailProtocol {
    Smtp,
    Submission,
    Imap,
    Pop3,
    Smtps,
    Imaps,
    Pop3s,
}

/// The plaintext dialogue that upgrades a mail connection to TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Starttls {
    /// EHLO, `250-STARTTLS`, `STARTTLS` → 220 (RFC 3207).
    Smtp,
    /// CAPABILITY … STARTTLS, `STARTTLS` → OK (RFC 9051).
    Imap,
    /// CAPA … STLS, `STLS` → +OK (RFC 2595).
    Pop3,
}

impl Starttls {
    /// The name the evidence's `starttls` fact carries.
    pub fn as_str(self) -> &'static str {
        match self {
            Starttls::Smtp => "smtp",
            Starttls::Imap => "imap",
            Starttls::Pop3 => "pop3",
        }
    }
}

impl MailProtocol {
    /// Every protocol with its inventory name.
    pub const ALL: [(&'static str, MailProtocol); 7] = [
        ("smtp", MailProtocol::Smtp),
        ("submission", MailProtocol::Submission),
        ("imap", MailProtocol::Imap),
        ("pop3", MailProtocol::Pop3),
        ("smtps", MailProtocol::Smtps),
        ("imaps", MailProtocol::Imaps),
        ("pop3s", MailProtocol::Pop3s),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailProtocol::Smtp => "smtp",
            MailProtocol::Submission => "submission",
            MailProtocol::Imap => "imap",
            MailProtocol::Pop3 => "pop3",
            MailProtocol::Smtps => "smtps",
            MailProtocol::Imaps => "imaps",
            MailProtocol::Pop3s => "pop3s",
        }
    }

    /// The STARTTLS dialogue to run before the handshake; `None` for implicit TLS.
    pub fn starttls(self) -> Option<Starttls> {
        match self {
            MailProtocol::Smtp | MailProtocol::Submission => Some(Starttls::Smtp),
            MailProtocol::Imap => Some(Starttls::Imap),
            MailProtocol::Pop3 => Some(Starttls::Pop3),
            MailProtocol::Smtps | MailProtocol::Imaps | MailProtocol::Pop3s => None,
        }
    }
}

/// A declared mail endpoint: where (pinned like a TLS endpoint) and how it speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAsset {
    pub endpoint: TlsAsset,
    pub protocol: MailProtocol,
}

fn parse_address(address: Option<&str>) -> Result<Option<IpAddr>, AssetError> {
    address.map(|a| a.trim().parse::<IpAddr>().map_err(|_| AssetError::Address(a.to_string()))).transpose()
}

/// A port the approved design allows to be reachable: `tcp/443`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub protocol: String,
    pub port: u16,
}

impl PortSpec {
    pub fn parse(s: &str) -> Result<PortSpec, AssetError> {
        let bad = || AssetError::Port(s.to_string());
        let (proto, port) = s.trim().split_once('/').ok_or_else(bad)?;
        let proto = proto.to_ascii_lowercase();
        if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
            return Err(bad());
        }
        let port: u16 = port.parse().ok().filter(|&p| p != 0).ok_or_else(bad)?;
        Ok(PortSpec { protocol: proto, port })
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.protocol, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(matches!(HostAsset::parse("10.10.1.0/28"), Ok(HostAsset::Net(_))));
        assert!(HostAsset::parse("10.10.1.0/33").is_err());
        assert_eq!(
            HostAsset::parse("10.10.1.5/28").unwrap_err().to_string(),
            "`10.10.1.5/28` has host bits set; did you mean 10.10.1.0/28?"
        );
        assert_eq!(HostAsset::parse("10.10.1.300").unwrap_err(), AssetError::Ip("10.10.1.300".into()));
        assert_eq!(HostAsset::parse("DVC.LaoCai.gov.vn.").unwrap(), HostAsset::Name("dvc.laocai.gov.vn".into()));
        assert!(HostAsset::parse("bad_host!").is_err());
        assert!(matches!(HostAsset::parse("2001:db8::/32"), Ok(HostAsset::Net(_))));
    }

    #[test]
    fn matching() {
        let net = HostAsset::parse("10.10.1.0/28").unwrap();
        assert!(net.matches(&["10.10.1.5".parse().unwrap()], &[]));
        assert!(!net.matches(&["10.10.1.16".parse().unwrap()], &[]));
        let name = HostAsset::parse("dvc.example.vn").unwrap();
        assert!(name.matches(&[], &["DVC.example.vn.".into()]));
    }

    #[test]
    fn tls_and_ports() {
        let t = TlsAsset::parse("portal.example.vn:443", Some("10.0.0.5")).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("portal.example.vn", 443));
        assert_eq!(TlsAsset::parse("[2001:db8::1]:8443", None).unwrap().port, 8443);
        assert!(TlsAsset::parse("portal.example.vn", None).is_err());
        assert!(TlsAsset::parse("portal.example.vn:0", None).is_err());
        assert_eq!(PortSpec::parse("TCP/443").unwrap().to_string(), "tcp/443");
        assert!(PortSpec::parse("tcp/70000").is_err());
        assert!(PortSpec::parse("443").is_err());
        assert!(UrlAsset::parse("ftp://x.vn/", None).is_err());
        assert_eq!(TlsAsset::parse_ssh("bastion.example.vn:22", None).unwrap().port, 22);
        assert_eq!(
            TlsAsset::parse_mail("mail.example.vn", None).unwrap_err().to_string(),
            "`mail.example.vn` is not a mail endpoint `host:port` (e.g. mail.example.gov.vn:25, [2001:db8::1]:993)"
        );
        assert_eq!(MailProtocol::Submission.as_str(), "submission");
        assert_eq!(parse_domain(" LaoCai.gov.vn. ").unwrap(), "laocai.gov.vn");
        assert_eq!(
            parse_domain("10.0.0.1").unwrap_err().to_string(),
            "`10.0.0.1` is not a domain name (e.g. laocai.gov.vn): letters, digits and hyphens in dot-separated labels"
        );
        assert_eq!(parse_domain("mail_.vn").unwrap_err(), AssetError::Domain("mail_.vn".into()));
        assert_eq!(MailProtocol::Submission.starttls(), Some(Starttls::Smtp));
        assert_eq!(MailProtocol::Imaps.starttls(), None);
        assert_eq!(
            TlsAsset::parse_ssh("bastion.example.vn", None).unwrap_err().to_string(),
            "`bastion.example.vn` is not an SSH endpoint `host:port` (e.g. bastion.example.gov.vn:22, [2001:db8::1]:22)"
        );
    }
}
