//! A source's settings as the library keeps them (JSON, never a password), and
//! the credentials they lead to at sync time.

use std::path::PathBuf;
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::SourceError;

/// The environment variable that holds the IMAP password when no command is set.
pub const PASSWORD_VARIABLE: &str = "TLSRPT_IMAP_PASSWORD";

/// What a source is set up with besides its address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SourceSettings {
    /// Certificates (PEM) trusted instead of the built-in web roots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Prints the password (as mbsync's PassCmd).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_command: Option<String>,
    /// Prints an OAuth2 access token: XOAUTH2 instead of a password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_command: Option<String>,
    /// Imported messages are moved to this folder (else nothing on the server changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub move_to: Option<String>,
}

impl SourceSettings {
    pub fn to_json(&self) -> Option<String> {
        (self != &SourceSettings::default())
            .then(|| serde_json::to_string(self).unwrap_or_default())
    }

    pub fn from_json(location: &str, json: Option<&str>) -> Result<SourceSettings, SourceError> {
        match json {
            None | Some("") => Ok(SourceSettings::default()),
            Some(text) => serde_json::from_str(text).map_err(|e| SourceError::BadSettings {
                location: location.into(),
                reason: e.to_string(),
            }),
        }
    }
}

/// How a sync logs in.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Password(String),
    /// An OAuth2 access token (XOAUTH2).
    Token(String),
}

impl std::fmt::Debug for Credentials {
    // Never print a secret, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Password(_) => f.write_str("Password(…)"),
            Credentials::Token(_) => f.write_str("Token(…)"),
        }
    }
}

/// Finds the credentials of a source: its token command, its password
/// command, `typed` (a password the app was given for this session), then the
/// environment variable.
pub fn credentials(
    location: &str,
    settings: &SourceSettings,
    typed: Option<&str>,
) -> Result<Credentials, SourceError> {
    if let Some(command) = &settings.token_command {
        return run_secret_command(command).map(Credentials::Token);
    }
    if let Some(command) = &settings.password_command {
        return run_secret_command(command).map(Credentials::Password);
    }
    if let Some(password) = typed {
        return Ok(Credentials::Password(password.to_string()));
    }
    match std::env::var(PASSWORD_VARIABLE) {
        Ok(password) if !password.is_empty() => Ok(Credentials::Password(password)),
        _ => Err(SourceError::NoCredentials {
            location: location.into(),
            reason: format!("set --password-command, --token-command or {PASSWORD_VARIABLE}"),
        }),
    }
}

/// Runs a command through the shell and takes the first line it prints.
fn run_secret_command(command: &str) -> Result<String, SourceError> {
    let fail = |reason: String| SourceError::Command {
        command: command.into(),
        reason,
    };
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(fail(format!("{}: {}", output.status, stderr.trim())));
    }
    let text = String::from_utf8(output.stdout).map_err(|_| fail("printed no UTF-8".into()))?;
    let secret = text.lines().next().unwrap_or("").to_string();
    if secret.is_empty() {
        return Err(fail("printed nothing".into()));
    }
    Ok(secret)
}
