//! What can stop a source's sync, in words a user can act on.

use crate::library::db::LibraryError;

/// An error adding or syncing a source. What a sync committed before it is
/// kept; the next sync resumes from there.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The address is not one a source can have.
    #[error("bad source address {address}: {reason}")]
    BadAddress { address: String, reason: String },
    /// The settings stored with a source cannot be read (written by a later version?).
    #[error("the settings of source {location} cannot be read: {reason}")]
    BadSettings { location: String, reason: String },
    /// No password or token: neither a command nor the environment variable gives one.
    #[error("no credentials for {location}: {reason}")]
    NoCredentials { location: String, reason: String },
    /// The password or token command failed.
    #[error("the command `{command}` failed: {reason}")]
    Command { command: String, reason: String },
    /// The CA file given cannot be read or holds no certificate.
    #[error("CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    /// The server cannot be reached, or the connection broke or timed out.
    #[error("{host}:{port}: {reason}")]
    Connection {
        host: String,
        port: u16,
        reason: String,
    },
    /// The server's certificate is not trusted, or the TLS handshake failed.
    #[error("TLS with {host}: {reason}")]
    Tls { host: String, reason: String },
    /// An `imap://` server that does not offer STARTTLS: no password is sent in clear.
    #[error(
        "{host} does not offer STARTTLS; refusing to log in without TLS (use imaps:// if it has port 993)"
    )]
    NoStartTls { host: String },
    /// The server refused the login.
    #[error("login as {user} refused: {reason}")]
    Login { user: String, reason: String },
    /// The server answered a command with an error.
    #[error("IMAP {command}: {reason}")]
    Imap { command: String, reason: String },
    /// A Maildir or watched folder cannot be read.
    #[error("{path}: {reason}")]
    Folder { path: String, reason: String },
    /// The sync was cancelled; what it committed is kept.
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Library(#[from] LibraryError),
}
