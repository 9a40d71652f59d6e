//! Decompression with limits: gzip (one or more members) and zip archives.

use std::io::{Cursor, Read};

use flate2::read::MultiGzDecoder;

use super::Limits;
use super::error::IngestError;

/// Reads at most `limit` bytes from `reader`; more is [`IngestError::TooLarge`].
pub fn read_limited(reader: impl Read, limit: u64, hint: usize) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::with_capacity(hint.min(limit as usize));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(ReadError::Io)?;
    if out.len() as u64 > limit {
        return Err(ReadError::TooLarge);
    }
    Ok(out)
}

/// A failed bounded read: the data itself, or the limit.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    TooLarge,
}

/// Inflates gzip data (all members, as `cat a.gz b.gz` produces).
pub fn gunzip(data: &[u8], limit: u64) -> Result<Vec<u8>, IngestError> {
    read_limited(MultiGzDecoder::new(data), limit, data.len() * 8).map_err(|e| match e {
        ReadError::Io(e) => IngestError::Gzip(e.to_string()),
        ReadError::TooLarge => IngestError::TooLarge { limit },
    })
}

/// Calls `member` with the name and content of each file in a zip archive.
///
/// Directories are passed over. Past `limits.max_zip_entries` files, reading stops
/// and [`IngestError::TooManyEntries`] is returned after the members read so far.
pub fn unzip(
    data: &[u8],
    limits: &Limits,
    mut member: impl FnMut(&str, Result<Vec<u8>, IngestError>),
) -> Result<(), IngestError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(data)).map_err(|e| IngestError::Zip(e.to_string()))?;
    let count = archive.len();
    let mut total: u64 = 0;
    for index in 0..count.min(limits.max_zip_entries) {
        let mut file = match archive.by_index(index) {
            Ok(file) => file,
            Err(e) => {
                member(
                    &format!("#{}", index + 1),
                    Err(IngestError::Zip(e.to_string())),
                );
                continue;
            }
        };
        let name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{}", index + 1));
        if file.is_dir() {
            continue;
        }
        let limit = limits.max_decompressed;
        let declared = file.size();
        let content = if declared > limit {
            Err(IngestError::TooLarge { limit })
        } else {
            read_limited(&mut file, limit, declared as usize).map_err(|e| match e {
                ReadError::Io(e) => IngestError::Zip(e.to_string()),
                ReadError::TooLarge => IngestError::TooLarge { limit },
            })
        };
        total += content.as_ref().map_or(0, |c| c.len() as u64);
        member(&name, content);
        if total > limits.max_archive_total {
            return Err(IngestError::TooLarge {
                limit: limits.max_archive_total,
            });
        }
    }
    if count > limits.max_zip_entries {
        return Err(IngestError::TooManyEntries {
            count,
            limit: limits.max_zip_entries,
        });
    }
    Ok(())
}
