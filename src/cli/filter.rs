//! Filter and grouping options shared by `summary` and `export`.

use chrono::NaiveDate;
use tlsrpt_analyzer::analysis::{Dimension, Filter, MAX_DIMENSIONS};

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
    pub fn filter(&self) -> Filter {
        let lower = |values: &[String]| {
            values
                .iter()
                .map(|v| v.trim().to_ascii_lowercase())
                .collect()
        };
        Filter {
            from: self.from,
            to: self.to,
            policy_domains: lower(&self.domains),
            organizations: self.organizations.clone(),
            policy_types: lower(&self.policy_types),
            result_types: self.result_types.clone(),
            mx_hosts: lower(&self.mx_hosts),
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
