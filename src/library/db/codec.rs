//! How values the library stores are written: paths as bytes, a source's trail
//! inside its file as JSON, times as nanoseconds or seconds since 1970.

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::library::{Location, Order};

/// A path as bytes: exact on Unix, where a file name need not be UTF-8.
pub fn path_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

pub fn path_of_bytes(bytes: &[u8]) -> Arc<Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Arc::from(Path::new(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        Arc::from(Path::new(&*String::from_utf8_lossy(bytes)))
    }
}

/// A trail as JSON (`[["message",3],["member","a.json"]]`), or `""` when empty.
pub fn trail_text(trail: &[Location]) -> String {
    if trail.is_empty() {
        return String::new();
    }
    let steps: Vec<Value> = trail
        .iter()
        .map(|step| match step {
            Location::Message(n) => json!(["message", n]),
            Location::Attachment(name) => json!(["attachment", name]),
            Location::ForwardedMessage(name) => json!(["forwarded", name]),
            Location::Member(name) => json!(["member", name]),
            Location::Report(n) => json!(["report", n]),
        })
        .collect();
    Value::Array(steps).to_string()
}

/// The trail [`trail_text`] wrote; steps it does not know are left out.
pub fn trail_of_text(text: &str) -> Vec<Location> {
    if text.is_empty() {
        return Vec::new();
    }
    let Ok(Value::Array(steps)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    steps.iter().filter_map(location).collect()
}

fn location(step: &Value) -> Option<Location> {
    let kind = step.get(0)?.as_str()?;
    let value = step.get(1)?;
    let name = || value.as_str().map(str::to_string);
    Some(match kind {
        "message" => Location::Message(value.as_u64()?),
        "attachment" => Location::Attachment(name()?),
        "forwarded" => Location::ForwardedMessage(name()?),
        "member" => Location::Member(name()?),
        "report" => Location::Report(value.as_u64()? as usize),
        _ => return None,
    })
}

/// The order columns of an item: its import, then file, message and item.
pub fn order_of(import: i64, file: i64, message: i64, item: i64) -> Order {
    Order {
        generation: import as u32,
        file: file as u32,
        message: message as u64,
        item: item as u32,
    }
}

pub fn nanos(time: Option<SystemTime>) -> Option<i64> {
    let since = time?.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since.as_nanos()).ok()
}

/// Seconds since 1970, now.
pub fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A count as SQLite stores it: the bits of a u64 in an i64, read back exactly.
pub fn count(value: u64) -> i64 {
    value as i64
}

pub fn count_of(value: i64) -> u64 {
    value as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trails_round_trip() {
        let trail = vec![
            Location::Message(7),
            Location::ForwardedMessage("part 2".into()),
            Location::Attachment("a \"quoted\" name.zip".into()),
            Location::Member("x/y.json".into()),
            Location::Report(3),
        ];
        assert_eq!(trail_of_text(&trail_text(&trail)), trail);
        assert_eq!(trail_text(&[]), "");
        assert!(trail_of_text("").is_empty());
    }

    #[test]
    fn counts_keep_every_u64() {
        for value in [0, 1, 1 << 53, u64::MAX] {
            assert_eq!(count_of(count(value)), value);
        }
    }
}
