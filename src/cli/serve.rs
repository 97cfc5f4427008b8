//! `tuanthu serve`: the national service ([`tuanthu::serve`]) and its administration — the key
//! registry (`keys add|revoke|list`) and read tokens (`tokens create`). Every administrative
//! action is written to the service's audit log in the transaction that makes it.

use super::{Error, ExitCode};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use tuanthu::diag::{Problem, Problems};
use tuanthu::i18n::{Lang, tr};
use tuanthu::report::sign;
use tuanthu::serve::records::{self, KeyRecord, Role};
use tuanthu::serve::{Limits, Service, Store};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
    /// Address and port to listen on (behind a reverse proxy for TLS: see docs/national-service.md)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8650")]
    pub listen: String,
    /// The database: `sqlite:PATH` (a file, created if missing) or `postgres://user@host/db`
    #[arg(long, value_name = "URL", default_value = "sqlite:tuanthu.db", env = "TUANTHU_DATABASE", global = true)]
    pub database: String,
    /// Apply the database migrations and exit (they are also applied at every start)
    #[arg(long)]
    pub migrate_only: bool,
    /// Largest accepted report, in MiB (larger submissions get 413)
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_body_mib: usize,
    /// Submissions one agency may make in a burst before it is rate limited (429)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub burst: u32,
    /// Submissions per minute one agency may make after its burst
    #[arg(long, value_name = "N", default_value_t = 60)]
    pub per_minute: u32,
    /// Submissions one client address may make in a burst, verified or not (429 beyond)
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub client_burst: u32,
    /// Submissions per minute one client address may make after its burst
    #[arg(long, value_name = "N", default_value_t = 600)]
    pub client_per_minute: u32,
    /// Memory budget, in MiB, of the report bodies received at once (503 busy when full); at
    /// least --max-body-mib
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    pub in_flight_mib: usize,
    /// Serve HTTPS with this PEM certificate chain (the server's certificate first); needs
    /// --tls-key
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Take the client address from the last X-Forwarded-For entry (only behind a reverse proxy
    /// that appends it and is the only way in)
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// Language of the command's messages
    #[arg(long, value_parser = super::lang_parser(), default_value = "en", env = "TUANTHU_LANG", global = true)]
    pub lang: Lang,
}

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Manage the agencies' public keys (the only credential of a submission)
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage read tokens (for the API's GET endpoints)
    #[command(subcommand)]
    Tokens(TokensCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Register an agency's public key (the ID.pub `tuanthu keys generate` wrote). An agency may
    /// have several keys (rotation): a submission is accepted if any unrevoked key of the agency
    /// valid on the day of receipt verifies it
    #[command(
        after_help = "Example:\n  tuanthu serve keys add --agency stttt-lao-cai stttt-lao-cai.pub --from 2026-01-01 --database sqlite:center.db"
    )]
    Add {
        /// Agency id (the report's agency id and signature key id)
        #[arg(long, value_name = "ID")]
        agency: String,
        /// Public key file (SPKI PEM)
        #[arg(value_name = "FILE.pub")]
        key: PathBuf,
        /// First day the key may sign (YYYY-MM-DD; default: no limit)
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day the key may sign (YYYY-MM-DD; default: no limit)
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
    },
    /// Revoke a key: submissions it signs are refused from now on (`revoked_key`); those it
    /// verified before stay valid
    Revoke {
        #[arg(long, value_name = "ID")]
        agency: String,
        /// The key's fingerprint, `SHA256:…` as `keys list` prints it
        #[arg(long, value_name = "FINGERPRINT")]
        key: String,
    },
    /// List the registered keys: agency, fingerprint, validity window, revocation
    List {
        /// Only this agency's keys
        #[arg(long, value_name = "ID")]
        agency: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenRole {
    /// The national center: reads everything
    Center,
    /// One agency (--agency): reads only its own figures, systems and reports
    Agency,
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Make a read token and print it once, alone on the last line of standard output (only its
    /// hash is stored: it cannot be shown again)
    #[command(after_help = "Examples:\n  tuanthu serve tokens create --role center --database sqlite:center.db\n  \
tuanthu serve tokens create --role agency --agency stttt-lao-cai --database sqlite:center.db\n\n\
Use it as `Authorization: Bearer TOKEN`.")]
    Create {
        #[arg(long, value_enum)]
        role: TokenRole,
        /// The agency an agency token reads
        #[arg(long, value_name = "ID", required_if_eq("role", "agency"))]
        agency: Option<String>,
    },
}

/// Who the audit log names for actions taken at the command line.
const ADMIN: &str = "cli";

pub fn run(a: ServeArgs) -> Result<ExitCode, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::run(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(run_async(a))
}

async fn run_async(a: ServeArgs) -> Result<ExitCode, Error> {
    let store = open(&a.database).await?;
    match a.command {
        Some(ServeCommand::Keys(k)) => keys(&store, k, a.lang).await,
        Some(ServeCommand::Tokens(TokensCommand::Create { role, agency })) => token(&store, role, agency).await,
        None if a.migrate_only => Ok(ExitCode::Ok),
        None => serve(store, &a).await,
    }
}

/// Opens the database and applies its migrations.
async fn open(url: &str) -> Result<Store, Error> {
    let store = Store::open(url).map_err(|e| match e {
        tuanthu::serve::StoreError::BadUrl(_) => {
            Error::Invalid(Problems::one(Problem::file("--database", e.to_string())))
        }
        e => Error::run(e),
    })?;
    let applied = store.migrate().await.map_err(Error::run)?;
    if !applied.is_empty() {
        let versions: Vec<String> = applied.iter().map(i64::to_string).collect();
        eprintln!("tuanthu: database migrated to schema version {}", versions.join(", "));
    }
    Ok(store)
}

async fn serve(store: Store, a: &ServeArgs) -> Result<ExitCode, Error> {
    let policy = tuanthu::report::verify::bundled_policy()?;
    if a.in_flight_mib < a.max_body_mib {
        let msg = format!("must be at least --max-body-mib ({}): one largest report must fit", a.max_body_mib);
        return Err(bad("--in-flight-mib", msg));
    }
    let limits = Limits {
        max_body: a.max_body_mib << 20,
        burst: a.burst,
        per_minute: a.per_minute,
        client_burst: a.client_burst,
        client_per_minute: a.client_per_minute,
        in_flight: a.in_flight_mib << 20,
        trust_forwarded_for: a.trust_forwarded_for,
        ..Limits::default()
    };
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(tuanthu::serve::tls::server_config(cert, key).map_err(|e| {
            let option = match e {
                tuanthu::serve::tls::TlsError::Key { .. } => "--tls-key",
                _ => "--tls-cert",
            };
            bad(option, e)
        })?),
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(&a.listen).await.map_err(|e| {
        Error::run(format!("{} {}: {e}", tr(a.lang, "cannot listen on", "không thể lắng nghe trên"), a.listen))
    })?;
    let service = std::sync::Arc::new(Service::new(store, policy, limits));
    tuanthu::serve::run_with(listener, tls, service, tuanthu::serve::shutdown_signal()).await.map_err(Error::run)?;
    Ok(ExitCode::Ok)
}

fn bad(option: &str, msg: impl std::fmt::Display) -> Error {
    Error::Invalid(Problems::one(Problem::file(option, msg)))
}

fn check_agency(agency: &str) -> Result<(), Error> {
    if sign::valid_key_id(agency) {
        Ok(())
    } else {
        Err(bad("--agency", format!("`{}` is not an agency id", tuanthu::sanitize::one_line(agency))))
    }
}

fn check_date(option: &str, d: &Option<String>) -> Result<(), Error> {
    match d {
        Some(d) if d.len() != 10 || tuanthu::dates::parse(d).is_err() => {
            Err(bad(option, format!("`{}` is not a date (YYYY-MM-DD)", tuanthu::sanitize::one_line(d))))
        }
        _ => Ok(()),
    }
}

async fn keys(store: &Store, cmd: KeysCommand, lang: Lang) -> Result<ExitCode, Error> {
    match cmd {
        KeysCommand::Add { agency, key, from, until } => {
            check_agency(&agency)?;
            check_date("--from", &from)?;
            check_date("--until", &until)?;
            let public = sign::read_verifying_key(&key).map_err(|e| bad(&key.display().to_string(), e))?;
            let pem = std::fs::read_to_string(&key).map_err(|e| bad(&key.display().to_string(), e))?;
            let fingerprint = sign::fingerprint(&public)?;
            let record = KeyRecord {
                fingerprint: fingerprint.clone(),
                agency: agency.clone(),
                public_pem: pem,
                valid_from: from,
                valid_until: until,
                added_at: tuanthu::serve::now_text(),
                revoked_at: None,
            };
            let added = store.tx(move |c| records::add_key(c, &record, ADMIN)).await.map_err(Error::run)?;
            if added {
                println!("{} {agency}: {fingerprint}", tr(lang, "added key of", "đã thêm khóa của"));
                Ok(ExitCode::Ok)
            } else {
                Err(bad(&key.display().to_string(), format!("key {fingerprint} is already registered")))
            }
        }
        KeysCommand::Revoke { agency, key } => {
            let (a, k) = (agency.clone(), key.clone());
            let done = store.tx(move |c| records::revoke_key(c, &a, &k, ADMIN)).await.map_err(Error::run)?;
            if done {
                println!("{} {agency}: {key}", tr(lang, "revoked key of", "đã thu hồi khóa của"));
                Ok(ExitCode::Ok)
            } else {
                let msg = format!("agency `{agency}` has no unrevoked key {key} (see `tuanthu serve keys list`)");
                Err(bad("--key", tuanthu::sanitize::one_line(&msg)))
            }
        }
        KeysCommand::List { agency } => {
            let list = store.tx(move |c| records::keys(c, agency.as_deref())).await.map_err(Error::run)?;
            for k in list {
                let window =
                    format!("{}..{}", k.valid_from.as_deref().unwrap_or(""), k.valid_until.as_deref().unwrap_or(""));
                let state = k.revoked_at.map_or("active".to_string(), |r| format!("revoked {r}"));
                println!("{}\t{}\t{window}\t{state}", k.agency, k.fingerprint);
            }
            Ok(ExitCode::Ok)
        }
    }
}

async fn token(store: &Store, role: TokenRole, agency: Option<String>) -> Result<ExitCode, Error> {
    let role = match (role, agency) {
        (TokenRole::Center, None) => Role::Center,
        (TokenRole::Center, Some(_)) => {
            return Err(bad("--agency", "a center token reads every agency; give no --agency"));
        }
        (TokenRole::Agency, Some(a)) => {
            check_agency(&a)?;
            Role::Agency(a)
        }
        (TokenRole::Agency, None) => return Err(bad("--agency", "an agency token needs --agency ID")),
    };
    let token = tuanthu::serve::registry::new_token()?;
    let hash = tuanthu::serve::registry::token_hash(&token);
    let shown = match &role {
        Role::Center => "center".to_string(),
        Role::Agency(a) => format!("agency {a}"),
    };
    store.tx(move |c| records::add_token(c, &hash, &role, ADMIN)).await.map_err(Error::run)?;
    println!("# read token for {shown}; shown once, only its hash is stored");
    println!("{token}");
    Ok(ExitCode::Ok)
}
