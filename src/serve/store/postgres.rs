//! PostgreSQL back end: a deadpool pool of tokio-postgres connections. Transactions run on a
//! blocking thread (see the parent module) that drives the async client through the runtime
//! handle captured when the pool was made, so the same synchronous transaction code serves both
//! back ends.

use super::{Backend, Cell, Conn, Param, Row, StoreError};
use tokio_postgres::types::{ToSql, Type};

#[derive(Clone)]
pub struct Postgres {
    pool: deadpool_postgres::Pool,
    rt: tokio::runtime::Handle,
}

impl Postgres {
    /// A pool for `url`; must be called inside a tokio runtime (the server's, or the CLI's).
    pub fn open(url: &str) -> Result<Postgres, StoreError> {
        // A URL that does not parse is the user's input, not a database failure.
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| StoreError::BadUrl(format!("{}: {e}", crate::sanitize::one_line(url))))?;
        let manager = deadpool_postgres::Manager::from_config(
            config,
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig { recycling_method: deadpool_postgres::RecyclingMethod::Fast },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(16)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let rt = tokio::runtime::Handle::try_current()
            .map_err(|_| StoreError::Pool("no async runtime to drive PostgreSQL connections".into()))?;
        Ok(Postgres { pool, rt })
    }

    pub fn tx<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let client = self.rt.block_on(self.pool.get()).map_err(|e| StoreError::Pool(e.to_string()))?;
        let mut tx = Tx { client: &client, rt: &self.rt };
        tx.batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        match f(&mut tx) {
            Ok(v) => match tx.batch("COMMIT") {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = tx.batch("ROLLBACK");
                    Err(e)
                }
            },
            Err(e) => {
                let _ = tx.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

struct Tx<'c> {
    client: &'c deadpool_postgres::Object,
    rt: &'c tokio::runtime::Handle,
}

fn params<'a>(p: &'a [Param<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    p.iter()
        .map(|p| match p {
            Param::Text(s) => s as &(dyn ToSql + Sync),
            Param::Opt(o) => o as &(dyn ToSql + Sync),
            Param::Bytes(b) => b as &(dyn ToSql + Sync),
        })
        .collect()
}

fn row(r: &tokio_postgres::Row) -> Result<Row, StoreError> {
    let mut cells = Vec::with_capacity(r.len());
    for (i, c) in r.columns().iter().enumerate() {
        let cell = match *c.type_() {
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map_or(Cell::Null, Cell::Bytes),
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map_or(Cell::Null, Cell::Int),
            Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map_or(Cell::Null, |n| Cell::Int(n.into())),
            Type::VOID => Cell::Null,
            _ => r.try_get::<_, Option<String>>(i)?.map_or(Cell::Null, Cell::Text),
        };
        cells.push(cell);
    }
    Ok(Row(cells))
}

impl Conn for Tx<'_> {
    fn query(&mut self, sql: &str, p: &[Param]) -> Result<Vec<Row>, StoreError> {
        let stmt = self.rt.block_on(self.client.prepare_cached(sql))?;
        let rows = self.rt.block_on(self.client.query(&stmt, &params(p)))?;
        rows.iter().map(row).collect()
    }

    fn execute(&mut self, sql: &str, p: &[Param]) -> Result<u64, StoreError> {
        let stmt = self.rt.block_on(self.client.prepare_cached(sql))?;
        Ok(self.rt.block_on(self.client.execute(&stmt, &params(p)))?)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.rt.block_on(self.client.batch_execute(sql))?)
    }

    fn lock_agency(&mut self, agency: &str) -> Result<(), StoreError> {
        self.query("SELECT id FROM agencies WHERE id = $1 FOR UPDATE", &[Param::Text(agency)]).map(|_| ())
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}
