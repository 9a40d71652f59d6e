//! Building inputs and reading a load's result, for the ingest test binaries.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use tempfile::TempDir;
use tlsrpt_analyzer::library::{IngestError, Loaded};

pub fn tempdir() -> TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Writes `data` to `dir/name`, creating the folders on the way.
pub fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, data).unwrap();
    path
}

/// One gzip member holding `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A zip archive of deflated members.
pub fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Base64 in lines of 76 characters, each ended by `eol`, as e-mails carry it.
pub fn base64_lines(data: &[u8], eol: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|chunk| format!("{}{eol}", std::str::from_utf8(chunk).unwrap()))
        .collect()
}

/// The source a reader shows: the path, then each step.
pub fn src(path: &Path, steps: &[&str]) -> String {
    let mut out = path.display().to_string();
    for step in steps {
        out.push_str(" › ");
        out.push_str(step);
    }
    out
}

/// Each problem's source and error, in input order.
pub fn problems(store: &Loaded) -> Vec<(String, IngestError)> {
    store
        .problems()
        .map(|p| (p.source.to_string(), p.error.clone()))
        .collect()
}
