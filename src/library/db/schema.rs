//! The library's tables, versioned: `PRAGMA user_version` holds the schema
//! version and each migration takes a library one version up, in one transaction.
//!
//! A library written by version 1 (the fixture `tests/fixtures/library/v1.sqlite`)
//! must open in every later version: never change a migration once released; add
//! the next one.

use rusqlite::Connection;

/// Marks the file as a report library (`PRAGMA application_id`): "TRPT".
pub const APPLICATION_ID: i64 = 0x5452_5054;

/// The schema version this version writes.
pub const VERSION: i64 = 3;

/// Migration `i` takes a library from version `i` to `i + 1`.
const MIGRATIONS: [&str; 3] = [V1, V2, V3];

/// The first released schema.
const V1: &str = r#"
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- What the user added: a path (a file or folder imported), later mailboxes.
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    location TEXT NOT NULL UNIQUE,
    -- JSON; never a password.
    settings TEXT,
    added_at INTEGER NOT NULL
) STRICT;

-- One run of the import; finished_at NULL: it did not end (the process was
-- killed), and the next import of the same inputs resumes it.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    origin TEXT NOT NULL,
    -- JSON list of the paths or addresses given.
    inputs TEXT NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0,
    new INTEGER NOT NULL DEFAULT 0,
    copies INTEGER NOT NULL DEFAULT 0,
    problems INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Every file (or mailbox folder) anything was read from. `read_by`: the import
-- that read it whole, at this size and time and with this content.
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    size INTEGER,
    modified_ns INTEGER,
    digest BLOB,
    read_by INTEGER REFERENCES imports(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX files_digest ON files(digest) WHERE read_by IS NOT NULL;

-- JSON documents as read, deflated, once each.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    deflated BLOB NOT NULL
) STRICT;

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    organization_name TEXT NOT NULL,
    -- The report-id, or for a report without one its content digest: copies
    -- share it.
    report_key TEXT NOT NULL,
    report_id TEXT NOT NULL,
    contact_info TEXT,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    -- Input order: the import, then the file, message and item within it.
    import_id INTEGER NOT NULL REFERENCES imports(id),
    ord_file INTEGER NOT NULL,
    ord_message INTEGER NOT NULL,
    ord_item INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id),
    trail TEXT NOT NULL,
    source_id INTEGER REFERENCES sources(id) ON DELETE CASCADE,
    digest BLOB NOT NULL,
    document_id INTEGER REFERENCES documents(id),
    UNIQUE (organization_name, report_key)
) STRICT;
CREATE INDEX reports_order ON reports(import_id, ord_file, ord_message, ord_item);
CREATE INDEX reports_source ON reports(source_id);
CREATE INDEX reports_document ON reports(document_id);

CREATE TABLE policies (
    id INTEGER PRIMARY KEY,
    report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    policy_type TEXT NOT NULL,
    policy_domain TEXT,
    mode TEXT,
    policy_string TEXT,
    mx_patterns TEXT,
    successful INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    detail_failed INTEGER NOT NULL,
    UNIQUE (report, position)
) STRICT;

CREATE TABLE failure_details (
    id INTEGER PRIMARY KEY,
    policy INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    result_type TEXT NOT NULL,
    sending_mta_ip TEXT,
    receiving_ip TEXT,
    receiving_mx_hostname TEXT,
    receiving_mx_helo TEXT,
    failed_session_count INTEGER NOT NULL,
    failure_reason_code TEXT,
    additional_information TEXT,
    UNIQUE (policy, position)
) STRICT;

-- What each import found, input by input: a new report, a copy of one held
-- (a conflict when its digest differs from the kept report's), a problem or a
-- skipped input. ('unchanged' is reserved; files passed over are only counted.)
CREATE TABLE import_log (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    ord_file INTEGER NOT NULL,
    ord_message INTEGER NOT NULL,
    ord_item INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id),
    trail TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('new', 'copy', 'problem', 'skipped', 'unchanged')),
    reason TEXT,
    report INTEGER REFERENCES reports(id) ON DELETE CASCADE,
    digest BLOB
) STRICT;
CREATE UNIQUE INDEX import_log_copy ON import_log(report, file_id, trail) WHERE outcome = 'copy';
CREATE UNIQUE INDEX import_log_input ON import_log(file_id, trail, outcome)
    WHERE outcome IN ('problem', 'skipped');
CREATE INDEX import_log_import ON import_log(import_id);
CREATE INDEX import_log_report ON import_log(report);
"#;

/// Version 2: where a source's mailbox stands (issue: mail sources), so that a
/// sync fetches only what is new.
const V2: &str = r#"
CREATE TABLE source_state (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    -- A mailbox folder, or '' for a source with one.
    folder TEXT NOT NULL,
    -- JSON: the source's own record of what it has fetched.
    state TEXT NOT NULL,
    synced_at INTEGER,
    last_result TEXT,
    PRIMARY KEY (source_id, folder)
) STRICT;
"#;

/// Version 3: the snapshot of the rows (see `snapshot.rs`), chunk by chunk, so
/// that opening a large library does not join and intern every table row; the
/// reports by start time.
const V3: &str = r#"
CREATE TABLE snapshot (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    bytes BLOB NOT NULL
) STRICT;
-- The date span the library view shows, without reading every report.
CREATE INDEX reports_start ON reports(start);
"#;

/// The schema version of the open library.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Takes the library up to [`VERSION`], one migration per transaction.
pub fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    migrate_to(conn, from, VERSION)
}

/// Takes the library from version `from` to `to`.
pub fn migrate_to(conn: &mut Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    let steps = MIGRATIONS.iter().enumerate().take(to.max(0) as usize);
    for (index, sql) in steps.skip(from.max(0) as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if index == 0 {
            tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))?;
        }
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
    }
    Ok(())
}
