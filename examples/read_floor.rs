//! The floor under loading a folder: list it and read every file on every core,
//! decoding nothing, with as few calls as the kernel allows (open, one read into a
//! reused buffer until a read comes back short, close). `benches/compare.sh` runs it next to both tools, to show how
//! much of a wall time is the file system's.
//!
//!     cargo run --release --example read_floor -- FOLDER [--stat]
//!
//! `--stat` also reads each file's size by path first, as loading does for progress.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

fn list(folder: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries = std::fs::read_dir(folder)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        if entry.file_type()?.is_dir() {
            list(&entry.path(), files)?;
        } else {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// Reads a file through `buffer`; a short read of a regular file is its end.
fn read_all(path: &Path, buffer: &mut [u8]) -> u64 {
    let Ok(mut file) = File::open(path) else {
        return 0;
    };
    let mut total = 0;
    while let Ok(n) = file.read(buffer) {
        total += n as u64;
        if n < buffer.len() {
            break;
        }
    }
    total
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(folder) = args.next() else {
        eprintln!("usage: read_floor FOLDER [--stat]");
        std::process::exit(2);
    };
    let stat = args.next().as_deref() == Some("--stat");
    let start = Instant::now();
    let mut files = Vec::new();
    list(Path::new(&folder), &mut files)?;
    let listed = start.elapsed();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let sizes = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut buffer = vec![0; 1 << 20];
                while let Some(path) = files.get(next.fetch_add(1, Relaxed)) {
                    if stat {
                        let size = std::fs::metadata(path).map_or(0, |m| m.len());
                        sizes.fetch_add(size, Relaxed);
                    }
                    bytes.fetch_add(read_all(path, &mut buffer), Relaxed);
                }
            });
        }
    });
    println!(
        "{{\"files\": {}, \"bytes\": {}, \"threads\": {threads}, \"stat\": {stat}, \
         \"list_s\": {:.4}, \"wall_s\": {:.4}}}",
        files.len(),
        bytes.load(Relaxed),
        listed.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
