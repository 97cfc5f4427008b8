//! Versioned schema migrations, applied in order at start (and by `serve --migrate-only`), each
//! in the transaction that records it: a database is always at one known version. A migration is
//! never edited once released; a change is a new version.
//!
//! Times are stored as RFC 3339 text in UTC (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, fixed width, so text
//! order is time order), identical in both back ends.

use super::{Backend, Conn, StoreError};

/// One migration: its version and its SQL per back end (they differ only in types).
struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const V1_COMMON: &str = "
CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT,
    registered_at TEXT NOT NULL
);
CREATE TABLE keys (
    fingerprint TEXT PRIMARY KEY,
    agency TEXT NOT NULL REFERENCES agencies(id),
    public_pem TEXT NOT NULL,
    valid_from TEXT,
    valid_until TEXT,
    added_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX keys_agency ON keys(agency);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('center', 'agency')),
    agency TEXT REFERENCES agencies(id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
";

const V1_SQLITE: &str = "
CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    agency TEXT NOT NULL REFERENCES agencies(id),
    period TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    key_fingerprint TEXT NOT NULL REFERENCES keys(fingerprint),
    status TEXT NOT NULL CHECK (status IN ('counted', 'superseded')),
    superseded_by TEXT,
    agency_name TEXT NOT NULL,
    digest BLOB NOT NULL,
    figures TEXT NOT NULL,
    raw BLOB NOT NULL
);
CREATE INDEX submissions_agency_period ON submissions(agency, period);
CREATE INDEX submissions_period_status ON submissions(period, status);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
";

const V1_POSTGRES: &str = "
CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    agency TEXT NOT NULL REFERENCES agencies(id),
    period TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    key_fingerprint TEXT NOT NULL REFERENCES keys(fingerprint),
    status TEXT NOT NULL CHECK (status IN ('counted', 'superseded')),
    superseded_by TEXT,
    agency_name TEXT NOT NULL,
    digest BYTEA NOT NULL,
    figures TEXT NOT NULL,
    raw BYTEA NOT NULL
);
CREATE INDEX submissions_agency_period ON submissions(agency, period);
CREATE INDEX submissions_period_status ON submissions(period, status);
CREATE TABLE audit (
    seq BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
";

/// Version 2: each submission's tallies (its figures for the national view: a few hundred bytes,
/// `aggregate`'s `ReportTally`) in their own column, so the national view reads those and not
/// every system's controls and findings (measured: docs/national-service.md, "Performance").
/// Rows stored before it have none; the view then reads their full figures.
const V2: &str = "ALTER TABLE submissions ADD COLUMN tally TEXT;";

/// Version 3: the tallies move to a table of their own. In SQLite the `tally` column of version 2
/// sits after the 2 MB `raw` value of its row (`ALTER TABLE` appends), so reading it followed
/// every row's overflow pages: 2.7 s for the national view of 1 000 agencies (measured:
/// docs/national-service.md, "Performance"). Now the view reads the tallies (about 6 KB per report)
/// and the small columns at the start of each row.
/// The tallies of version 2 are copied over; rows stored before version 2 have none and keep
/// being read from their full figures (computing them here would need JSON functions that fail the
/// whole migration, and so the server's start, on one unreadable row). The old column stays,
/// no longer written or read: dropping it would rewrite every row of the table in SQLite.
/// SQLite keeps the table `WITHOUT ROWID`, so a lookup by id is one B-tree, not two.
///
/// The index on (agency, period) becomes one on (agency, period, status): the submission's own
/// lookup of its agency's counted report names all three, and without statistics SQLite chose the
/// index on (period, status) for it, reading the row of every counted report of the period to
/// check its agency, in every submission's transaction (found with `EXPLAIN QUERY PLAN`).
const V3_SQLITE: &str = "
CREATE TABLE submission_tallies (
    id TEXT PRIMARY KEY REFERENCES submissions(id),
    tally TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO submission_tallies (id, tally) SELECT id, tally FROM submissions WHERE tally IS NOT NULL;
CREATE INDEX submissions_agency_period_status ON submissions(agency, period, status);
DROP INDEX submissions_agency_period;
";

const V3_POSTGRES: &str = "
CREATE TABLE submission_tallies (
    id TEXT PRIMARY KEY REFERENCES submissions(id),
    tally TEXT NOT NULL
);
INSERT INTO submission_tallies (id, tally) SELECT id, tally FROM submissions WHERE tally IS NOT NULL;
CREATE INDEX submissions_agency_period_status ON submissions(agency, period, status);
DROP INDEX submissions_agency_period;
";

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, sqlite: V1_SQLITE, postgres: V1_POSTGRES },
    Migration { version: 2, sqlite: V2, postgres: V2 },
    Migration { version: 3, sqlite: V3_SQLITE, postgres: V3_POSTGRES },
];

/// Common tables of version 1 (same SQL in both back ends), applied before the per-back-end part.
fn common(version: i64) -> &'static str {
    if version == 1 { V1_COMMON } else { "" }
}

/// The schema version this tuanthu writes.
pub const LATEST: i64 = 3;

/// Applies the missing migrations in the caller's transaction; returns the versions applied.
pub fn apply(c: &mut dyn Conn) -> Result<Vec<i64>, StoreError> {
    apply_to(c, LATEST)
}

/// Applies the missing migrations up to `target` (at most [`LATEST`]); returns the versions applied.
pub fn apply_to(c: &mut dyn Conn, target: i64) -> Result<Vec<i64>, StoreError> {
    if c.backend() == Backend::Postgres {
        // Two servers starting at once against one empty database: one migrates, the other waits.
        c.query("SELECT pg_advisory_xact_lock(8650)", &[])?;
    }
    c.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")?;
    let rows = c.query("SELECT CAST(COALESCE(MAX(version), 0) AS TEXT) FROM schema_migrations", &[])?;
    let current: i64 = match rows.first() {
        Some(r) => r.text(0)?.parse().map_err(|_| StoreError::Corrupt("schema_migrations.version".into()))?,
        None => 0,
    };
    if current > LATEST {
        return Err(StoreError::TooNew { found: current, known: LATEST });
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > current && m.version <= target) {
        c.batch(common(m.version))?;
        c.batch(if c.backend() == Backend::Sqlite { m.sqlite } else { m.postgres })?;
        let v = m.version.to_string();
        c.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (CAST(CAST($1 AS TEXT) AS BIGINT), $2)",
            &[super::Param::Text(&v), super::Param::Text(&crate::serve::now_text())],
        )?;
        applied.push(m.version);
    }
    Ok(applied)
}
