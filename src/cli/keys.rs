//! `tuanthu keys generate` and `tuanthu verify`: the agency's signing keys and the check of a
//! signed report (see [`tuanthu::report::sign`]).

use super::{Error, ExitCode};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use tuanthu::diag::{Problem, Problems};
use tuanthu::i18n::Lang;
use tuanthu::report::sign;
use tuanthu::report::verify::{self, Verifier};

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

pub fn run(cmd: KeysCommand, lang: Lang) -> Result<ExitCode, Error> {
    match cmd {
        KeysCommand::Generate { agency, output } => generate(&agency, &output, lang),
    }
}

fn generate(agency: &str, dir: &std::path::Path, l: Lang) -> Result<ExitCode, Error> {
    use tuanthu::text;
    if !sign::valid_key_id(agency) {
        let msg = text!(
            "`{agency}` is not an agency id (letters, digits, `-`, `_`, `.`)",
            "`{agency}` không phải mã cơ quan (chữ cái, chữ số, `-`, `_`, `.`)"
        );
        return Err(Problems::one(Problem::file_text("--agency", msg)).into());
    }
    let (private, public) = sign::generate()?;
    let (key_path, pub_path) = (dir.join(format!("{agency}.key")), dir.join(format!("{agency}.pub")));
    if let Some(p) = [&key_path, &pub_path].into_iter().find(|p| p.exists()) {
        let msg = text!(
            "exists; tuanthu never overwrites a key (move it away first)",
            "đã có; tuanthu không bao giờ ghi đè khoá (hãy chuyển tệp cũ đi trước)"
        );
        return Err(Problems::one(Problem::file_text(p.display().to_string(), msg)).into());
    }
    let cannot = |what: &str, p: &std::path::Path, e: std::io::Error| {
        let (p, what_vi) = (p.display(), if what == "create" { "tạo" } else { "ghi" });
        Error::Failed(text!("cannot {what} {p}: {e}", "không {what_vi} được {p}: {e}"))
    };
    std::fs::create_dir_all(dir).map_err(|e| cannot("create", dir, e))?;
    write_private(&key_path, &private).map_err(|(what, e)| cannot(what, &key_path, e))?;
    std::fs::write(&pub_path, &public).map_err(|e| cannot("write", &pub_path, e))?;
    let (k, p) = (key_path.display(), pub_path.display());
    eprintln!("tuanthu: {}", text!("wrote {k} (keep it secret) and {p}", "đã ghi {k} (giữ bí mật) và {p}").get(l));
    // The fingerprint names the key in the national service's registry (`serve keys list`).
    let public_key = sign::parse_verifying_key(&public).map_err(Error::run)?;
    let fp = sign::fingerprint(&public_key)?;
    eprintln!("tuanthu: {}", text!("public key fingerprint {fp}", "dấu vân tay khoá công khai {fp}").get(l));
    Ok(ExitCode::Ok)
}

/// Creates the private key file readable by its owner only (on Unix), never replacing a file.
/// The error says which step failed ("create" or "write").
fn write_private(path: &std::path::Path, pem: &str) -> Result<(), (&'static str, std::io::Error)> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(|e| ("create", e))?;
    f.write_all(pem.as_bytes()).map_err(|e| ("write", e))
}

/// The same verification as `aggregate` ([`tuanthu::report::verify`]): the signature for who sent
/// the report, its schema and re-derived figures for what it says.
pub fn verify(a: VerifyArgs, l: Lang) -> Result<ExitCode, Error> {
    let shown = tuanthu::sanitize::one_line(&a.report.display().to_string());
    let bytes = verify::read(&a.report).map_err(|e| Problems::one(Problem::file_text(shown.as_str(), e.text())))?;
    let policy = verify::bundled_policy()?;
    let verifier = Verifier {
        keys: Some(&verify::KeyDir(&a.keys)),
        allow_unsigned: false,
        policy: &policy,
        now: time::OffsetDateTime::now_utc(),
    };
    match verify::verify(&bytes, &verifier) {
        Ok(v) => {
            let id = tuanthu::sanitize::one_line(&v.agency().id);
            let ok = tuanthu::text!(
                "valid signature of agency `{id}`; schema and figures check out",
                "chữ ký hợp lệ của cơ quan `{id}`; lược đồ và số liệu khớp"
            );
            println!("{shown}: {}", ok.get(l));
            Ok(ExitCode::Ok)
        }
        Err(verify::Rejection::Malformed(m)) => {
            Err(Problems::one(Problem::file(shown, tuanthu::sanitize::one_line(&m))).into())
        }
        Err(r) => {
            let rejected = tuanthu::i18n::tr(l, "rejected", "bị từ chối");
            println!("{shown}: {rejected}: {}", tuanthu::sanitize::one_line(r.text().get(l)));
            Ok(ExitCode::No)
        }
    }
}
