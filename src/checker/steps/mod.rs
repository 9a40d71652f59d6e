//! The steps of a check, in the order a sending MTA takes them. Each turns what
//! it observes into findings.

pub mod dane;
pub(crate) mod mx;
pub(crate) mod policy_file;
pub(crate) mod policy_host;
pub(crate) mod response;
pub mod starttls;
pub(crate) mod sts_txt;
pub(crate) mod tlsrpt;
pub(crate) mod txt;
