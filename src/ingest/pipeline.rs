//! Reading inputs on one thread, decoding on all cores, collecting on the caller's.
//!
//! The reader streams mbox files message by message into a bounded channel, so
//! memory does not grow with the mailbox; decoder threads turn jobs into reports;
//! the calling thread deduplicates them into the [`ReportStore`] and reports progress.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use flate2::bufread::MultiGzDecoder;

use super::container::gzip_starts_with;
use super::decode::{Decoder, Expect, Sink, claims_report};
use super::error::{IngestError, Problem};
use super::mbox::{MboxMessage, MboxMessages};
use super::source::{Location, Order, Source};
use super::store::{ReportStore, fingerprint};
use super::walk::{InputFile, expand};
use super::{LoadOptions, LoadOutcome, Progress};

/// The first read of a file: all of a report file, the start of a larger one.
const FIRST_READ: usize = 64 * 1024;

/// A unit of decoding work: a whole file, or one mbox message.
struct Job {
    source: Source,
    data: Vec<u8>,
    order: Order,
    expect: Option<Expect>,
}

/// What one job, or the reader itself, produced.
struct Output {
    order: Order,
    sink: Sink,
    /// The fingerprint of each report in `sink`, computed on the decoder thread.
    fingerprints: Vec<u64>,
}

impl Output {
    fn new(order: Order, sink: Sink) -> Output {
        let fingerprints = sink.reports.iter().map(|(r, _)| fingerprint(r)).collect();
        Output {
            order,
            sink,
            fingerprints,
        }
    }
}

/// Counters the reader updates while it runs.
#[derive(Default)]
struct Counters {
    bytes_read: AtomicU64,
    files_done: AtomicU64,
    messages: AtomicU64,
}

pub fn run(
    store: &mut ReportStore,
    paths: &[std::path::PathBuf],
    options: &LoadOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> LoadOutcome {
    let generation = store.begin_load();
    let threads = options.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("tlsrpt-decode-{i}"))
        .build();
    let (files, walk_problems) = match &pool {
        Ok(pool) => pool.install(|| expand(paths)),
        Err(_) => expand(paths),
    };
    let mut state = Progress {
        bytes_total: files.iter().map(|f| f.size).sum(),
        files_total: files.len() as u64,
        ..Progress::default()
    };
    for (file, problem) in walk_problems {
        let order = Order {
            generation,
            file: file as u32,
            ..Order::default()
        };
        store.add_problem(problem, order);
        state.problems += 1;
    }
    let counters = Counters::default();
    let (job_tx, job_rx) = bounded::<Job>(64);
    let (out_tx, out_rx) = bounded::<Output>(256);
    std::thread::scope(|scope| {
        let reader_out = out_tx.clone();
        let reader = Reader {
            options,
            cancel,
            counters: &counters,
            generation,
            jobs: job_tx,
            out: reader_out,
        };
        let spawned = std::thread::Builder::new()
            .name("tlsrpt-read".into())
            .spawn_scoped(scope, move || reader.read_all(&files));
        if let Err(e) = spawned {
            store.add_problem(
                Problem {
                    source: Source::file(Path::new("").into()),
                    error: IngestError::Io(format!("cannot start reader thread: {e}")),
                },
                Order::default(),
            );
        }
        let limits = &options.limits;
        // Every thread of the pool takes jobs from the queue until it is closed.
        let decode = move || {
            let work = || {
                for job in job_rx.iter() {
                    let sink = if cancel.load(Relaxed) {
                        Sink::default()
                    } else {
                        decode_job(&job, limits)
                    };
                    let _ = out_tx.send(Output::new(job.order, sink));
                }
            };
            match &pool {
                Ok(pool) => {
                    pool.broadcast(|_| work());
                }
                Err(_) => work(),
            }
        };
        let _ = std::thread::Builder::new()
            .name("tlsrpt-decode".into())
            .spawn_scoped(scope, decode);
        collect(store, out_rx, &counters, &mut state, progress);
    });
    store.finish_load();
    LoadOutcome {
        cancelled: cancel.load(Relaxed),
        progress: state,
    }
}

fn collect(
    store: &mut ReportStore,
    outputs: Receiver<Output>,
    counters: &Counters,
    state: &mut Progress,
    progress: &mut dyn FnMut(&Progress),
) {
    let mut last_call = Instant::now();
    let mut sink_messages = 0;
    loop {
        let Output {
            order,
            sink,
            fingerprints,
        } = match outputs.recv_timeout(Duration::from_millis(50)) {
            Ok(output) => output,
            Err(RecvTimeoutError::Timeout) => {
                // Nothing decoded for a while (one huge message, a slow disk): the
                // bytes read still move.
                read_counters(state, counters, sink_messages);
                progress(state);
                last_call = Instant::now();
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        sink_messages += sink.messages;
        let reports = sink.reports.into_iter().zip(fingerprints);
        for (item, ((report, source), fingerprint)) in reports.enumerate() {
            let order = Order {
                item: item as u32,
                ..order
            };
            match store.insert_fingerprinted(report, source, order, fingerprint) {
                super::Inserted::New => state.reports += 1,
                _ => state.duplicates += 1,
            }
        }
        for (item, problem) in sink.problems.into_iter().enumerate() {
            store.add_problem(
                problem,
                Order {
                    item: item as u32,
                    ..order
                },
            );
            state.problems += 1;
        }
        for (item, skipped) in sink.skipped.into_iter().enumerate() {
            store.add_skipped(
                skipped,
                Order {
                    item: item as u32,
                    ..order
                },
            );
            state.skipped += 1;
        }
        if last_call.elapsed() >= Duration::from_millis(50) {
            read_counters(state, counters, sink_messages);
            progress(state);
            last_call = Instant::now();
        }
    }
    read_counters(state, counters, sink_messages);
    progress(state);
}

fn read_counters(state: &mut Progress, counters: &Counters, sink_messages: u64) {
    state.bytes_read = counters.bytes_read.load(Relaxed);
    state.files_done = counters.files_done.load(Relaxed);
    state.messages = counters.messages.load(Relaxed) + sink_messages;
}

fn decode_job(job: &Job, limits: &super::Limits) -> Sink {
    let decoder = Decoder { limits };
    let mut sink = Sink::default();
    match job.expect {
        Some(expect) => {
            decoder.decode(&job.data, &job.source, 0, expect, &mut sink);
        }
        None => {
            decoder.decode_message(&job.data, &job.source, 0, &mut sink);
        }
    }
    sink
}

/// The reader thread's state.
struct Reader<'a> {
    options: &'a LoadOptions,
    cancel: &'a AtomicBool,
    counters: &'a Counters,
    generation: u32,
    jobs: Sender<Job>,
    out: Sender<Output>,
}

impl Reader<'_> {
    fn read_all(&self, files: &[InputFile]) {
        for (index, file) in files.iter().enumerate() {
            if self.cancel.load(Relaxed) {
                break;
            }
            let order = Order {
                generation: self.generation,
                file: index as u32,
                ..Order::default()
            };
            let source = Source::file(file.path.clone());
            let before = self.counters.bytes_read.load(Relaxed);
            if let Err(error) = self.read_file(file, &source, order) {
                self.problem(&source, error, order);
            }
            // A file refused (too large) or failed part-way is done all the same, so
            // that progress ends at its total. Only this thread adds to bytes_read.
            let read = self.counters.bytes_read.load(Relaxed) - before;
            if read < file.size && !self.cancel.load(Relaxed) {
                self.counters
                    .bytes_read
                    .fetch_add(file.size - read, Relaxed);
            }
            self.counters.files_done.fetch_add(1, Relaxed);
        }
    }

    fn problem(&self, source: &Source, error: IngestError, order: Order) {
        let mut sink = Sink::default();
        sink.problem(source, error);
        let _ = self.out.send(Output::new(order, sink));
    }

    fn read_file(
        &self,
        file: &InputFile,
        source: &Source,
        order: Order,
    ) -> Result<(), IngestError> {
        let io = |e: std::io::Error| IngestError::Io(e.to_string());
        let handle = File::open(&file.path).map_err(io)?;
        let mut handle = CountingReader {
            inner: handle,
            counter: &self.counters.bytes_read,
        };
        // Read into the allocation the job keeps, not through a read buffer: one
        // read takes all of a report file. Its first bytes tell an mbox, streamed
        // from here on, from any other file, read whole.
        let limit = self.options.limits.max_file_size;
        let expected = file.size.min(limit) as usize;
        let first = expected.saturating_add(1).min(FIRST_READ);
        let mut data = Vec::with_capacity(first);
        (&mut handle)
            .take(first as u64)
            .read_to_end(&mut data)
            .map_err(io)?;
        if data.starts_with(b"From ") {
            self.stream_mbox(Cursor::new(data).chain(handle), source, order);
            return Ok(());
        }
        if file.size > limit {
            return Err(IngestError::FileTooLarge {
                size: file.size,
                limit,
            });
        }
        // A short first read ended at the end of the file; otherwise read the rest.
        if data.len() == first {
            data.reserve_exact(expected.saturating_add(1).saturating_sub(first));
            (&mut handle)
                .take((limit + 1).saturating_sub(first as u64))
                .read_to_end(&mut data)
                .map_err(io)?;
            if data.len() as u64 > limit {
                return Err(IngestError::FileTooLarge {
                    size: file.size,
                    limit,
                });
            }
        }
        if data.starts_with(&[0x1f, 0x8b]) && gzip_holds_mbox(&data) {
            self.stream_mbox(MultiGzDecoder::new(&data[..]), source, order);
            return Ok(());
        }
        let claims_report = !file.in_folder || claims_report(&file.path.to_string_lossy());
        let _ = self.jobs.send(Job {
            source: source.clone(),
            data,
            order,
            expect: Some(Expect::File { claims_report }),
        });
        Ok(())
    }

    /// Sends each message of an mbox as its own job, never holding more than one.
    fn stream_mbox(&self, reader: impl Read, source: &Source, order: Order) {
        let limit = self.options.limits.max_message_size;
        let mut number = 0u64;
        let reader = Cancellable {
            inner: reader,
            cancel: self.cancel,
        };
        for message in MboxMessages::new(reader, limit) {
            if self.cancel.load(Relaxed) {
                return;
            }
            number += 1;
            let order = Order {
                message: number,
                ..order
            };
            let message_source = source.with(Location::Message(number));
            self.counters.messages.fetch_add(1, Relaxed);
            let message = match message {
                Ok(MboxMessage::Complete(message)) => message,
                Ok(MboxMessage::TooLarge { size }) => {
                    let error = IngestError::FileTooLarge { size, limit };
                    self.problem(&message_source, error, order);
                    continue;
                }
                Err(e) => {
                    let error = IngestError::Mbox {
                        after: number - 1,
                        message: e.to_string(),
                    };
                    self.counters.messages.fetch_sub(1, Relaxed);
                    self.problem(source, error, order);
                    return;
                }
            };
            let job = Job {
                source: message_source,
                data: message,
                order,
                expect: None,
            };
            if self.jobs.send(job).is_err() {
                return;
            }
        }
    }
}

/// Whether gzip data inflates to an mbox (a `.mbox.gz` export), judged by its start.
fn gzip_holds_mbox(data: &[u8]) -> bool {
    gzip_starts_with(data, b"From ")
}

/// Ends the input once the load is cancelled, so that a mailbox, or one huge message
/// in it, is not read to its end first.
struct Cancellable<'a, R> {
    inner: R,
    cancel: &'a AtomicBool,
}

impl<R: Read> Read for Cancellable<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancel.load(Relaxed) {
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// Counts the bytes read from a file, for progress.
struct CountingReader<'a, R> {
    inner: R,
    counter: &'a AtomicU64,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Relaxed);
        Ok(n)
    }
}
