//! Decompression with limits: gzip (one or more members) and zip archives.

use std::cell::RefCell;
use std::io::{Cursor, Read};

use flate2::bufread::{GzDecoder, MultiGzDecoder};

use super::Limits;
use crate::library::IngestError;

/// Reads at most `limit` bytes from `reader`; more is [`IngestError::TooLarge`].
pub fn read_limited(reader: impl Read, limit: u64, hint: usize) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::with_capacity(hint.min(limit as usize));
    read_limited_into(reader, &mut out, limit)?;
    Ok(out)
}

/// Appends what is left of `reader` to `out`, which may hold at most `limit` bytes
/// in all; more is [`ReadError::TooLarge`].
pub fn read_limited_into(
    reader: impl Read,
    out: &mut Vec<u8>,
    limit: u64,
) -> Result<(), ReadError> {
    let room = limit.saturating_add(1).saturating_sub(out.len() as u64);
    reader.take(room).read_to_end(out).map_err(ReadError::Io)?;
    if out.len() as u64 > limit {
        return Err(ReadError::TooLarge);
    }
    Ok(())
}

/// A failed bounded read: the data itself, or the limit.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    TooLarge,
}

/// Inflates gzip data (all members, as `cat a.gz b.gz` produces).
pub fn gunzip(data: &[u8], limit: u64) -> Result<Vec<u8>, IngestError> {
    let hint = data.len() * 8;
    with_gzip_reader(data, |reader| read_limited(reader, limit, hint)).map_err(|e| match e {
        ReadError::Io(e) => IngestError::Gzip(e.to_string()),
        ReadError::TooLarge => IngestError::TooLarge { limit },
    })
}

/// Whether gzip data inflates to at least `prefix.len()` bytes starting with `prefix`
/// (a `.mbox.gz` export starts `From `), inflating no more than that.
pub fn gzip_starts_with(data: &[u8], prefix: &[u8]) -> bool {
    let mut head = vec![0u8; prefix.len()];
    let read = with_gzip_reader(data, |reader| reader.read_exact(&mut head));
    read.is_ok() && head == prefix
}

/// Runs `read` on a reader of the inflated gzip data: through the thread's cached
/// decoder when the data is small, through a new one otherwise.
fn with_gzip_reader<T>(data: &[u8], read: impl FnOnce(&mut dyn Read) -> T) -> T {
    if data.len() > REUSE_UP_TO {
        return read(&mut MultiGzDecoder::new(data));
    }
    DECODER.with(|cached| match cached.try_borrow_mut() {
        Ok(mut cached) => {
            let mut members = Members::new(cached.take(), data);
            let result = read(&mut members);
            *cached = Some(members.decoder);
            result
        }
        Err(_) => read(&mut MultiGzDecoder::new(data)),
    })
}

/// Gzip data up to this size is inflated with the decoder kept by each thread:
/// setting up inflate state costs more than inflating a report of a few hundred
/// bytes. (The decoder keeps a copy of its input, hence the bound.)
const REUSE_UP_TO: usize = 64 * 1024;

thread_local! {
    static DECODER: RefCell<Option<GzDecoder<Cursor<Vec<u8>>>>> = const { RefCell::new(None) };
}

/// Every member of gzip data, read with one single-member decoder that is reset
/// for each: what `MultiGzDecoder` reads, through a decoder that can be kept.
struct Members {
    decoder: GzDecoder<Cursor<Vec<u8>>>,
}

impl Members {
    fn new(cached: Option<GzDecoder<Cursor<Vec<u8>>>>, data: &[u8]) -> Members {
        let decoder = match cached {
            Some(mut decoder) => {
                let mut input = std::mem::take(decoder.get_mut()).into_inner();
                input.clear();
                input.extend_from_slice(data);
                decoder.reset(Cursor::new(input));
                decoder
            }
            None => GzDecoder::new(Cursor::new(data.to_vec())),
        };
        Members { decoder }
    }
}

impl Read for Members {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // The end of a member: the end of the data, or the next member.
            let input = self.decoder.get_ref();
            if input.position() >= input.get_ref().len() as u64 {
                return Ok(0);
            }
            let rest = std::mem::take(self.decoder.get_mut());
            self.decoder.reset(rest);
        }
    }
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::bufread::MultiGzDecoder;
    use flate2::{Compression, GzBuilder};

    use super::{ReadError, gunzip, read_limited};
    use crate::library::IngestError;

    /// What gzip data inflated to before the decoder was kept per thread.
    fn fresh(data: &[u8], limit: u64) -> Result<Vec<u8>, IngestError> {
        read_limited(MultiGzDecoder::new(data), limit, data.len() * 8).map_err(|e| match e {
            ReadError::Io(e) => IngestError::Gzip(e.to_string()),
            ReadError::TooLarge => IngestError::TooLarge { limit },
        })
    }

    fn member(content: &[u8], builder: GzBuilder) -> Vec<u8> {
        let mut encoder = builder.write(Vec::new(), Compression::fast());
        encoder.write_all(content).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn reads_as_a_fresh_decoder_does() {
        let text: Vec<u8> = (0..5000u32)
            .flat_map(|i| format!("{i} report ").into_bytes())
            .collect();
        let plain = member(&text, GzBuilder::new());
        let named = member(
            b"{\"report-id\": 1}",
            GzBuilder::new()
                .filename("r.json")
                .comment("c")
                .extra(vec![1, 2, 3]),
        );
        let empty = member(b"", GzBuilder::new());
        let mut two = plain.clone();
        two.extend_from_slice(&named);
        let mut bad_crc = named.clone();
        let at = bad_crc.len() - 6;
        bad_crc[at] ^= 1;
        let mut garbage_after = named.clone();
        garbage_after.extend_from_slice(b"trailing");
        let mut empty_then_named = empty.clone();
        empty_then_named.extend_from_slice(&named);
        let big_text: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let big = member(&big_text, GzBuilder::new());
        assert!(big.len() > super::REUSE_UP_TO);
        let mut cases = vec![
            plain.clone(),
            named.clone(),
            empty,
            two,
            bad_crc,
            garbage_after,
            empty_then_named,
            big,
            b"\x1f\x8b".to_vec(),
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage".to_vec(),
        ];
        for cut in [3, 10, 11, plain.len() / 2, plain.len() - 4, plain.len() - 1] {
            cases.push(plain[..cut].to_vec());
        }
        // Twice over, so that each case also meets a decoder left by another.
        for round in 0..2 {
            for (i, data) in cases.iter().enumerate() {
                for limit in [0, 10, 4096, 64 * 1024 * 1024] {
                    assert_eq!(
                        gunzip(data, limit),
                        fresh(data, limit),
                        "case {i}, limit {limit}, round {round}"
                    );
                }
            }
        }
    }
}
