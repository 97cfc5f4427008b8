//! What the identification line says (RFC 4253 §4.2: `SSH-protoversion-softwareversion SP
//! comments`) and whether the software it names is past its end of life.
//!
//! End of life: OpenSSH supports only its latest release upstream, so a release is judged by the
//! operating systems that still maintain it. Every OpenSSH release before **7.4** (2016-12-19, the
//! release that removed the SSH-1 server) shipped only in operating-system releases whose standard
//! support has ended — the last ones: Red Hat Enterprise Linux 6 (OpenSSH 5.3p1, maintenance
//! support ended 2020-11-30), Debian 8 (6.7p1, LTS ended 2020-06-30), Ubuntu 16.04 (7.2p2,
//! standard support ended 2021-04-30) and SUSE Linux Enterprise Server 12 SP5 (7.2p2, general
//! support ended 2024-10-31) — per the vendors' published life cycles. Versions from 7.4 on are
//! still maintained by at least one supported distribution (RHEL 7 ELS: 7.4p1; RHEL 8: 8.0p1), so
//! the banner alone cannot call them end-of-life.

use crate::evidence::EndOfLife;

/// The first OpenSSH release not judged end-of-life.
pub const OPENSSH_CUTOFF: (u32, u32) = (7, 4);

/// The parts of an identification line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Banner {
    pub protocol: String,
    pub software: String,
    pub comments: Option<String>,
}

/// Splits `SSH-2.0-OpenSSH_9.2p1 Debian-2`; `None` when the line is not an identification line.
pub fn parse(line: &str) -> Option<Banner> {
    let rest = line.strip_prefix("SSH-")?;
    let (protocol, rest) = rest.split_once('-')?;
    let (software, comments) = match rest.split_once(' ') {
        Some((s, c)) => (s, Some(c.trim().to_string()).filter(|c| !c.is_empty())),
        None => (rest, None),
    };
    Some(Banner { protocol: protocol.to_string(), software: software.to_string(), comments })
}

/// The OpenSSH version of a software version (`OpenSSH_9.2p1` → `9.2p1`).
pub fn openssh_version(software: &str) -> Option<String> {
    let v = software.strip_prefix("OpenSSH_")?;
    major_minor(v).map(|_| v.to_string())
}

fn major_minor(v: &str) -> Option<(u32, u32)> {
    let (major, rest) = v.split_once('.')?;
    let minor: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The end of life of the named software, when the banner shows it is past it.
pub fn end_of_life(software: &str) -> Option<EndOfLife> {
    let v = openssh_version(software)?;
    let (major, minor) = major_minor(&v)?;
    ((major, minor) < OPENSSH_CUTOFF).then(|| EndOfLife {
        software: software.to_string(),
        cutoff: format!("OpenSSH {}.{}", OPENSSH_CUTOFF.0, OPENSSH_CUTOFF.1),
        reason: "OpenSSH releases before 7.4 ship only in operating-system releases whose standard support has \
                 ended (RHEL 6, Debian 8, Ubuntu 16.04, SLES 12 SP5: the vendors' published life cycles); upstream \
                 maintains only the latest release"
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_split_per_rfc_4253() {
        let b = parse("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10").unwrap();
        assert_eq!((b.protocol.as_str(), b.software.as_str()), ("2.0", "OpenSSH_9.2p1"));
        assert_eq!(b.comments.as_deref(), Some("Debian-2+deb12u10"));
        assert_eq!(parse("SSH-1.99-Cisco-1.25").unwrap().software, "Cisco-1.25");
        assert_eq!(parse("HTTP/1.1 400 Bad Request"), None);
    }

    #[test]
    fn openssh_before_7_4_is_end_of_life() {
        assert_eq!(openssh_version("OpenSSH_9.2p1").as_deref(), Some("9.2p1"));
        assert_eq!(openssh_version("dropbear_2022.83"), None);
        let eol = end_of_life("OpenSSH_7.2p2").unwrap();
        assert_eq!((eol.software.as_str(), eol.cutoff.as_str()), ("OpenSSH_7.2p2", "OpenSSH 7.4"));
        assert!(end_of_life("OpenSSH_5.3").is_some());
        assert_eq!(end_of_life("OpenSSH_7.4"), None);
        assert_eq!(end_of_life("OpenSSH_10.0"), None);
        assert_eq!(end_of_life("OpenSSH_x"), None);
    }
}
