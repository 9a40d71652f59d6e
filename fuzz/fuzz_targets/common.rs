//! Limits small enough that a legitimate large input (a valid gzip of a few MiB)
//! does not slow the fuzzer, with the same code paths as the defaults.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, Once};

use tlsrpt_analyzer::ingest::{Decoded, Limits, decode_bytes};

pub fn limits() -> Limits {
    Limits {
        max_decompressed: 1 << 20,
        max_archive_total: 4 << 20,
        max_zip_entries: 64,
        max_depth: 8,
        max_file_size: 16 << 20,
        max_message_size: 256 << 10,
    }
}

/// libFuzzer's panic hook aborts on every panic, even one the library catches: the
/// reader turns a panic of the MIME parser (a `debug_assert!` of `mail-parser`,
/// built with debug assertions here) into a problem. Such a panic is shown once per
/// place and fuzzing goes on; a panic that is not caught still ends the run, since
/// libFuzzer aborts when one reaches it.
fn tolerate_caught_panics() {
    static HOOK: Once = Once::new();
    static SHOWN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let place = info.location().map(ToString::to_string).unwrap_or_default();
            let mut shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
            if shown.insert(place) {
                eprintln!("panic (caught by the library unless the run ends here): {info}");
            }
        }));
    });
}

/// Decodes `data` as the file `fuzz-input` and checks what every result must hold.
pub fn decode(data: &[u8]) -> Decoded {
    tolerate_caught_panics();
    let path = Path::new("fuzz-input");
    let decoded = decode_bytes(data, path, &limits());
    let sources = decoded
        .reports
        .iter()
        .map(|(_, source)| source)
        .chain(decoded.problems.iter().map(|p| &p.source))
        .chain(decoded.skipped.iter().map(|s| &s.source));
    for source in sources {
        assert_eq!(&*source.path, path);
        let _ = source.to_string();
    }
    for problem in &decoded.problems {
        let _ = problem.error.to_string();
    }
    decoded
}
