//! What every step of a check shares: the resolver, the trust anchor, the TLS
//! client, the configuration, the progress callback and the cancel flag.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use super::anchor::Anchor;
use super::config::CheckConfig;
use super::dns::Dns;
use super::error::CheckError;
use super::finding::Step;
use super::tls::TlsClient;

/// Called with the step and what it is doing, e.g. `(Step::Smtp, "mx1.example.com
/// 192.0.2.1")`.
pub type ProgressFn<'a> = dyn FnMut(Step, &str) + 'a;

pub(crate) struct Context<'a> {
    pub(crate) dns: Dns,
    /// Read before the first lookup, so that a bad anchor file stops the check
    /// at once.
    pub(crate) anchor: Anchor,
    pub(crate) tls: TlsClient,
    pub(crate) config: &'a CheckConfig,
    progress: RefCell<&'a mut ProgressFn<'a>>,
    cancel: &'a AtomicBool,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        config: &'a CheckConfig,
        progress: &'a mut ProgressFn<'a>,
        cancel: &'a AtomicBool,
    ) -> Result<Context<'a>, CheckError> {
        Ok(Context {
            dns: Dns::new(config)?,
            anchor: Anchor::read(&config.trust_anchor)?,
            tls: TlsClient::new(&config.roots, config.clock)?,
            config,
            progress: RefCell::new(progress),
            cancel,
        })
    }

    /// Reports progress, then fails if the check was cancelled meanwhile.
    pub(crate) fn step(&self, step: Step, what: &str) -> Result<(), CheckError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(CheckError::Cancelled);
        }
        (self.progress.borrow_mut())(step, what);
        Ok(())
    }
}
