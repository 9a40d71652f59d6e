//! Inputs that must become problems or be skipped, each at a known source.

use std::io;

use super::Writer;
use super::json::report_json;
use super::mail::{MailStyle, MboxWriter, gzip, report_email, zip_of};
use super::model::Producer;

pub fn plant(writer: &mut Writer) -> io::Result<()> {
    // Junk reports come after the corpus's own, starting at a Google report (whose
    // gzip attachment the mailbox junk corrupts).
    let base = (writer.options.reports + 1).next_multiple_of(Producer::ALL.len());
    let report = writer.draw(base);
    let json = report_json(&report);
    let gz = gzip(json.as_bytes());

    let truncated = &gz[..gz.len() / 2];
    plant_problem(
        writer,
        "junk/truncated.json.gz",
        truncated,
        "truncated gzip",
    )?;
    plant_problem(
        writer,
        "junk/corrupt.zip",
        b"PK\x03\x04\x14\x00garbage",
        "corrupt zip",
    )?;
    plant_problem(
        writer,
        "junk/invalid.json",
        br#"{"organization-name": "x", "policies": ["#,
        "invalid JSON",
    )?;
    plant_problem(
        writer,
        "junk/not-a-report.json",
        br#"{"feedback": {"report_metadata": {}}}"#,
        "not a TLS report",
    )?;
    plant_problem(writer, "junk/empty.json", b"", "empty file")?;
    let bad_count = json
        .replacen(
            "\"total-successful-session-count\": ",
            "\"total-successful-session-count\":",
            1,
        )
        .replacen(
            "\"total-successful-session-count\":",
            "\"total-successful-session-count\":\"lots\",\"x\":",
            1,
        );
    plant_problem(
        writer,
        "junk/bad-count.json",
        bad_count.as_bytes(),
        "count is not a number",
    )?;

    // A zip with one good member and one truncated one.
    let good = writer.draw(base + 2);
    let good_json = report_json(&good);
    let archive = zip_of(&[
        ("good.json".to_string(), good_json.into_bytes()),
        ("broken.json.gz".to_string(), truncated.to_vec()),
    ]);
    writer.write("archives/with-bad-member.zip", &archive)?;
    writer.expected.report(&good);
    writer.expected.problem(
        "archives/with-bad-member.zip › member broken.json.gz",
        "truncated gzip",
    );

    // A mailbox whose second message carries a corrupt attachment.
    let first = writer.draw(base + 1);
    let third = writer.draw(base + 3);
    let mut mbox = MboxWriter::new(Vec::new(), false);
    let (message, _) = report_email(&first, &report_json(&first), MailStyle::Native);
    mbox.append(&message, first.start())?;
    let (message, name) = report_email(&report, &json, MailStyle::Native);
    let corrupt = String::from_utf8_lossy(&message).replace("H4sI", "H4sX");
    mbox.append(corrupt.as_bytes(), report.start())?;
    let (message, _) = report_email(&third, &report_json(&third), MailStyle::Native);
    mbox.append(&message, third.start())?;
    writer.write("mbox/with-bad-attachment.mbox", &mbox.into_inner())?;
    writer.expected.report(&first);
    writer.expected.report(&third);
    writer.expected.problem(
        &format!("mbox/with-bad-attachment.mbox › message 2 › attachment {name}"),
        "corrupt gzip in attachment",
    );

    plant_skipped(writer)
}

fn plant_problem(writer: &mut Writer, path: &str, data: &[u8], what: &str) -> io::Result<()> {
    writer.write(path, data)?;
    writer.expected.problem(path, what);
    Ok(())
}

const DMARC_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <report_metadata>\n    <org_name>google.com</org_name>\n    <report_id>1234</report_id>\n  </report_metadata>\n</feedback>\n";

fn plant_skipped(writer: &mut Writer) -> io::Result<()> {
    writer.write("dmarc/aggregate.xml", DMARC_XML.as_bytes())?;
    writer
        .expected
        .skipped("dmarc/aggregate.xml", "DMARC aggregate report");

    let encoded = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        gzip(DMARC_XML.as_bytes()),
    );
    let dmarc_mail = format!(
        "From: noreply-dmarc-support@google.com\nTo: dmarc@example.com\nSubject: Report domain: example.com\n\
         MIME-Version: 1.0\nContent-Type: application/gzip; name=\"google.com!example.com!1!2.xml.gz\"\n\
         Content-Transfer-Encoding: base64\n\n{encoded}\n"
    );
    writer.write("dmarc/dmarc-report.eml", dmarc_mail.as_bytes())?;
    writer
        .expected
        .skipped("dmarc/dmarc-report.eml", "DMARC aggregate report");

    let plain = "From: alice@example.com\nTo: tlsrpt@example.com\nSubject: are the reports arriving?\n\n\
                 Just checking that this mailbox works.\n";
    writer.write("mail/no-report.eml", plain.as_bytes())?;
    writer
        .expected
        .skipped("mail/no-report.eml", "e-mail without a TLS report");

    writer.write(
        "notes/README.txt",
        "Exported from the tlsrpt@ mailbox.\n".as_bytes(),
    )?;
    writer
        .expected
        .skipped("notes/README.txt", "not a report file");
    Ok(())
}
