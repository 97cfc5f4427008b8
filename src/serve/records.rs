//! What the service stores and reads back, each as work inside one transaction over [`Conn`]:
//! the key registry, read tokens, submissions (the raw signed bytes — the legal record — beside
//! the figures computed once at submission) and the audit log. Never a secret: tokens are stored
//! and audited by their hash's prefix only.

use super::store::{Conn, Param, Row, StoreError};
use time::OffsetDateTime;

/// A registered public key of an agency.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyRecord {
    pub fingerprint: String,
    pub agency: String,
    #[serde(skip)]
    pub public_pem: String,
    /// First and last day (inclusive, YYYY-MM-DD) the key may sign; `None`: unbounded.
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub added_at: String,
    pub revoked_at: Option<String>,
}

/// Appends to the audit log (in the caller's transaction: the action and its record commit together).
pub fn audit(c: &mut dyn Conn, actor: &str, action: &str, detail: &str) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO audit (at, actor, action, detail) VALUES ($1, $2, $3, $4)",
        &[Param::Text(&super::now_text()), Param::Text(actor), Param::Text(action), Param::Text(detail)],
    )
    .map(|_| ())
}

/// Registers `agency` if it is not yet known (a key or token names it first).
fn register_agency(c: &mut dyn Conn, agency: &str) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO agencies (id, registered_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        &[Param::Text(agency), Param::Text(&super::now_text())],
    )
    .map(|_| ())
}

/// Adds a key; `false` when a key with this fingerprint is already registered.
pub fn add_key(c: &mut dyn Conn, k: &KeyRecord, actor: &str) -> Result<bool, StoreError> {
    register_agency(c, &k.agency)?;
    let exists = !c.query("SELECT agency FROM keys WHERE fingerprint = $1", &[Param::Text(&k.fingerprint)])?.is_empty();
    if exists {
        return Ok(false);
    }
    c.execute(
        "INSERT INTO keys (fingerprint, agency, public_pem, valid_from, valid_until, added_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Param::Text(&k.fingerprint),
            Param::Text(&k.agency),
            Param::Text(&k.public_pem),
            Param::Opt(k.valid_from.as_deref()),
            Param::Opt(k.valid_until.as_deref()),
            Param::Text(&k.added_at),
        ],
    )?;
    let window = format!("{}..{}", k.valid_from.as_deref().unwrap_or(""), k.valid_until.as_deref().unwrap_or(""));
    audit(c, actor, "key.add", &format!("agency={} key={} valid={window}", k.agency, k.fingerprint))?;
    Ok(true)
}

/// Revokes a key of `agency` from now on; `false` when the agency has no such unrevoked key.
/// Submissions it verified before stay valid: revocation is about what it may sign from now on.
pub fn revoke_key(c: &mut dyn Conn, agency: &str, fingerprint: &str, actor: &str) -> Result<bool, StoreError> {
    let n = c.execute(
        "UPDATE keys SET revoked_at = $1 WHERE agency = $2 AND fingerprint = $3 AND revoked_at IS NULL",
        &[Param::Text(&super::now_text()), Param::Text(agency), Param::Text(fingerprint)],
    )?;
    if n > 0 {
        audit(c, actor, "key.revoke", &format!("agency={agency} key={fingerprint}"))?;
    }
    Ok(n > 0)
}

/// The registered keys, of one agency or all, oldest first.
pub fn keys(c: &mut dyn Conn, agency: Option<&str>) -> Result<Vec<KeyRecord>, StoreError> {
    const COLS: &str = "fingerprint, agency, public_pem, valid_from, valid_until, added_at, revoked_at";
    let rows = match agency {
        Some(a) => c.query(
            &format!("SELECT {COLS} FROM keys WHERE agency = $1 ORDER BY added_at, fingerprint"),
            &[Param::Text(a)],
        )?,
        None => c.query(&format!("SELECT {COLS} FROM keys ORDER BY agency, added_at, fingerprint"), &[])?,
    };
    rows.iter()
        .map(|r| {
            Ok(KeyRecord {
                fingerprint: r.text(0)?,
                agency: r.text(1)?,
                public_pem: r.text(2)?,
                valid_from: r.opt_text(3)?,
                valid_until: r.opt_text(4)?,
                added_at: r.text(5)?,
                revoked_at: r.opt_text(6)?,
            })
        })
        .collect()
}

/// Who a read token lets in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The national center: everything.
    Center,
    /// One agency: its own figures, systems and reports only.
    Agency(String),
}

/// Stores a token by its hash.
pub fn add_token(c: &mut dyn Conn, hash: &str, role: &Role, actor: &str) -> Result<(), StoreError> {
    let (role_name, agency) = match role {
        Role::Center => ("center", None),
        Role::Agency(a) => ("agency", Some(a.as_str())),
    };
    if let Some(a) = agency {
        register_agency(c, a)?;
    }
    c.execute(
        "INSERT INTO tokens (hash, role, agency, created_at) VALUES ($1, $2, $3, $4)",
        &[Param::Text(hash), Param::Text(role_name), Param::Opt(agency), Param::Text(&super::now_text())],
    )?;
    // The hash's prefix identifies the token in the log; the token itself is never stored.
    let shown = &hash[..hash.len().min(12)];
    audit(c, actor, "token.create", &format!("role={role_name} agency={} token_hash={shown}…", agency.unwrap_or("-")))
}

/// The role of the token with this hash, if it exists and is not revoked.
pub fn token(c: &mut dyn Conn, hash: &str) -> Result<Option<Role>, StoreError> {
    let rows =
        c.query("SELECT role, agency FROM tokens WHERE hash = $1 AND revoked_at IS NULL", &[Param::Text(hash)])?;
    let Some(r) = rows.first() else { return Ok(None) };
    Ok(match (r.text(0)?.as_str(), r.opt_text(1)?) {
        ("center", _) => Some(Role::Center),
        ("agency", Some(a)) => Some(Role::Agency(a)),
        _ => None,
    })
}

/// A verified report about to be stored.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub id: String,
    pub agency: String,
    pub agency_name: String,
    pub period: String,
    pub generated_at: String,
    pub written: OffsetDateTime,
    pub received_at: String,
    pub key: String,
    pub digest: Vec<u8>,
    /// [`super::figures::StoredFigures`] as JSON.
    pub figures: String,
    /// Its `tally` alone as JSON (what the national view reads).
    pub tally: String,
    pub raw: Vec<u8>,
}

/// What became of a submission (the API's `201` body).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    pub id: String,
    pub agency: String,
    pub period: String,
    /// `counted`, `superseded` or `duplicate`.
    pub status: String,
    /// Fingerprint of the key that verified it.
    pub key: String,
}

/// Stores a verified submission in the caller's transaction: the same bytes again are a
/// `duplicate` with the first one's id; otherwise it is `counted` when it is the newest of its
/// agency and period (the one counted before becomes `superseded`), `superseded` when not. Newest
/// is [`crate::aggregate::national::select`]'s rule: the later `generated_at`, then the smaller id
/// (ids play the part of `aggregate`'s file names), so the outcome does not depend on arrival order.
pub fn submit(c: &mut dyn Conn, s: &NewSubmission) -> Result<Receipt, StoreError> {
    let receipt = |status: &str, key: &str| Receipt {
        id: s.id.clone(),
        agency: s.agency.clone(),
        period: s.period.clone(),
        status: status.to_string(),
        key: key.to_string(),
    };
    c.lock_agency(&s.agency)?;
    let same = c.query("SELECT key_fingerprint FROM submissions WHERE id = $1", &[Param::Text(&s.id)])?;
    if let Some(r) = same.first() {
        audit(c, "agency", "submission.duplicate", &format!("agency={} period={} id={}", s.agency, s.period, s.id))?;
        return Ok(receipt("duplicate", &r.text(0)?));
    }
    let current = c.query(
        "SELECT id, generated_at FROM submissions WHERE agency = $1 AND period = $2 AND status = 'counted'",
        &[Param::Text(&s.agency), Param::Text(&s.period)],
    )?;
    let mut status = "counted";
    let mut superseded_by = None;
    for r in &current {
        let (id, generated_at) = (r.text(0)?, r.text(1)?);
        let written = crate::dates::parse_datetime(&generated_at)
            .map_err(|_| StoreError::Corrupt(format!("submission {id}: generated_at `{generated_at}`")))?;
        if (s.written, std::cmp::Reverse(&s.id)) > (written, std::cmp::Reverse(&id)) {
            c.execute(
                "UPDATE submissions SET status = 'superseded', superseded_by = $1 WHERE id = $2",
                &[Param::Text(&s.id), Param::Text(&id)],
            )?;
        } else {
            status = "superseded";
            superseded_by = Some(id);
        }
    }
    c.execute(
        "INSERT INTO submissions (id, agency, period, generated_at, received_at, key_fingerprint, status, superseded_by, \
         agency_name, digest, figures, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            Param::Text(&s.id),
            Param::Text(&s.agency),
            Param::Text(&s.period),
            Param::Text(&s.generated_at),
            Param::Text(&s.received_at),
            Param::Text(&s.key),
            Param::Text(status),
            Param::Opt(superseded_by.as_deref()),
            Param::Text(&s.agency_name),
            Param::Bytes(&s.digest),
            Param::Text(&s.figures),
            Param::Bytes(&s.raw),
        ],
    )?;
    // In the same transaction: a submission is never stored without its tallies.
    c.execute(
        "INSERT INTO submission_tallies (id, tally) VALUES ($1, $2)",
        &[Param::Text(&s.id), Param::Text(&s.tally)],
    )?;
    if status == "counted" {
        c.execute(
            "UPDATE agencies SET name = $1 WHERE id = $2",
            &[Param::Text(&s.agency_name), Param::Text(&s.agency)],
        )?;
    }
    let detail = format!("agency={} period={} id={} status={status} key={}", s.agency, s.period, s.id, s.key);
    audit(c, "agency", "submission", &detail)?;
    Ok(receipt(status, &s.key))
}

/// A stored submission without its raw bytes: what the views read.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub agency: String,
    pub agency_name: String,
    pub period: String,
    pub generated_at: String,
    pub key: String,
    pub status: String,
    pub digest: Vec<u8>,
    pub figures: String,
}

const STORED: &str = "id, agency, agency_name, period, generated_at, key_fingerprint, status, digest, figures";

fn stored(r: &Row) -> Result<Stored, StoreError> {
    Ok(Stored {
        id: r.text(0)?,
        agency: r.text(1)?,
        agency_name: r.text(2)?,
        period: r.text(3)?,
        generated_at: r.text(4)?,
        key: r.text(5)?,
        status: r.text(6)?,
        digest: r.bytes(7)?,
        figures: r.text(8)?,
    })
}

/// Every submission (counted and superseded) of a period.
pub fn of_period(c: &mut dyn Conn, period: &str) -> Result<Vec<Stored>, StoreError> {
    let sql = format!("SELECT {STORED} FROM submissions WHERE period = $1 ORDER BY agency, id");
    c.query(&sql, &[Param::Text(period)])?.iter().map(stored).collect()
}

/// Every submission of a period as the national view needs it: with its tallies (JSON) and
/// without its systems (`figures` is empty), except for rows stored before the tallies were kept
/// (schema version 2), which come with their full figures and no tallies. The tallies are read
/// from their own table (schema version 3), not from the row that holds the raw report: in SQLite
/// a value after the 2 MB `raw` is reached only through the row's overflow pages.
pub fn tallies_of_period(c: &mut dyn Conn, period: &str) -> Result<Vec<(Stored, Option<String>)>, StoreError> {
    let sql = "SELECT s.id, s.agency, s.agency_name, s.period, s.generated_at, s.key_fingerprint, s.status, s.digest, \
               CASE WHEN t.tally IS NULL THEN s.figures ELSE '' END, t.tally \
               FROM submissions s LEFT JOIN submission_tallies t ON t.id = s.id WHERE s.period = $1 \
               ORDER BY s.agency, s.id";
    c.query(sql, &[Param::Text(period)])?.iter().map(|r| Ok((stored(r)?, r.opt_text(9)?))).collect()
}

/// The counted submissions of an agency, every period, oldest period first.
pub fn counted_of_agency(c: &mut dyn Conn, agency: &str) -> Result<Vec<Stored>, StoreError> {
    let sql = format!("SELECT {STORED} FROM submissions WHERE agency = $1 AND status = 'counted' ORDER BY period");
    c.query(&sql, &[Param::Text(agency)])?.iter().map(stored).collect()
}

/// (period, agency) of every stored submission, for the default period.
pub fn period_agencies(c: &mut dyn Conn) -> Result<Vec<(String, String)>, StoreError> {
    c.query("SELECT DISTINCT period, agency FROM submissions", &[])?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect()
}

/// The agencies with a registered key or token: those expected to report.
pub fn registered(c: &mut dyn Conn) -> Result<Vec<(String, Option<String>)>, StoreError> {
    c.query("SELECT id, name FROM agencies ORDER BY id", &[])?
        .iter()
        .map(|r| Ok((r.text(0)?, r.opt_text(1)?)))
        .collect()
}

/// A submission's agency and stored bytes.
pub fn raw(c: &mut dyn Conn, id: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    let rows = c.query("SELECT agency, raw FROM submissions WHERE id = $1", &[Param::Text(id)])?;
    rows.first().map(|r| Ok((r.text(0)?, r.bytes(1)?))).transpose()
}
