//! `tuanthu keys generate` and `tuanthu verify`: the agency's signing keys and the check of a
//! signed report (see [`crate::report::sign`]).

use super::{ExitCode, fail};
use crate::report::sign;
use crate::report::verify::{self, Verifier};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make an ed25519 key pair: DIR/ID.key (private, PKCS#8 PEM, readable by the owner only) and
    /// DIR/ID.pub (public, SPKI PEM: give it to the national monitoring center)
    Generate {
        /// Agency id the key signs for (the `agency.id` of the inventory)
        #[arg(long, value_name = "ID")]
        agency: String,
        /// Directory to write the key files into (created if missing)
        #[arg(short = 'o', long, value_name = "DIR")]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Signed report (tuanthu/report/v1 JSON written with --sign)
    pub report: PathBuf,
    /// Directory of agency public keys, one `<agency-id>.pub` per agency
    #[arg(long, value_name = "DIR")]
    pub keys: PathBuf,
}

pub fn run(cmd: KeysCommand) -> ExitCode {
    match cmd {
        KeysCommand::Generate { agency, output } => generate(&agency, &output),
    }
}

fn generate(agency: &str, dir: &std::path::Path) -> ExitCode {
    if !sign::valid_key_id(agency) {
        eprintln!("error: --agency: `{agency}` is not an agency id (letters, digits, `-`, `_`, `.`)");
        return ExitCode::Invalid;
    }
    let (private, public) = match sign::generate() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let (key_path, pub_path) = (dir.join(format!("{agency}.key")), dir.join(format!("{agency}.pub")));
    for p in [&key_path, &pub_path] {
        if p.exists() {
            eprintln!("error: {} exists; tuanthu never overwrites a key (move it away first)", p.display());
            return ExitCode::Invalid;
        }
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        return fail(format!("cannot create {}: {e}", dir.display()));
    }
    if let Err(e) = write_private(&key_path, &private).and_then(|()| {
        std::fs::write(&pub_path, public).map_err(|e| format!("cannot write {}: {e}", pub_path.display()))
    }) {
        return fail(e);
    }
    eprintln!("tuanthu: wrote {} (keep it secret) and {}", key_path.display(), pub_path.display());
    ExitCode::Ok
}

/// Creates the private key file readable by its owner only (on Unix), never replacing a file.
fn write_private(path: &std::path::Path, pem: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(pem.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The same verification as `aggregate` ([`crate::report::verify`]): the signature for who sent
/// the report, its schema and re-derived figures for what it says.
pub fn verify(a: VerifyArgs) -> ExitCode {
    let shown = crate::sanitize::one_line(&a.report.display().to_string());
    let bytes = match verify::read(&a.report) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {shown}: {e}");
            return ExitCode::Invalid;
        }
    };
    let policy = match verify::bundled_policy() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let verifier =
        Verifier { keys: Some(&a.keys), allow_unsigned: false, policy: &policy, now: time::OffsetDateTime::now_utc() };
    match verify::verify(&bytes, &verifier) {
        Ok(v) => {
            println!(
                "{shown}: valid signature of agency `{}`; schema and figures check out",
                crate::sanitize::one_line(&v.agency().id)
            );
            ExitCode::Ok
        }
        Err(verify::Rejection::Malformed(m)) => {
            eprintln!("error: {shown}: {}", crate::sanitize::one_line(&m));
            ExitCode::Invalid
        }
        Err(r) => {
            println!("{shown}: rejected: {}", crate::sanitize::one_line(&r.to_string()));
            ExitCode::No
        }
    }
}
