//! Where a report, problem or skipped input came from, precisely enough to find it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// An input file and the way down to the item inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    pub path: Arc<Path>,
    pub trail: Vec<Location>,
}

/// One step inside a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Location {
    /// The n-th message of an mbox, counted from 1.
    Message(u64),
    /// A MIME part, by file name or, without one, by position.
    Attachment(String),
    /// A forwarded `message/rfc822` part.
    ForwardedMessage(String),
    /// A zip archive member.
    Member(String),
    /// The n-th report of a JSON list of reports, counted from 1.
    Report(usize),
}

impl Source {
    pub fn file(path: Arc<Path>) -> Source {
        Source {
            path,
            trail: Vec::new(),
        }
    }

    /// This source with one more step.
    pub fn with(&self, location: Location) -> Source {
        let mut trail = Vec::with_capacity(self.trail.len() + 1);
        trail.extend_from_slice(&self.trail);
        trail.push(location);
        Source {
            path: self.path.clone(),
            trail,
        }
    }

    /// The mbox message number, when the source is inside an mbox.
    pub fn message_number(&self) -> Option<u64> {
        self.trail.iter().find_map(|l| match l {
            Location::Message(n) => Some(*n),
            _ => None,
        })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        for step in &self.trail {
            write!(f, " › {step}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Message(n) => write!(f, "message {n}"),
            Location::Attachment(name) => write!(f, "attachment {name}"),
            Location::ForwardedMessage(name) => write!(f, "forwarded message {name}"),
            Location::Member(name) => write!(f, "member {name}"),
            Location::Report(n) => write!(f, "report {n}"),
        }
    }
}

/// Position of an item in the input order. When two copies of a report disagree,
/// the one first in this order is kept, so results do not depend on thread timing.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Order {
    /// Which load (0 for the first; later loads merge behind earlier ones).
    pub generation: u32,
    /// Index of the input file in walk order.
    pub file: u32,
    /// Message number within an mbox (0 for other files).
    pub message: u64,
    /// Index of the item within the file or message.
    pub item: u32,
}
