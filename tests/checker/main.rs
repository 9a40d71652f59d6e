//! Integration tests of the domain checker: each case builds a local world (DNS,
//! policy host, SMTP servers on loopback addresses) from zone-text fixtures, runs
//! the check and asserts its findings and statuses.

/// The zone-text fixture `tests/checker/zones/NAME.zone`.
macro_rules! zone {
    ($name:literal) => {
        include_str!(concat!("zones/", $name, ".zone"))
    };
}

mod harness;
mod support;

mod cli;
mod dane;
mod dane_cli;
mod dane_hostile;
mod dns_faults;
#[cfg(feature = "gui")]
mod gui_panel;
mod hostile;
mod mx;
mod policy_fetch;
mod policy_syntax;
mod starttls;
mod sts_record;
mod tlsrpt;
