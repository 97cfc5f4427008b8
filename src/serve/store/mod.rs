//! The national service's storage: one interface ([`Store`]) over two back ends — SQLite (the
//! embedded default: a file, no set-up; rusqlite with SQLite bundled) and PostgreSQL (a real
//! center: tokio-postgres with a deadpool pool).
//!
//! Every operation is one transaction written once, as plain synchronous code over [`Conn`], and
//! runs on a blocking thread: SQLite is synchronous anyway, and PostgreSQL's async client is
//! driven from that thread through the runtime's handle. So the submission logic (duplicate,
//! supersede, insert, audit) exists once for both back ends, and the SQL is the same text for both
//! (`$1`… placeholders, which SQLite reads as parameters in order of first appearance).
//!
//! Crash safety: a submission is acknowledged only after its transaction committed; SQLite runs in
//! WAL mode with `synchronous=FULL` (NORMAL could lose the last commits on power loss, and an
//! acknowledged submission must survive), PostgreSQL with its own durable commit.

mod migrations;
mod postgres;
mod sqlite;

pub use migrations::LATEST as SCHEMA_VERSION;

/// Why the database could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `--database` is neither `sqlite:PATH` nor `postgres://…`.
    #[error("`{0}` is not a database URL (expected sqlite:PATH or postgres://user@host/db)")]
    BadUrl(String),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("PostgreSQL connection pool: {0}")]
    Pool(String),
    /// The database holds a schema newer than this tuanthu knows (a newer version ran on it).
    #[error("the database schema is version {found}, newer than this tuanthu's {known}; use a newer tuanthu")]
    TooNew { found: i64, known: i64 },
    /// A stored value that does not read back (a bug, or the database was edited by hand).
    #[error("stored data does not read back: {0}")]
    Corrupt(String),
    /// The blocking thread running the transaction stopped (panicked or the runtime shut down).
    #[error("the database worker stopped: {0}")]
    Worker(String),
}

/// A statement parameter (the only types the service stores: text, optional text, bytes).
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Text(&'a str),
    Opt(Option<&'a str>),
    Bytes(&'a [u8]),
}

/// A result cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
}

/// A result row with typed getters that say which column did not read back.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Cell>);

impl Row {
    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.0.get(i) {
            Some(Cell::Text(s)) => Ok(s.clone()),
            Some(Cell::Int(n)) => Ok(n.to_string()),
            other => Err(StoreError::Corrupt(format!("column {i}: expected text, found {other:?}"))),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.0.get(i) {
            Some(Cell::Null) => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        match self.0.get(i) {
            Some(Cell::Bytes(b)) => Ok(b.clone()),
            Some(Cell::Text(s)) => Ok(s.clone().into_bytes()),
            other => Err(StoreError::Corrupt(format!("column {i}: expected bytes, found {other:?}"))),
        }
    }
}

/// One open transaction, whatever the back end.
pub trait Conn {
    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, StoreError>;
    fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError>;
    /// Several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// Serialises writers of one agency until the transaction ends (PostgreSQL locks the agency's
    /// row; SQLite's `BEGIN IMMEDIATE` already serialises every writer).
    fn lock_agency(&mut self, agency: &str) -> Result<(), StoreError>;
    fn backend(&self) -> Backend;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: SQLite or PostgreSQL, chosen by the URL.
#[derive(Clone)]
pub enum Store {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

impl Store {
    /// Opens `sqlite:PATH` (created if missing) or `postgres://…` (a pool; connections are made
    /// on first use). Migrations are not applied: call [`Store::migrate`].
    pub fn open(url: &str) -> Result<Store, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(StoreError::BadUrl(url.to_string()));
            }
            Ok(Store::Sqlite(sqlite::Sqlite::open(std::path::Path::new(path))?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(postgres::Postgres::open(url)?))
        } else {
            Err(StoreError::BadUrl(crate::sanitize::one_line(url)))
        }
    }

    /// Runs `f` in one transaction on a blocking thread: committed when it returns `Ok`, rolled
    /// back otherwise.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.tx_blocking(f))
            .await
            .map_err(|e| StoreError::Worker(e.to_string()))?
    }

    /// [`Store::tx`] for callers already on a blocking thread (the CLI's admin commands).
    pub fn tx_blocking<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        match self {
            Store::Sqlite(s) => s.tx(f),
            Store::Postgres(p) => p.tx(f),
        }
    }

    /// Applies the migrations this database has not had yet; returns the versions applied.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        self.tx(migrations::apply).await
    }

    /// Applies the migrations up to schema version `target` only: a database as an older tuanthu
    /// left it (the migration tests build one to migrate it with [`Store::migrate`]).
    pub async fn migrate_to(&self, target: i64) -> Result<Vec<i64>, StoreError> {
        self.tx(move |c| migrations::apply_to(c, target)).await
    }

    /// Whether the database answers (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.tx(|c| c.query("SELECT 1", &[]).map(|_| ())).await
    }
}
