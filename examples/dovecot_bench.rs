//! A private Dovecot for `benches/imap_sync.sh`, filled with generated report
//! e-mails by IMAP APPEND (the test harness's server, tests/common/dovecot.rs).
//!
//!     dovecot_bench MESSAGES SEED
//!
//! Prints `ready PORT CA_FILE USER PASSWORD` once the folder holds MESSAGES
//! messages, then reads commands from standard input: `append N` appends N
//! more (printing `appended`), end of input stops the server.

#[path = "../tests/common/dovecot.rs"]
mod dovecot;

use std::io::BufRead;

use tlsrpt_corpus::{CorpusOptions, report_messages};

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    if !dovecot::available("dovecot_bench") {
        std::process::exit(1);
    }
    let server = dovecot::Dovecot::start(dovecot::Setup::default());
    // One corpus for the whole run: the later appends are its last messages,
    // so that the totals are those of one generated corpus.
    let (messages, _) = report_messages(&CorpusOptions {
        reports: count + 1_000,
        seed,
        ..CorpusOptions::default()
    });
    server.append("INBOX", &messages[..count]);
    let mut next = count;
    println!(
        "ready {} {} {} {}",
        server.imaps_port,
        server.ca_file.display(),
        dovecot::USER,
        dovecot::PASSWORD
    );
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if let Some(n) = line
            .strip_prefix("append ")
            .and_then(|n| n.trim().parse::<usize>().ok())
        {
            let end = (next + n).min(messages.len());
            server.append("INBOX", &messages[next..end]);
            next = end;
            println!("appended");
        }
    }
}
