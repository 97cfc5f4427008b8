//! `tuanthu collect`: live TLS and HTTP probes of the declared assets, written as an evidence file
//! (and the probing half of `tuanthu scan`).

use super::{Error, ExitCode};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tuanthu::collect::dns::DnsSettings;
use tuanthu::collect::live::{self, Filter, Kind, LiveProber, Settings, Summary};
use tuanthu::collect::net::{Dialer, Limits, Politeness};
use tuanthu::collect::tls::trust::TrustStore;
use tuanthu::diag::{Problem, Problems};
use tuanthu::evidence::Record;
use tuanthu::evidence::file::EvidenceInput;
use tuanthu::evidence::writer::{EvidenceWriter, tool};
use tuanthu::inventory::Inventory;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeKind {
    /// TLS endpoints only (declared `tls:` entries and the endpoints of https URLs)
    Tls,
    /// URLs only
    Http,
    /// SSH endpoints only (declared `ssh:` entries)
    Ssh,
    /// Mail endpoints only (declared `mail:` entries, STARTTLS or implicit TLS)
    Mail,
    /// Declared domains only (`domains:`: SPF, DMARC, MTA-STS, CAA, DNSSEC, MX)
    Dns,
}

/// Which systems `collect` and `scan` probe (`gate` names exactly one, its own way).
#[derive(Debug, Clone, Args)]
pub struct SystemFilter {
    /// Probe only this system (ID or AGENCY/ID); repeat for several
    #[arg(long = "system", value_name = "ID")]
    pub systems: Vec<String>,
}

/// What to probe and how politely: shared by `collect`, `scan` and `gate --live`.
#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    /// Probe only one kind of target
    #[arg(long, value_enum)]
    pub only: Option<ProbeKind>,
    /// Also trust the CA certificates in this PEM file (e.g. the national government CA, which
    /// browser stores do not carry); Mozilla's roots are always trusted. Repeat for several files
    #[arg(long, value_name = "FILE.pem")]
    pub ca_bundle: Vec<PathBuf>,
    /// Simultaneous connections in all
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub concurrency: usize,
    /// Simultaneous connections (and targets) per IP address; fragile hosts drop aggressive scanners
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub per_host: usize,
    /// New connections per second to one IP address, sustained: a token bucket of --per-host
    /// connections, refilled at this rate, so a host's first --per-host connections start at once
    /// and never more than --per-host + N × seconds start in any stretch of time
    #[arg(long, value_name = "N", default_value_t = 50.0)]
    pub rate: f64,
    /// Seconds to wait for a TCP connection
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// Seconds to wait for the next bytes of an answer
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub read_timeout: f64,
    /// Seconds one target may take in all (every connection of its probe)
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    pub target_timeout: f64,
    /// Seconds the whole run may take; targets not measured by then are recorded as errors
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<f64>,
    /// Ask this DNS resolver about the declared domains (ADDR or ADDR:PORT, [IPv6]:PORT) instead
    /// of the system's (/etc/resolv.conf) / Hỏi máy chủ phân giải DNS này thay cho máy chủ của hệ thống
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub resolver: Option<String>,
    /// Validate DNSSEC from the DNSKEY and DS lines of this file instead of the built-in root key /
    /// Xác thực DNSSEC từ các dòng DNSKEY và DS của tệp này thay cho khóa gốc có sẵn
    #[arg(long, value_name = "FILE")]
    pub dnssec_anchor: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Inventory files or directories (tuanthu/inventory/v1): only their assets are probed
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub inventory: Vec<PathBuf>,
    /// Directory searched for tailoring files after each inventory file's own directory
    #[arg(long, value_name = "DIR")]
    pub tailoring: Vec<PathBuf>,
    /// Let tailoring names in the inventory lead outside the folder they are looked up in (an
    /// absolute path, `..`, a link out of it); by default such a name is refused unread
    #[arg(long)]
    pub allow_outside_inventory: bool,
    /// Evidence file to write: `*.jsonl` streams one record per line as targets finish (an
    /// interrupted run keeps what it measured); any other name gets one JSON document
    #[arg(short = 'o', long, required = true, value_name = "EVIDENCE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub filter: SystemFilter,
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Print only errors (no progress bar, no summary)
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(a: CollectArgs) -> Result<ExitCode, Error> {
    let lookup =
        tuanthu::inventory::tailoring::Lookup { dirs: a.tailoring.clone(), allow_outside: a.allow_outside_inventory };
    let inv = tuanthu::inventory::load_paths_with(&a.inventory, &lookup)?.inventory;
    // Everything that can be wrong with the input is found before the output file is created.
    let planned = Planned::new(&inv, &a.probe, &a.filter.systems, a.quiet)?;
    let started_at = tuanthu::dates::now();
    let mut writer = EvidenceWriter::create(&a.output, &started_at).map_err(Error::run)?;
    let summary = planned.run(|r| writer.push(r))?;
    writer.finish(&tuanthu::dates::now()).map_err(Error::run)?;
    if !a.quiet {
        eprintln!(
            "tuanthu: {} target(s): {} measured, {} could not be measured; evidence written to {}",
            summary.targets,
            summary.measured,
            summary.errors,
            a.output.display()
        );
    }
    Ok(if summary.errors > 0 { ExitCode::No } else { ExitCode::Ok })
}

/// A checked probe run, ready to start.
pub(crate) struct Planned {
    targets: Vec<live::Target>,
    dialer: Arc<Dialer>,
    prober: Arc<LiveProber>,
    settings: Settings,
}

impl Planned {
    /// Checks the probe options against the inventory and plans the targets.
    pub(crate) fn new(inv: &Inventory, a: &ProbeArgs, systems: &[String], quiet: bool) -> Result<Planned, Problems> {
        let trust = Arc::new(trust_store(&a.ca_bundle)?);
        let (limits, politeness, deadline) = settings(a)?;
        let filter = Filter {
            systems: systems.to_vec(),
            kind: a.only.map(|k| match k {
                ProbeKind::Tls => Kind::Tls,
                ProbeKind::Http => Kind::Http,
                ProbeKind::Ssh => Kind::Ssh,
                ProbeKind::Mail => Kind::Mail,
                ProbeKind::Dns => Kind::Dns,
            }),
        };
        let known = |s: &String| inv.systems().any(|(ag, sy)| *s == sy.id || *s == format!("{}/{}", ag.id, sy.id));
        if let Some(s) = filter.systems.iter().find(|s| !known(s)) {
            return Err(Problems::one(Problem::file("--system", format!("no system `{s}` in the inventory"))));
        }
        let dialer = Arc::new(Dialer::new(limits, politeness));
        let mut targets = live::plan(inv, &filter);
        let mut prober = LiveProber::new(dialer.clone(), trust.clone(), live::declared_hosts(inv));
        // The resolver is needed (and its configuration read) only when a domain is declared.
        if targets.iter().any(|t| t.kind == Kind::Dns) {
            let dns = DnsSettings { trust, ..dns_settings(a)? };
            live::pin_resolver(&mut targets, dns.resolver);
            prober = prober.with_dns(dns, live::declared_mail_hosts(inv));
        }
        Ok(Planned { targets, prober: Arc::new(prober), dialer, settings: Settings { deadline, progress: !quiet } })
    }

    /// Probes the targets and hands each record to `sink` as it is known.
    pub(crate) fn run<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
        self,
        sink: impl FnMut(Record) -> Result<(), E>,
    ) -> Result<Summary, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::run(format!("cannot start the probe runtime: {e}")))?;
        runtime.block_on(live::run(self.targets, self.prober, self.dialer, &self.settings, sink)).map_err(Error::run)
    }

    /// Probes into memory, as an evidence input (for `scan`).
    pub(crate) fn run_to_input(self) -> Result<EvidenceInput, Error> {
        let started_at = tuanthu::dates::now();
        let mut records = Vec::new();
        self.run(|r| {
            records.push(r);
            Ok::<(), std::convert::Infallible>(())
        })?;
        for (i, r) in records.iter_mut().enumerate() {
            r.position = format!("record {}", i + 1);
        }
        Ok(EvidenceInput {
            file: "live probes".into(),
            tool: Some(tool()),
            started_at: Some(started_at),
            finished_at: Some(tuanthu::dates::now()),
            records,
            ..EvidenceInput::default()
        })
    }
}

fn trust_store(bundles: &[PathBuf]) -> Result<TrustStore, Problems> {
    let mut trust = TrustStore::mozilla();
    let mut problems = tuanthu::diag::Collector::default();
    for b in bundles {
        if let Err(e) = trust.add_pem_file(b) {
            problems.push(Problem::file(b.display().to_string(), e));
        }
    }
    problems.finish(trust)
}

/// The resolver (`--resolver` or the system's) and the DNSSEC trust anchor (`--dnssec-anchor` or
/// the root key).
fn dns_settings(a: &ProbeArgs) -> Result<DnsSettings, Problems> {
    let mut s = match &a.resolver {
        Some(r) => {
            let addr = parse_resolver(r).ok_or_else(|| {
                Problems::one(Problem::file(
                    "--resolver",
                    format!("`{r}` is not an address with an optional port (e.g. 192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53)"),
                ))
            })?;
            DnsSettings::at(addr, r.clone())
        }
        None => DnsSettings::system().map_err(|e| Problems::one(Problem::file("--resolver", e)))?,
    };
    if let Some(path) = &a.dnssec_anchor {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Problems::one(Problem::file(&name, format!("cannot read: {e}"))))?;
        let anchors = tuanthu::collect::dns::anchor::parse(&name, &text).map_err(Problems::one)?;
        s.anchor = Arc::new(anchors);
        s.anchor_label = path.file_name().map_or(name.clone(), |f| f.to_string_lossy().into_owned());
    }
    Ok(s)
}

/// `ADDR`, `ADDR:PORT` or `[IPv6]:PORT` (port 53 when none is given).
fn parse_resolver(s: &str) -> Option<std::net::SocketAddr> {
    let s = s.trim();
    if let Ok(a) = s.parse::<std::net::SocketAddr>() {
        return (a.port() != 0).then_some(a);
    }
    s.parse::<std::net::IpAddr>().ok().map(|ip| std::net::SocketAddr::new(ip, 53))
}

fn seconds(flag: &str, v: f64) -> Result<Duration, Problem> {
    if v.is_finite() && v > 0.0 && v <= 86_400.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(Problem::file(flag, format!("expected a number of seconds between 0 and 86400, found {v}")))
    }
}

fn settings(a: &ProbeArgs) -> Result<(Limits, Politeness, Option<Duration>), Problems> {
    let collect = || -> Result<_, Problem> {
        let limits = Limits {
            connect_timeout: seconds("--connect-timeout", a.connect_timeout)?,
            read_timeout: seconds("--read-timeout", a.read_timeout)?,
            target_deadline: seconds("--target-timeout", a.target_timeout)?,
            ..Limits::default()
        };
        if !(a.rate.is_finite() && a.rate > 0.0) {
            return Err(Problem::file(
                "--rate",
                format!("expected a positive number of connections per second, found {}", a.rate),
            ));
        }
        if a.concurrency == 0 || a.per_host == 0 {
            return Err(Problem::file("--concurrency/--per-host", "expected at least 1"));
        }
        let politeness = Politeness {
            global: a.concurrency,
            per_host: a.per_host,
            min_interval: Duration::from_secs_f64(1.0 / a.rate),
        };
        let deadline = a.deadline.map(|d| seconds("--deadline", d)).transpose()?;
        Ok((limits, politeness, deadline))
    };
    collect().map_err(Problems::one)
}
