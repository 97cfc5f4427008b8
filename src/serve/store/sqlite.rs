//! SQLite back end: one connection to a file, used from blocking threads one transaction at a
//! time (`BEGIN IMMEDIATE`: SQLite has one writer anyway, and taking the write lock at the start
//! means a transaction never fails half-way on a lock it could not upgrade).

use super::{Backend, Cell, Conn, Param, Row, StoreError};
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Sqlite {
    conn: Arc<Mutex<rusqlite::Connection>>,
}

impl Sqlite {
    pub fn open(path: &std::path::Path) -> Result<Sqlite, StoreError> {
        let conn = rusqlite::Connection::open(path)?;
        // WAL: readers do not block the writer. synchronous=FULL: a commit is on disk before the
        // submission is acknowledged, even across a power loss (NORMAL could lose the last ones).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // An admin command (`serve keys add`) beside a running server waits for the lock.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Sqlite { conn: Arc::new(Mutex::new(conn)) })
    }

    pub fn tx<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        // A panic in another transaction poisons the mutex but leaves the connection usable (that
        // transaction was rolled back below or never committed).
        let guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        guard.execute_batch("BEGIN IMMEDIATE")?;
        let mut tx = Tx { conn: &guard };
        match f(&mut tx) {
            Ok(v) => match guard.execute_batch("COMMIT") {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = guard.execute_batch("ROLLBACK");
                    Err(e.into())
                }
            },
            Err(e) => {
                let _ = guard.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

struct Tx<'c> {
    conn: &'c rusqlite::Connection,
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Opt(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Opt(None) => ToSqlOutput::Borrowed(ValueRef::Null),
            Param::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn cell(v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(n) => Cell::Int(n),
        ValueRef::Real(r) => Cell::Text(r.to_string()),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
    }
}

impl Conn for Tx<'_> {
    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(cell(r.get_ref(i)?));
            }
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch(sql)?)
    }

    fn lock_agency(&mut self, _agency: &str) -> Result<(), StoreError> {
        Ok(())
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}
