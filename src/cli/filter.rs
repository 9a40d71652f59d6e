//! Filter and grouping options shared by `summary` and `export`.

use chrono::NaiveDate;
use tlsrpt_analyzer::analysis::{Dimension, Filter, MAX_DIMENSIONS};
use tlsrpt_analyzer::export::CsvCells;

/// How CSV cells are written.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CsvArgs {
    /// Write CSV cells exactly as in the reports, also those beginning with =, +,
    /// -, @, a tab or a carriage return, which a spreadsheet runs as formulas (by
    /// default such a cell gets a leading '). For scripts, not spreadsheets.
    #[arg(long)]
    pub raw_csv: bool,
}

impl CsvArgs {
    pub fn cells(&self) -> CsvCells {
        if self.raw_csv {
            CsvCells::Raw
        } else {
            CsvCells::Neutralized
        }
    }
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// First UTC day of the reports (YYYY-MM-DD), inclusive.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last UTC day of the reports (YYYY-MM-DD), inclusive.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Keep this policy domain (repeatable; '' for reports naming none).
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// Keep this sending organization (repeatable).
    #[arg(long = "org", value_name = "ORGANIZATION")]
    pub organizations: Vec<String>,
    /// Keep this policy type: sts, tlsa, no-policy-found (repeatable).
    #[arg(long = "policy-type", value_name = "TYPE")]
    pub policy_types: Vec<String>,
    /// Keep failure details of this result type (repeatable).
    #[arg(long = "result-type", value_name = "TYPE")]
    pub result_types: Vec<String>,
    /// Keep failure details of this receiving MX hostname (repeatable).
    #[arg(long = "mx-host", value_name = "HOST")]
    pub mx_hosts: Vec<String>,
    /// Keep rows where any text column contains this (case-insensitive).
    #[arg(long)]
    pub search: Option<String>,
}

impl FilterArgs {
    /// The filter as given: how names match (exactly, then ignoring ASCII case) is
    /// the filter's own rule.
    pub fn filter(&self) -> Filter {
        Filter {
            from: self.from,
            to: self.to,
            policy_domains: self.domains.clone(),
            organizations: self.organizations.clone(),
            policy_types: self.policy_types.clone(),
            result_types: self.result_types.clone(),
            mx_hosts: self.mx_hosts.clone(),
            text: self.search.clone().unwrap_or_default(),
        }
    }
}

/// Ends the process with status 2, like clap's own usage errors, when `--by`
/// names more dimensions than a table can group by.
pub fn exit_if_too_many_dimensions(by: &[Dimension]) {
    if by.len() > MAX_DIMENSIONS {
        eprintln!("error: --by takes at most {MAX_DIMENSIONS} dimensions");
        std::process::exit(2);
    }
}

/// Parses one dimension name for clap.
pub fn parse_dimension(name: &str) -> Result<Dimension, String> {
    Dimension::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Dimension::ALL.iter().map(|d| d.name()).collect();
        format!("unknown dimension {name:?}; one of: {}", names.join(", "))
    })
}
