//! Reading and decoding inputs on every core, collecting on the caller's thread.
//!
//! Each worker thread takes the next file, reads and decodes it itself: a folder of
//! small reports costs no handoff between threads. A worker that finds an mbox
//! splits it message by message into a bounded queue that every worker drains
//! (the splitter decodes a message itself when the queue is full), so memory does
//! not grow with the mailbox. Workers hand what they decoded to the calling thread
//! in batches; it deduplicates them into the [`ReportStore`] and reports progress.

use std::cell::Cell;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError, bounded};
use flate2::bufread::MultiGzDecoder;

use super::container::{ReadError, gzip_starts_with, read_limited_into};
use super::decode::{Decoder, Expect, Sink, claims_report};
use super::error::{IngestError, Problem};
use super::mbox::{MboxMessage, MboxMessages};
use super::sniff::mbox_start;
use super::source::{Location, Order, Source};
use super::store::{ReportStore, fingerprint};
use super::walk::{InputFile, expand};
use super::{LoadOptions, LoadOutcome, Progress};

/// The first read of a file: all of a report file, the start of a larger one.
const FIRST_READ: usize = 64 * 1024;

/// Mbox messages waiting for a worker. Bounds the memory a mailbox takes.
const MESSAGE_QUEUE: usize = 64;

/// A worker sends its outputs once it holds this many, this many input bytes,
/// or holds them this long: few wake-ups of the collector, live progress.
const BATCH_OUTPUTS: usize = 64;
const BATCH_BYTES: usize = 4 << 20;
const BATCH_AGE: Duration = Duration::from_millis(20);

/// How often the progress callback is called while a load runs.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(50);

/// One mbox message to decode.
struct Job {
    source: Source,
    data: Vec<u8>,
    order: Order,
}

/// What one file, one message, or a failure to read produced.
struct Output {
    order: Order,
    sink: Sink,
    /// The fingerprint of each report in `sink`, computed on the worker thread.
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

/// Counters the workers update while they run.
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
    let threads = options
        .threads
        .filter(|&n| n > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    let (files, walk_problems) = list(paths, threads, cancel, progress);
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
    let next_file = AtomicUsize::new(0);
    let (job_tx, job_rx) = bounded::<Job>(MESSAGE_QUEUE);
    let (out_tx, out_rx) = bounded::<Vec<Output>>(256);
    std::thread::scope(|scope| {
        let mut started = 0;
        for i in 0..threads {
            let worker = Worker {
                options,
                cancel,
                counters: &counters,
                generation,
                files: &files,
                next_file: &next_file,
                messages: job_rx.clone(),
                batch: Batch::new(out_tx.clone()),
            };
            let job_tx = job_tx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("tlsrpt-decode-{i}"))
                .spawn_scoped(scope, move || worker.run(job_tx));
            started += usize::from(spawned.is_ok());
        }
        // The queue ends when the last worker is done with the files; the collector
        // when the last worker is done.
        drop((job_tx, job_rx, out_tx));
        if started == 0 {
            store.add_problem(
                Problem {
                    source: Source::file(Path::new("").into()),
                    error: IngestError::Io("cannot start decoder threads".into()),
                },
                Order::default(),
            );
        }
        collect(store, out_rx, &counters, &mut state, progress);
    });
    store.finish_load();
    LoadOutcome {
        cancelled: cancel.load(Relaxed),
        progress: state,
    }
}

/// Lists the files to read, telling `progress` how many were found so far.
fn list(
    paths: &[std::path::PathBuf],
    threads: usize,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> (Vec<InputFile>, Vec<(usize, Problem)>) {
    let mut state = Progress {
        listing: true,
        ..Progress::default()
    };
    progress(&state);
    let mut last_call = Instant::now();
    expand(paths, threads, cancel, &mut |found| {
        if last_call.elapsed() >= PROGRESS_INTERVAL {
            state.files_total = found as u64;
            progress(&state);
            last_call = Instant::now();
        }
    })
}

fn collect(
    store: &mut ReportStore,
    outputs: Receiver<Vec<Output>>,
    counters: &Counters,
    state: &mut Progress,
    progress: &mut dyn FnMut(&Progress),
) {
    let mut last_call = Instant::now();
    let mut sink_messages = 0;
    loop {
        let batch = match outputs.recv_timeout(PROGRESS_INTERVAL) {
            Ok(batch) => batch,
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
        for output in batch {
            sink_messages += output.sink.messages;
            add_output(store, output, state);
        }
        if last_call.elapsed() >= PROGRESS_INTERVAL {
            read_counters(state, counters, sink_messages);
            progress(state);
            last_call = Instant::now();
        }
    }
    read_counters(state, counters, sink_messages);
    progress(state);
}

/// Puts what one input produced into the store, counting it in `state`.
fn add_output(store: &mut ReportStore, output: Output, state: &mut Progress) {
    let Output {
        order,
        sink,
        fingerprints,
    } = output;
    {
        let reports = sink.reports.into_iter().zip(fingerprints);
        for (item, ((report, source), fingerprint)) in reports.enumerate() {
            let order = Order {
                item: item as u32,
                ..order
            };
            match store.insert_fingerprinted(report, source, order, fingerprint) {
                super::Inserted::New => state.reports += 1,
                super::Inserted::Copy => state.duplicates += 1,
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
    }
}

fn read_counters(state: &mut Progress, counters: &Counters, sink_messages: u64) {
    state.bytes_read = counters.bytes_read.load(Relaxed);
    state.files_done = counters.files_done.load(Relaxed);
    state.messages = counters.messages.load(Relaxed) + sink_messages;
}

/// Outputs on their way to the collector.
struct Batch {
    outputs: Vec<Output>,
    bytes: usize,
    since: Instant,
    to: Sender<Vec<Output>>,
}

impl Batch {
    fn new(to: Sender<Vec<Output>>) -> Batch {
        Batch {
            outputs: Vec::new(),
            bytes: 0,
            since: Instant::now(),
            to,
        }
    }

    /// Adds what an input of `bytes` bytes produced; sends the batch when it is full
    /// or old.
    fn push(&mut self, output: Output, bytes: usize) {
        self.outputs.push(output);
        self.bytes += bytes;
        if self.outputs.len() >= BATCH_OUTPUTS
            || self.bytes >= BATCH_BYTES
            || self.since.elapsed() >= BATCH_AGE
        {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.outputs.is_empty() {
            let outputs = std::mem::replace(&mut self.outputs, Vec::with_capacity(BATCH_OUTPUTS));
            let _ = self.to.send(outputs);
        }
        self.bytes = 0;
        self.since = Instant::now();
    }
}

/// One decoder thread's state.
struct Worker<'a> {
    options: &'a LoadOptions,
    cancel: &'a AtomicBool,
    counters: &'a Counters,
    generation: u32,
    files: &'a [InputFile],
    next_file: &'a AtomicUsize,
    messages: Receiver<Job>,
    batch: Batch,
}

impl Worker<'_> {
    /// Reads files until none is left, decoding queued mbox messages first, then
    /// drains the queue.
    fn run(mut self, queue: Sender<Job>) {
        loop {
            if let Ok(job) = self.messages.try_recv() {
                self.decode_message(job);
                continue;
            }
            let index = self.next_file.fetch_add(1, Relaxed);
            if index >= self.files.len() || self.cancel.load(Relaxed) {
                break;
            }
            self.read_file(index, &queue);
        }
        // Once every worker is here, the queue has no sender left and ends.
        drop(queue);
        self.batch.flush();
        while let Ok(job) = self.messages.recv() {
            self.decode_message(job);
        }
        self.batch.flush();
    }

    fn decode_message(&mut self, job: Job) {
        let mut sink = Sink::default();
        if !self.cancel.load(Relaxed) {
            let decoder = Decoder {
                limits: &self.options.limits,
            };
            decoder.decode_message(&job.data, &job.source, 0, &mut sink);
        }
        self.batch
            .push(Output::new(job.order, sink), job.data.len());
    }

    fn problem(&mut self, source: &Source, error: IngestError, order: Order) {
        let mut sink = Sink::default();
        sink.problem(source, error);
        self.batch.push(Output::new(order, sink), 0);
    }

    fn read_file(&mut self, index: usize, queue: &Sender<Job>) {
        let file = &self.files[index];
        let order = Order {
            generation: self.generation,
            file: index as u32,
            ..Order::default()
        };
        let source = Source::file(file.path.clone());
        let read = Cell::new(0);
        if let Err(error) = self.read_and_decode(file, &source, order, &read, queue) {
            self.problem(&source, error, order);
        }
        // A file refused (too large) or failed part-way is done all the same, so
        // that progress ends at its total.
        if read.get() < file.size && !self.cancel.load(Relaxed) {
            self.counters
                .bytes_read
                .fetch_add(file.size - read.get(), Relaxed);
        }
        self.counters.files_done.fetch_add(1, Relaxed);
    }

    fn read_and_decode(
        &mut self,
        file: &InputFile,
        source: &Source,
        order: Order,
        read: &Cell<u64>,
        queue: &Sender<Job>,
    ) -> Result<(), IngestError> {
        let io = |e: std::io::Error| IngestError::Io(e.to_string());
        let handle = File::open(&file.path).map_err(io)?;
        let mut handle = CountingReader {
            inner: handle,
            counter: &self.counters.bytes_read,
            read,
        };
        // Read into one allocation, not through a read buffer: one read takes all
        // of a report file. Its first bytes tell an mbox, streamed from here on,
        // from any other file, read whole.
        let limit = self.options.limits.max_file_size;
        let expected = file.size.min(limit) as usize;
        let first = expected.saturating_add(1).min(FIRST_READ);
        let mut data = Vec::new();
        read_start(&mut handle, &mut data, first, expected).map_err(io)?;
        if let Some(start) = mbox_start(&data) {
            let mut head = Cursor::new(data);
            head.set_position(start as u64);
            self.split_mbox(head.chain(handle), source, order, queue);
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
            read_limited_into(&mut handle, &mut data, limit).map_err(|e| match e {
                ReadError::Io(e) => io(e),
                ReadError::TooLarge => IngestError::ReadPastLimit { limit },
            })?;
        }
        drop(handle);
        if data.starts_with(&[0x1f, 0x8b]) && gzip_starts_with(&data, b"From ") {
            self.split_mbox(MultiGzDecoder::new(&data[..]), source, order, queue);
            return Ok(());
        }
        let claims_report = !file.in_folder || claims_report(&file.path.to_string_lossy());
        let mut sink = Sink::default();
        let decoder = Decoder {
            limits: &self.options.limits,
        };
        decoder.decode(&data, source, 0, Expect::File { claims_report }, &mut sink);
        self.batch.push(Output::new(order, sink), data.len());
        Ok(())
    }

    /// Queues each message of an mbox for the workers, never holding more than one;
    /// decodes a message itself when the queue is full.
    fn split_mbox(
        &mut self,
        reader: impl Read,
        source: &Source,
        order: Order,
        queue: &Sender<Job>,
    ) {
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
            };
            match queue.try_send(job) {
                Ok(()) => {}
                Err(TrySendError::Full(job)) => self.decode_message(job),
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
    }
}

/// Reads up to `want` bytes of a file into `data`. Stops early at the end of the
/// file, or once `data` holds the `size` the file had when listed: a report file
/// then takes one read, not a second one that only finds the end. (A small file
/// that grew since is read as long as it was listed.)
fn read_start(
    reader: &mut impl Read,
    data: &mut Vec<u8>,
    want: usize,
    size: usize,
) -> std::io::Result<()> {
    data.resize(want, 0);
    let mut len = 0;
    while len < want {
        match reader.read(&mut data[len..]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                if len == size {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                data.truncate(len);
                return Err(e);
            }
        }
    }
    data.truncate(len);
    Ok(())
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

/// Counts the bytes read from a file, for progress: in all (`counter`) and of this
/// file (`read`).
struct CountingReader<'a, R> {
    inner: R,
    counter: &'a AtomicU64,
    read: &'a Cell<u64>,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Relaxed);
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}
