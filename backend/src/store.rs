//! The run-history store: every run the control server starts (the scenario as run, each
//! interval's snapshot, alerts, the final summary) and the scenarios saved through the API,
//! in one embedded SQLite file, `<data_dir>/stampede.db`.
//!
//! # Durability
//!
//! The database runs in WAL mode with `synchronous = NORMAL`. Every call below is one
//! transaction, and once it returns the data is in the WAL file: a committed interval survives
//! the process being killed (`kill -9`, a panic, an OOM kill), so a crash mid-run loses at most
//! the interval being collected. What NORMAL gives up, compared to FULL, is only the last few
//! commits on a power loss or OS crash (the WAL is not fsynced on every commit); the database
//! itself stays consistent either way. At the next start [`Store::mark_interrupted`] turns runs
//! that were left `pending`/`running`/`stopping` into `interrupted`, keeping their data.
//!
//! # Concurrency
//!
//! [`Store`] is a cheap, cloneable handle around one connection behind a mutex. Calls are
//! synchronous and short; async callers should use `spawn_blocking`.
//!
//! A data directory belongs to one store at a time: [`Store::open`] takes an exclusive lock on
//! `<data_dir>/stampede.lock` and holds it until the last clone is dropped (or the process
//! exits, however it ends). A second opener — another `stampede serve` — is refused before it
//! reads anything, so its start-up recovery cannot mark the first one's live run `interrupted`
//! or prune its history. A `busy_timeout` still makes any other SQLite client of the file
//! wait for the database lock rather than fail at once.
//!
//! The schema is versioned: `store/migrations.rs` holds the ordered migrations, and opening a
//! database applies the missing ones (and refuses one written by a newer build).

#[cfg(test)]
mod fixtures;
mod history;
mod migrations;
#[cfg(test)]
mod recovery_tests;
mod runs;
mod scenarios;
#[cfg(test)]
mod tests;

pub use runs::{INTERRUPTED_BY_RESTART, RunDeletion};

use std::fmt::Display;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// File name of the database inside the data directory.
pub const DB_FILE_NAME: &str = "stampede.db";
/// File name of the lock an open store holds in the data directory.
pub const LOCK_FILE_NAME: &str = "stampede.lock";
/// Runs listed when the filter gives no limit.
pub const DEFAULT_LIST_LIMIT: u32 = 100;
/// The most runs one list returns, whatever the filter asks.
pub const MAX_LIST_LIMIT: u32 = 1000;
/// How long a call waits for another process holding the database lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything the store can fail with. Messages name the file, run or row concerned.
///
/// A message includes the text of its cause (`cannot open … stampede.db: file is not a
/// database`), so the cause is deliberately not also its `source()`: a reporter that prints
/// the whole chain, as `stampede serve` does (anyhow's `{:#}`), would say it twice.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {}: {cause}", path.display())]
    Io {
        /// The directory.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// Another store (another `stampede serve`) has the data directory open.
    #[error("another stampede serve is using data directory {}", dir.display())]
    Locked {
        /// The data directory.
        dir: PathBuf,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock the data directory with {}: {cause}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// The database file could not be opened or is not a SQLite database.
    #[error("cannot open the run-history database {}: {cause}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: rusqlite::Error,
    },
    /// The database was written by a newer build of stampede.
    #[error(
        "the run-history database has schema version {found}, but this build of stampede only \
         knows versions up to {known}; run a newer stampede or use another data directory"
    )]
    SchemaTooNew {
        /// Version found in the database.
        found: u32,
        /// Highest version this build knows.
        known: u32,
    },
    /// A schema migration failed; the database stays at the previous version.
    #[error("migrating the run-history database to schema version {version} failed: {cause}")]
    Migration {
        /// The version that failed.
        version: u32,
        /// Why.
        cause: rusqlite::Error,
    },
    /// Any other SQLite failure.
    #[error("run-history database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A value could not be encoded as JSON for storage.
    #[error("cannot encode a value for the run history: {0}")]
    Json(serde_json::Error),
    /// No such run (or other row) to update.
    #[error("{0} not found")]
    NotFound(String),
    /// A run with this id already exists.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// A number is beyond what SQLite stores (integers are signed 64-bit).
    #[error("{0} is too large to store")]
    TooLarge(String),
    /// A stored row cannot be read back (bad JSON, unknown enum name, out-of-range number).
    #[error("corrupt data in the run history: {0}")]
    Corrupt(String),
}

// By hand rather than `#[from]`, which would also make the cause the `source()` (see above).
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Json(e)
    }
}

/// Handle to the run-history database. Clones share one connection.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    /// The locked `stampede.lock` of a store on disk: the lock lasts as long as the file is
    /// open, that is until the last clone is dropped.
    _dir_lock: Option<Arc<File>>,
}

impl Store {
    /// Opens (creating if needed) `<data_dir>/stampede.db`, creating `data_dir` too, and brings
    /// its schema up to date. Refused with [`StoreError::Locked`] while another store has the
    /// directory open.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|cause| StoreError::Io {
            path: data_dir.to_path_buf(),
            // "File exists" would not say which part is in the way.
            cause: if data_dir.exists() && !data_dir.is_dir() {
                std::io::Error::new(cause.kind(), "it is a file, not a directory")
            } else {
                cause
            },
        })?;
        let dir_lock = lock_dir(data_dir)?;
        let path = data_dir.join(DB_FILE_NAME);
        let open_err = |cause| StoreError::Open {
            path: path.clone(),
            cause,
        };
        let conn = Connection::open(&path).map_err(open_err)?;
        // SQLite opens lazily: a file that is not a database only fails on the first statement,
        // so configuring is part of opening as far as error messages go.
        configure(&conn, true).map_err(open_err)?;
        Self::from_connection(conn, Some(dir_lock))
    }

    /// A private database in memory, gone when the last clone is dropped. For tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        configure(&conn, false)?;
        Self::from_connection(conn, None)
    }

    fn from_connection(mut conn: Connection, dir_lock: Option<File>) -> Result<Store, StoreError> {
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            _dir_lock: dir_lock.map(Arc::new),
        })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::current_version(&self.lock())
    }

    /// Runs `sql` on the store's connection, for tests that shape the database around the
    /// store (a trigger that makes one kind of write fail, as a full disk would).
    #[cfg(test)]
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.lock().execute_batch(sql)?)
    }

    /// The connection. A panic while it was held cannot have left a transaction half done
    /// (an unfinished `Transaction` rolls back when dropped during unwinding), so a poisoned
    /// lock is safe to take over instead of failing every later call.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Takes the data directory's exclusive lock (an advisory lock on `stampede.lock`, which the
/// operating system releases when the file is closed, also when the process dies).
fn lock_dir(data_dir: &Path) -> Result<File, StoreError> {
    let path = data_dir.join(LOCK_FILE_NAME);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&path);
    let lock_err = |cause| StoreError::Lock {
        path: path.clone(),
        cause,
    };
    let file = file.map_err(lock_err)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
            dir: data_dir.to_path_buf(),
        }),
        Err(TryLockError::Error(cause)) => Err(lock_err(cause)),
    }
}

/// Per-connection settings (they are not stored in the file, except the journal mode).
fn configure(conn: &Connection, file: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if file {
        // Readers do not block the writer and a commit is one append to the WAL. The pragma
        // answers with the mode in effect; a file system without shared memory may refuse WAL
        // and keep the rollback journal, which is slower but just as safe, so that is accepted.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    // Intervals and alerts reference their run; SQLite leaves this off by default.
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// An enum's serde name (`"running"`, `"stress"`), the same word as on the wire.
fn enum_name<T: Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(StoreError::Corrupt(format!(
            "expected a unit enum to encode as a string, got {other}"
        ))),
    }
}

/// Parses an enum from its serde name; `what` says where it came from, for the error.
fn enum_from_name<T: DeserializeOwned>(name: &str, what: impl Display) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|e| StoreError::Corrupt(format!("{what}: unknown value {name:?}: {e}")))
}

/// Parses stored JSON; `what` says where it came from, for the error.
fn from_json<T: DeserializeOwned>(text: &str, what: impl Display) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what} is not valid: {e}")))
}

/// A stored integer as `u64`; SQLite integers are signed and a negative one is corruption.
fn to_u64(v: i64, what: impl Display) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} is negative ({v})")))
}

/// A `u64` for an INTEGER column: SQLite integers are signed 64-bit, so the top half of the
/// range is refused rather than wrapped.
fn to_i64(v: u64, what: impl Display) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::TooLarge(format!("{what} ({v})")))
}
