//! Messages from a mail source go through the same pipeline as files: the totals
//! equal the generated corpus, whatever the number of decoder threads.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use tlsrpt_analyzer::analysis::Summary;
use tlsrpt_analyzer::ingest::{self, LoadOptions, MessageItem};
use tlsrpt_analyzer::library::{IngestError, Loaded, Location, Problem, Source};
use tlsrpt_corpus::{CorpusOptions, report_messages};

fn load_messages(messages: Vec<Vec<u8>>, extra: Vec<MessageItem>, threads: usize) -> Loaded {
    let mut loaded = Loaded::new();
    let folder = Source::file(Path::new("imaps://reports@mail.example/INBOX").into());
    let mut items = messages
        .into_iter()
        .enumerate()
        .map(|(i, data)| MessageItem::Message {
            source: folder.with(Location::Message(i as u64 + 1)),
            data,
        })
        .chain(extra);
    let options = LoadOptions {
        threads: Some(threads),
        ..LoadOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let outcome = ingest::collect_messages(&mut loaded, &mut items, &options, &cancel, |_| {});
    assert!(!outcome.cancelled);
    loaded
}

#[test]
fn messages_from_a_mail_source_give_the_corpus_totals() {
    let options = CorpusOptions {
        reports: 300,
        seed: 7,
        ..CorpusOptions::default()
    };
    let (messages, expected) = report_messages(&options);
    for threads in [1, 3] {
        let loaded = load_messages(messages.clone(), Vec::new(), threads);
        let mut summary = Summary::of(&loaded);
        // The generator knows no sources; each is a message of the folder.
        for mismatch in &mut summary.detail_mismatches {
            assert!(
                mismatch
                    .source
                    .starts_with("imaps://reports@mail.example/INBOX › message ")
            );
            mismatch.source.clear();
        }
        assert_eq!(summary, expected, "{threads} threads");
        assert_eq!(loaded.reports().len(), 300);
    }
}

#[test]
fn a_message_the_source_could_not_fetch_is_a_problem_and_the_rest_load() {
    let options = CorpusOptions {
        reports: 20,
        ..CorpusOptions::default()
    };
    let (messages, expected) = report_messages(&options);
    let lost = MessageItem::Problem(Problem {
        source: Source::file(Path::new("imaps://reports@mail.example/INBOX").into())
            .with(Location::Message(21)),
        error: IngestError::Io("connection reset while fetching".into()),
    });
    let loaded = load_messages(messages, vec![lost], 2);
    let summary = Summary::of(&loaded);
    assert_eq!(summary.successful_sessions, expected.successful_sessions);
    assert_eq!(summary.failed_sessions, expected.failed_sessions);
    assert_eq!(summary.reports, 20);
    let problems: Vec<String> = loaded.problems().map(|p| p.error.to_string()).collect();
    assert_eq!(problems, ["cannot read: connection reset while fetching"]);
}
