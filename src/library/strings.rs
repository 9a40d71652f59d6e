//! Interned strings: every distinct value of a column is stored once and rows hold
//! 4-byte symbols, which makes filtering and grouping compare integers.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use serde::{Deserialize, Serialize};

use crate::report::Text;

/// A symbol for an interned string. [`Sym::NONE`] is the empty string, used for
/// absent values.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Sym(pub u32);

impl Sym {
    pub const NONE: Sym = Sym(0);
}

/// The string table of the loaded set: the reports' strings and the rows' symbols.
#[derive(Debug, Clone)]
pub struct Strings {
    list: Vec<Text>,
    /// Keyed by strings from reports: a hash seeded per table, so that values
    /// chosen by a report's sender cannot all collide; much faster than SipHash.
    map: HashMap<Text, Sym, RandomState>,
}

impl Default for Strings {
    fn default() -> Strings {
        let empty: Text = Text::from("");
        let mut map = HashMap::default();
        map.insert(empty.clone(), Sym::NONE);
        Strings {
            list: vec![empty],
            map,
        }
    }
}

impl Strings {
    pub fn intern(&mut self, value: &str) -> Sym {
        if let Some(&sym) = self.map.get(value) {
            return sym;
        }
        let sym = Sym(self.list.len() as u32);
        let text = Text::from(value);
        self.list.push(text.clone());
        self.map.insert(text, sym);
        sym
    }

    /// Like [`Strings::intern`], sharing the report's allocation instead of copying.
    pub fn intern_text(&mut self, value: &Text) -> Sym {
        if let Some(&sym) = self.map.get(value.as_ref()) {
            return sym;
        }
        let sym = Sym(self.list.len() as u32);
        self.list.push(value.clone());
        self.map.insert(value.clone(), sym);
        sym
    }

    /// Makes `text` share the table's allocation of its value, adding the value
    /// when it is new: equal strings of many reports are stored once.
    pub(super) fn share(&mut self, text: &mut Text) {
        match self.map.get_key_value(text.as_ref()) {
            Some((shared, _)) => *text = shared.clone(),
            None => {
                self.intern_text(text);
            }
        }
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        self.list.reserve(additional);
        self.map.reserve(additional);
    }

    /// Appends `value` as the next symbol, as a snapshot stored it; false when
    /// the table holds it already (a damaged snapshot).
    pub(super) fn restore(&mut self, value: &str) -> bool {
        let sym = Sym(self.list.len() as u32);
        let text = Text::from(value);
        if self.map.insert(text.clone(), sym).is_some() {
            return false;
        }
        self.list.push(text);
        true
    }

    pub fn intern_text_opt(&mut self, value: Option<&Text>) -> Sym {
        value.map_or(Sym::NONE, |v| self.intern_text(v))
    }

    pub fn intern_opt(&mut self, value: Option<&str>) -> Sym {
        value.map_or(Sym::NONE, |v| self.intern(v))
    }

    /// The symbol of `value` if it occurs in the dataset.
    pub fn lookup(&self, value: &str) -> Option<Sym> {
        self.map.get(value).copied()
    }

    pub fn get(&self, sym: Sym) -> &str {
        self.list.get(sym.0 as usize).map_or("", |t| t)
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.len() <= 1
    }

    /// Every string with its symbol.
    pub fn iter(&self) -> impl Iterator<Item = (Sym, &str)> {
        self.list
            .iter()
            .enumerate()
            .map(|(i, t)| (Sym(i as u32), t.as_ref()))
    }
}
