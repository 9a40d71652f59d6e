//! Reading and decoding inputs on every core, collecting on the caller's thread.
//!
//! Each worker thread takes the next file, reads and decodes it itself: a folder of
//! small reports costs no handoff between threads. A worker that finds an mbox
//! splits it message by message into a bounded queue that every worker drains
//! (the splitter decodes a message itself when the queue is full), so memory does
//! not grow with the mailbox. Workers hand what they decoded to the calling thread
//! in batches; it hands them to the [`Collect`]or (which deduplicates) and reports
//! progress. Messages from a mail source go through the same queue.

use std::cell::Cell;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError, bounded, unbounded};
use flate2::bufread::MultiGzDecoder;

use super::container::{ReadError, gzip_starts_with, read_limited_into};
use super::decode::{Decoder, Expect, Sink, claims_report};
use super::mbox::{MboxItem, MboxMessages};
use super::sniff::mbox_start;
use super::walk::{InputFile, WalkItem, walk};
use super::{LoadOptions, LoadOutcome, Progress};
use crate::library::{Collect, Digest, Found, InputRecord, Inserted, Kept};
use crate::library::{IngestError, Problem};
use crate::library::{Location, Order, Source};
use crate::library::{content_digest, fingerprint, sha256};

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
    /// The content digest of each report, when documents are kept.
    digests: Vec<Digest>,
    /// The input file the outputs come from, for the collector to hear of first.
    input: Option<InputRecord>,
}

impl Output {
    fn new(order: Order, sink: Sink) -> Output {
        let fingerprints = sink.reports.iter().map(|(r, ..)| fingerprint(r)).collect();
        let digests = sink
            .reports
            .iter()
            .filter(|(.., document)| document.is_some())
            .map(|(r, ..)| content_digest(r))
            .collect();
        Output {
            order,
            sink,
            fingerprints,
            digests,
            input: None,
        }
    }

    /// Only the news of an input file.
    fn input(record: InputRecord) -> Output {
        Output {
            input: Some(record),
            ..Output::new(Order::default(), Sink::default())
        }
    }
}

/// Counters the workers update while they run.
#[derive(Default)]
struct Counters {
    bytes_read: AtomicU64,
    files_done: AtomicU64,
    messages: AtomicU64,
    /// Files the walk has found so far, and their bytes.
    files_found: AtomicU64,
    bytes_found: AtomicU64,
    /// The walk is over.
    walked: AtomicBool,
}

/// What the pipeline reads: files and folders, or messages from a mail source.
pub enum Input<'a> {
    Paths(&'a [std::path::PathBuf]),
    /// Messages numbered from `first` on: a source that decodes in batches
    /// into one import keeps every message's place distinct.
    Messages {
        messages: &'a mut (dyn Iterator<Item = MessageItem> + Send),
        first: u64,
    },
}

pub fn run(
    collector: &mut dyn Collect,
    input: Input<'_>,
    options: &LoadOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> LoadOutcome {
    let generation = collector.begin_load();
    // Every report of one load is judged against the same time.
    let now = options.now.unwrap_or_else(chrono::Utc::now);
    let threads = options
        .threads
        .filter(|&n| n > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    let mut state = Progress {
        listing: true,
        ..Progress::default()
    };
    progress(&state);
    let counters = Counters::default();
    let (file_tx, file_rx) = unbounded::<(u32, InputFile)>();
    let (job_tx, job_rx) = bounded::<Job>(MESSAGE_QUEUE);
    let (out_tx, out_rx) = bounded::<Vec<Output>>(256);
    std::thread::scope(|scope| {
        let feeding = match input {
            Input::Paths(paths) => {
                let walker = Walker {
                    generation,
                    counters: &counters,
                    files: file_tx,
                    problems: out_tx.clone(),
                };
                std::thread::Builder::new()
                    .name("tlsrpt-walk".into())
                    .spawn_scoped(scope, move || walker.run(paths, cancel))
            }
            Input::Messages { messages, first } => {
                drop(file_tx);
                let feeder = Feeder {
                    generation,
                    first,
                    counters: &counters,
                    jobs: job_tx.clone(),
                    problems: out_tx.clone(),
                };
                std::thread::Builder::new()
                    .name("tlsrpt-messages".into())
                    .spawn_scoped(scope, move || feeder.run(messages, cancel))
            }
        };
        let mut started = 0;
        for i in 0..threads {
            let worker = Worker {
                options,
                now,
                cancel,
                counters: &counters,
                generation,
                files: file_rx.clone(),
                messages: job_rx.clone(),
                batch: Batch::new(out_tx.clone()),
            };
            let job_tx = job_tx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("tlsrpt-decode-{i}"))
                .spawn_scoped(scope, move || worker.run(job_tx));
            started += usize::from(spawned.is_ok());
        }
        // The queue ends when the last worker is done with the files and the feeder
        // with its messages; the collector when the walk and the last worker are done.
        drop((job_tx, job_rx, out_tx, file_rx));
        if started == 0 || feeding.is_err() {
            collector.add_problem(
                Problem {
                    source: Source::file(Path::new("").into()),
                    error: IngestError::Io("cannot start the reading threads".into()),
                },
                Order::default(),
            );
        }
        collect(collector, out_rx, &counters, &mut state, progress);
    });
    collector.finish_load();
    LoadOutcome {
        cancelled: cancel.load(Relaxed),
        progress: state,
    }
}

/// One item a mail source yields: a message to decode, or one it could not fetch.
pub enum MessageItem {
    Message { source: Source, data: Vec<u8> },
    Problem(Problem),
}

/// Feeds messages from a mail source to the decoders, numbered in the order the
/// source yields them; blocks while the queue is full, so a mailbox of any size
/// takes bounded memory.
struct Feeder<'a> {
    generation: u32,
    first: u64,
    counters: &'a Counters,
    jobs: Sender<Job>,
    problems: Sender<Vec<Output>>,
}

impl Feeder<'_> {
    fn run(self, messages: &mut (dyn Iterator<Item = MessageItem> + Send), cancel: &AtomicBool) {
        for (number, item) in (self.first.max(1)..).zip(messages) {
            if cancel.load(Relaxed) {
                break;
            }
            let order = Order {
                generation: self.generation,
                message: number,
                ..Order::default()
            };
            self.counters.messages.fetch_add(1, Relaxed);
            match item {
                MessageItem::Message { source, data } => {
                    self.counters
                        .bytes_found
                        .fetch_add(data.len() as u64, Relaxed);
                    self.counters
                        .bytes_read
                        .fetch_add(data.len() as u64, Relaxed);
                    if self
                        .jobs
                        .send(Job {
                            source,
                            data,
                            order,
                        })
                        .is_err()
                    {
                        break;
                    }
                }
                MessageItem::Problem(problem) => {
                    let mut sink = Sink::default();
                    sink.problems.push(problem);
                    let _ = self.problems.send(vec![Output::new(order, sink)]);
                }
            }
        }
        self.counters.walked.store(true, Relaxed);
    }
}

/// The walk, on its own thread: each file found goes to the readers at once, each
/// path that cannot be walked to the collector, both numbered in input order.
struct Walker<'a> {
    generation: u32,
    counters: &'a Counters,
    files: Sender<(u32, InputFile)>,
    problems: Sender<Vec<Output>>,
}

impl Walker<'_> {
    fn run(self, paths: &[std::path::PathBuf], cancel: &AtomicBool) {
        let mut next = 0u32;
        walk(paths, cancel, &mut |found| match found {
            WalkItem::File(file) => {
                self.counters.files_found.fetch_add(1, Relaxed);
                self.counters.bytes_found.fetch_add(file.size, Relaxed);
                let _ = self.files.send((next, file));
                next += 1;
            }
            WalkItem::Problem(problem) => {
                // Placed before the file that follows it.
                let order = Order {
                    generation: self.generation,
                    file: next,
                    ..Order::default()
                };
                let mut sink = Sink::default();
                sink.problems.push(problem);
                let _ = self.problems.send(vec![Output::new(order, sink)]);
            }
        });
        self.counters.walked.store(true, Relaxed);
    }
}

fn collect(
    loaded: &mut dyn Collect,
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
            add_output(loaded, output, state);
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

/// Hands what one input produced to the collector, counting it in `state`.
fn add_output(loaded: &mut dyn Collect, output: Output, state: &mut Progress) {
    let Output {
        order,
        sink,
        fingerprints,
        digests,
        input,
    } = output;
    if let Some(record) = input {
        loaded.input(record);
    }
    {
        let mut digests = digests.into_iter();
        let reports = sink.reports.into_iter().zip(fingerprints);
        for (item, ((report, source, document), fingerprint)) in reports.enumerate() {
            let order = Order {
                item: item as u32,
                ..order
            };
            let kept = document.and_then(|document| {
                let digest = digests.next()?;
                Some(Kept { digest, document })
            });
            let found = Found {
                report,
                source,
                order,
                fingerprint,
                kept,
            };
            match loaded.insert(found) {
                Inserted::New => state.reports += 1,
                Inserted::Copy => state.duplicates += 1,
                Inserted::Again => state.again += 1,
            }
        }
        for (item, problem) in sink.problems.into_iter().enumerate() {
            loaded.add_problem(
                problem,
                Order {
                    item: item as u32,
                    ..order
                },
            );
            state.problems += 1;
        }
        for (item, skipped) in sink.skipped.into_iter().enumerate() {
            loaded.add_skipped(
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
    state.listing = !counters.walked.load(Relaxed);
    state.files_total = counters.files_found.load(Relaxed);
    state.bytes_total = counters.bytes_found.load(Relaxed);
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

    /// Sends one output ahead of the batch.
    fn send_now(&mut self, output: Output) {
        let _ = self.to.send(vec![output]);
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
    /// The time reports' dates are judged against.
    now: chrono::DateTime<chrono::Utc>,
    cancel: &'a AtomicBool,
    counters: &'a Counters,
    generation: u32,
    /// The files the walk finds, numbered in input order.
    files: Receiver<(u32, InputFile)>,
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
            if self.cancel.load(Relaxed) {
                break;
            }
            // A message (this worker holds a sender of the queue, which so stays
            // open) or the next file; none left once the walk is done.
            crossbeam_channel::select! {
                recv(self.messages) -> job => if let Ok(job) = job {
                    self.decode_message(job);
                },
                recv(self.files) -> file => match file {
                    Ok((index, file)) => self.read_file(index, &file, &queue),
                    Err(_) => break,
                },
            }
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
            let decoder = self.decoder();
            decoder.decode_message(&job.data, &job.source, 0, &mut sink);
        }
        self.batch
            .push(Output::new(job.order, sink), job.data.len());
    }

    fn decoder(&self) -> Decoder<'_> {
        Decoder {
            limits: &self.options.limits,
            now: self.now,
            keep_documents: self.options.keep_documents,
        }
    }

    fn problem(&mut self, source: &Source, error: IngestError, order: Order) {
        let mut sink = Sink::default();
        sink.problem(source, error);
        self.batch.push(Output::new(order, sink), 0);
    }

    fn read_file(&mut self, index: u32, file: &InputFile, queue: &Sender<Job>) {
        let order = Order {
            generation: self.generation,
            file: index,
            ..Order::default()
        };
        let source = Source::file(file.path.clone());
        let read = Cell::new(0);
        let known = self.options.known.as_ref();
        if let Some(reason) = known.and_then(|k| k.known_file(&file.path, file.size, file.modified))
        {
            self.batch.push(
                Output::input(input_record(file, order, None, Some(reason))),
                0,
            );
        } else if let Err(error) = self.read_and_decode(file, &source, order, &read, queue) {
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
        let record = |digest, known| input_record(file, order, digest, known);
        if let Some(start) = mbox_start(&data) {
            // Heard of before any of its messages, which other workers decode.
            self.batch.send_now(Output::input(record(None, None)));
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
            self.batch.send_now(Output::input(record(None, None)));
            self.split_mbox(MultiGzDecoder::new(&data[..]), source, order, queue);
            return Ok(());
        }
        // A library passes over a file whose content it has read under another name.
        let wants_digest = self.options.keep_documents || self.options.known.is_some();
        let digest = wants_digest.then(|| sha256(&data));
        let known = self.options.known.as_ref();
        if let Some(reason) = digest.and_then(|d| known?.known_content(&d)) {
            self.batch
                .push(Output::input(record(digest, Some(reason))), 0);
            return Ok(());
        }
        let claims_report = !file.in_folder || claims_report(&file.path.to_string_lossy());
        let mut sink = Sink::default();
        self.decoder()
            .decode(&data, source, 0, Expect::File { claims_report }, &mut sink);
        let mut output = Output::new(order, sink);
        output.input = Some(record(digest, None));
        self.batch.push(output, data.len());
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
        let reader = Cancellable {
            inner: reader,
            cancel: self.cancel,
        };
        for item in MboxMessages::new(reader, limit).numbered() {
            if self.cancel.load(Relaxed) {
                return;
            }
            let (number, message) = match item {
                MboxItem::Message { number, data } => (number, data),
                MboxItem::TooLarge { number, error } => {
                    self.counters.messages.fetch_add(1, Relaxed);
                    let order = Order {
                        message: number,
                        ..order
                    };
                    self.problem(&source.with(Location::Message(number)), error, order);
                    continue;
                }
                MboxItem::Unreadable { after, error } => {
                    let order = Order {
                        message: after + 1,
                        ..order
                    };
                    self.problem(source, error, order);
                    return;
                }
            };
            self.counters.messages.fetch_add(1, Relaxed);
            let order = Order {
                message: number,
                ..order
            };
            let message_source = source.with(Location::Message(number));
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

fn input_record(
    file: &InputFile,
    order: Order,
    digest: Option<Digest>,
    known: Option<String>,
) -> InputRecord {
    InputRecord {
        path: file.path.clone(),
        size: file.size,
        modified: file.modified,
        root: file.root,
        order,
        digest,
        known,
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
