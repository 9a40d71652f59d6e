//! Where each report of a set read from a library came from, in columns: a
//! million reports are a few allocations, not a million trails and names, and a
//! snapshot restores them by extending the columns. A [`StoredEntry`] is made
//! when one report is asked for.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::source::{Location, Order, Source};

/// A report a library holds: its row there, source and input order.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub id: i64,
    pub source: Source,
    pub order: Order,
}

/// The entries of the reports, by store index.
#[derive(Debug, Clone, Default)]
pub struct StoredEntries {
    pub(super) ids: Vec<i64>,
    pub(super) files: Vec<i64>,
    pub(super) orders: Vec<Order>,
    /// Each entry's trail, postcard-encoded, one after the other.
    pub(super) trails: Vec<u8>,
    /// Where each entry's trail ends in `trails`.
    pub(super) trail_ends: Vec<u64>,
    /// The library's file paths by id.
    pub(super) paths: HashMap<i64, Arc<Path>>,
}

impl StoredEntries {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(super) fn push(&mut self, id: i64, file: i64, trail: &[Location], order: Order) {
        self.ids.push(id);
        self.files.push(file);
        self.orders.push(order);
        // A trail of known steps always encodes.
        if let Ok(bytes) = postcard::to_extend(trail, std::mem::take(&mut self.trails)) {
            self.trails = bytes;
        }
        self.trail_ends.push(self.trails.len() as u64);
    }

    pub fn order(&self, index: usize) -> Option<Order> {
        self.orders.get(index).copied()
    }

    /// The entry at `index`, with its path and trail.
    pub fn get(&self, index: usize) -> Option<StoredEntry> {
        let start = match index {
            0 => 0,
            _ => *self.trail_ends.get(index - 1)? as usize,
        };
        let end = *self.trail_ends.get(index)? as usize;
        let trail = self
            .trails
            .get(start..end)
            .and_then(|bytes| postcard::from_bytes(bytes).ok())
            .unwrap_or_default();
        let file = self.files[index];
        let path = self
            .paths
            .get(&file)
            .cloned()
            .unwrap_or_else(|| Arc::from(Path::new("")));
        Some(StoredEntry {
            id: self.ids[index],
            source: Source { path, trail },
            order: self.orders[index],
        })
    }

    /// Whether the columns are of one length and the trails' ends in order
    /// within the trails (a damaged snapshot must not index out of bounds).
    pub(super) fn is_consistent(&self) -> bool {
        let n = self.ids.len();
        let lengths = self.files.len() == n && self.orders.len() == n && self.trail_ends.len() == n;
        let ends = self.trail_ends.windows(2).all(|w| w[0] <= w[1])
            && self
                .trail_ends
                .last()
                .is_none_or(|&end| end as usize == self.trails.len());
        lengths && ends
    }
}
