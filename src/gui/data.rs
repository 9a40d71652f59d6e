//! The loaded data, and the aggregates every view draws from, computed on a
//! worker thread and cached until the data or the query changes.

use std::time::{Duration, Instant};

use crate::analysis::{
    Chart, ChartKind, ChartOptions, Dimension, DomainHealth, Filter, Finding, GroupTable, Incident,
    Measures, Selection, WeekOverWeek, charts, findings, group_by, health, incidents, select,
    week_over_week,
};
use std::collections::HashMap;

use crate::library::{Dataset, Loaded, Sym};
use crate::report::SessionSum;

/// What the Problems tab and the status bar show of the loaded set: made once per
/// load, so that it stays on screen while the next load runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub reports: usize,
    /// The last UTC day a report starts on: where the quick date ranges end.
    pub last_day: Option<chrono::NaiveDate>,
    /// Each problem's error, then its source.
    pub problems: Vec<[String; 2]>,
    /// Each skipped input's reason, then its source.
    pub skipped: Vec<[String; 2]>,
    pub duplicates: u64,
    /// Organization, report-id, kept copy, dropped copy.
    pub conflicts: Vec<[String; 4]>,
}

impl Inventory {
    pub fn of(loaded: &Loaded) -> Inventory {
        let store = loaded;
        let last_day = loaded.dataset().reports.iter().map(|r| r.day).max();
        Inventory {
            reports: store.report_count(),
            last_day: last_day.map(crate::library::date_of_day),
            // The error first: a source inside an mbox attachment can be longer
            // than the window.
            problems: store
                .problems()
                .map(|p| [p.error.to_string(), p.source.to_string()])
                .collect(),
            skipped: store
                .skipped()
                .map(|s| [s.reason.to_string(), s.source.to_string()])
                .collect(),
            duplicates: store.duplicates(),
            conflicts: store
                .conflicts()
                .iter()
                .map(|c| {
                    [
                        c.organization_name.to_string(),
                        c.report_id.to_string(),
                        format!("kept {}", c.kept),
                        format!("dropped {}", c.dropped),
                    ]
                })
                .collect(),
        }
    }

    /// Nothing loaded: no report, problem or skipped input.
    pub fn is_empty(&self) -> bool {
        self.reports == 0 && self.problems.is_empty() && self.skipped.is_empty()
    }
}

/// What the views ask of the data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub filter: Filter,
    pub grouping: Vec<Dimension>,
    pub charts: ChartOptions,
    /// The keys of the table row whose failure details are shown.
    pub selected_group: Option<Vec<u64>>,
}

/// One filter field of the side panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    PolicyDomain,
    Organization,
    PolicyType,
    ResultType,
    MxHost,
}

impl Facet {
    pub const ALL: [Facet; 5] = [
        Facet::PolicyDomain,
        Facet::Organization,
        Facet::PolicyType,
        Facet::ResultType,
        Facet::MxHost,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Facet::PolicyDomain => "Policy domains",
            Facet::Organization => "Sending organizations",
            Facet::PolicyType => "Policy types",
            Facet::ResultType => "Result types",
            Facet::MxHost => "MX hosts",
        }
    }

    pub fn dimension(self) -> Dimension {
        match self {
            Facet::PolicyDomain => Dimension::PolicyDomain,
            Facet::Organization => Dimension::Organization,
            Facet::PolicyType => Dimension::PolicyType,
            Facet::ResultType => Dimension::ResultType,
            Facet::MxHost => Dimension::MxHost,
        }
    }

    /// The values of this field the filter keeps.
    pub fn selected(self, filter: &Filter) -> &[String] {
        match self {
            Facet::PolicyDomain => &filter.policy_domains,
            Facet::Organization => &filter.organizations,
            Facet::PolicyType => &filter.policy_types,
            Facet::ResultType => &filter.result_types,
            Facet::MxHost => &filter.mx_hosts,
        }
    }

    /// The filter's list of values for this field.
    pub fn values(self, filter: &mut Filter) -> &mut Vec<String> {
        match self {
            Facet::PolicyDomain => &mut filter.policy_domains,
            Facet::Organization => &mut filter.organizations,
            Facet::PolicyType => &mut filter.policy_types,
            Facet::ResultType => &mut filter.result_types,
            Facet::MxHost => &mut filter.mx_hosts,
        }
    }
}

/// A value of a facet with its count under the other filters: reports, or failed
/// sessions for the detail fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FacetValue {
    pub value: String,
    pub count: SessionSum,
    /// Other spellings of a sender's name (letter case), shown on hover.
    pub spellings: Vec<String>,
}

/// A failure detail of the selected table row, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailLine {
    pub store_index: u32,
    pub organization: String,
    pub day: String,
    pub policy_domain: String,
    pub result_type: String,
    pub sending_mta_ip: String,
    pub receiving_ip: String,
    pub receiving_mx_hostname: String,
    pub failed_session_count: u64,
    pub failure_reason_code: String,
    /// "additional-information": a link only when [`crate::report::web_link`] says so.
    pub additional_information: String,
}

/// At most this many failure details are listed for a table row.
pub const MAX_DETAIL_LINES: usize = 2_000;

/// Everything the views draw, for one query on one version of the data.
#[derive(Debug, Clone)]
pub struct Aggregates {
    pub query: Query,
    pub data_version: u64,
    pub total: Measures,
    /// Reports kept by the filter, also those without any policy (which
    /// `total`, built from policies, does not count).
    pub reports: usize,
    pub table: GroupTable,
    pub charts: Vec<Chart>,
    pub health: Vec<DomainHealth>,
    /// Each (policy domain, result type, MX host) failure, newest first.
    pub incidents: Vec<Incident>,
    /// What a postmaster acts on, warnings first.
    pub findings: Vec<Finding>,
    /// The cards of the last week of data beside the week before.
    pub week: Option<WeekOverWeek>,
    pub facets: Vec<(Facet, Vec<FacetValue>)>,
    pub senders: usize,
    pub domains: usize,
    pub details: Vec<DetailLine>,
    /// All failure details of the selected row (more than listed when cut).
    pub details_total: usize,
    pub elapsed: Duration,
}

impl Aggregates {
    pub fn chart(&self, kind: ChartKind) -> Option<&Chart> {
        self.charts.iter().find(|c| c.kind == kind)
    }

    pub fn facet(&self, facet: Facet) -> &[FacetValue] {
        self.facets
            .iter()
            .find(|(f, _)| *f == facet)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// Computes the aggregates of `query` (on the worker thread, or directly in tests).
pub fn compute(loaded: &Loaded, version: u64, query: &Query) -> Aggregates {
    compute_ranked(loaded, version, query, &mut FacetRanks::default())
}

/// [`compute`], with the facets' orders kept in `ranks` from one call to the next.
pub fn compute_ranked(
    loaded: &Loaded,
    version: u64,
    query: &Query,
    ranks: &mut FacetRanks,
) -> Aggregates {
    let started = Instant::now();
    let dataset = loaded.dataset();
    let selection = select(dataset, &query.filter);
    // The charts and findings take about half the time: on a second core,
    // they are ready with the rest.
    let second = || {
        (
            charts(dataset, &selection, &query.charts),
            findings(dataset, &selection),
        )
    };
    std::thread::scope(|scope| {
        let charts = std::thread::Builder::new()
            .name("charts".into())
            .spawn_scoped(scope, second);
        // Without a filter, the selection is all the data the ranks count.
        let everything = (query.filter == Filter::default()).then_some(&selection);
        let ranks = ranks.of(dataset, version, everything);
        let table = group_by(dataset, &selection, &query.grouping);
        let (senders, domains) = senders_and_domains(dataset, &selection);
        let (details, details_total) = match &query.selected_group {
            Some(keys) => detail_lines(dataset, &selection, &query.grouping, keys),
            None => (Vec::new(), 0),
        };
        let facets = Facet::ALL
            .iter()
            .zip(ranks)
            .map(|(&f, ranks)| {
                let values = facet_values(dataset, &query.filter, &selection, f, ranks);
                (f, values)
            })
            .collect();
        let health = health(dataset, &selection);
        let incidents = incidents(dataset, &selection);
        let week = week_over_week(dataset, &selection);
        let (charts, findings) = match charts {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: all on this one.
            Err(_) => second(),
        };
        Aggregates {
            query: query.clone(),
            data_version: version,
            total: table.total,
            reports: selection.report_count(),
            charts,
            health,
            incidents,
            findings,
            week,
            facets,
            senders,
            domains,
            table,
            details,
            details_total,
            elapsed: started.elapsed(),
        }
    })
}

/// The senders and the policy domains (a named one) of the selected policies.
fn senders_and_domains(dataset: &Dataset, selection: &Selection) -> (usize, usize) {
    let mut seen = vec![0u8; dataset.strings.len()];
    let (mut senders, mut domains) = (0, 0);
    for report in &dataset.reports {
        for p in report.policies.clone() {
            if !selection.policies[p as usize] {
                continue;
            }
            let mut see = |sym: Sym, bit: u8, count: &mut usize| {
                let mark = &mut seen[sym.0 as usize];
                if *mark & bit == 0 {
                    *mark |= bit;
                    *count += 1;
                }
            };
            see(report.organization, 1, &mut senders);
            let domain = dataset.policies[p as usize].policy_domain;
            if domain != Sym::NONE {
                see(domain, 2, &mut domains);
            }
        }
    }
    (senders, domains)
}

/// The values of a facet under every filter but its own, in the order of their
/// count over all the data (so that a list does not reorder under the pointer as
/// filters change), then by name.
fn facet_values(
    dataset: &Dataset,
    filter: &Filter,
    selection: &Selection,
    facet: Facet,
    ranks: &FacetRank,
) -> Vec<FacetValue> {
    let mut others = filter.clone();
    facet.values(&mut others).clear();
    // Without a value of its own chosen, the facet counts the selection there
    // is; without any filter, its counts are those its order was made from.
    let mut values = if others == Filter::default() {
        ranks.values.clone()
    } else if others == *filter {
        counted_selected(dataset, selection, facet)
    } else {
        counted_values(dataset, &others, facet)
    };
    let ranks = &ranks.rank;
    values.sort_by_key(|v| {
        (
            ranks.get(&v.value).copied().unwrap_or(usize::MAX),
            v.value.clone(),
        )
    });
    values
}

/// The values of a facet under `filter` with their counts, largest first.
fn counted_values(dataset: &Dataset, filter: &Filter, facet: Facet) -> Vec<FacetValue> {
    counted_selected(dataset, &select(dataset, filter), facet)
}

/// The values of a facet in `selection` with their counts, largest first.
fn counted_selected(dataset: &Dataset, selection: &Selection, facet: Facet) -> Vec<FacetValue> {
    let table = group_by(dataset, selection, &[facet.dimension()]);
    let detail = facet.dimension().level() == crate::analysis::Level::Detail;
    let mut values: Vec<FacetValue> = table
        .rows
        .iter()
        .map(|r| FacetValue {
            value: r.first_label(),
            count: if detail {
                r.measures.detail_failed_sessions
            } else {
                SessionSum::from(r.measures.reports)
            },
            spellings: if facet == Facet::Organization {
                let sym = Sym(r.keys[0] as u32);
                dataset
                    .spellings(sym)
                    .iter()
                    .map(|&s| dataset.text(s).to_string())
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    values
}

/// The order of each facet's values over all the data, made once per version of
/// the data by the aggregate worker.
#[derive(Debug, Default)]
pub struct FacetRanks {
    version: Option<u64>,
    ranks: Vec<FacetRank>,
}

/// A facet's values over all the data with their counts, and the rank of each.
#[derive(Debug, Default)]
struct FacetRank {
    values: Vec<FacetValue>,
    rank: HashMap<String, usize>,
}

impl FacetRanks {
    /// The ranks of the data of `version`; `everything`: a selection of all
    /// the data, when there is one at hand.
    fn of(
        &mut self,
        dataset: &Dataset,
        version: u64,
        everything: Option<&Selection>,
    ) -> &[FacetRank] {
        if self.version != Some(version) {
            let selected;
            let all = match everything {
                Some(all) => all,
                None => {
                    selected = select(dataset, &Filter::default());
                    &selected
                }
            };
            self.ranks = Facet::ALL
                .iter()
                .map(|&facet| {
                    let values = counted_selected(dataset, all, facet);
                    let rank = values
                        .iter()
                        .enumerate()
                        .map(|(rank, v)| (v.value.clone(), rank))
                        .collect();
                    FacetRank { values, rank }
                })
                .collect();
            self.version = Some(version);
        }
        &self.ranks
    }
}

/// The selected failure details in the table row with `keys`.
fn detail_lines(
    dataset: &Dataset,
    selection: &crate::analysis::Selection,
    grouping: &[Dimension],
    keys: &[u64],
) -> (Vec<DetailLine>, usize) {
    let mut lines = Vec::new();
    let mut total = 0;
    for (r, report) in dataset.reports.iter().enumerate() {
        for p in report.policies.clone() {
            if !selection.policies[p as usize] {
                continue;
            }
            let policy = &dataset.policies[p as usize];
            for d in policy.details.clone() {
                let detail = &dataset.details[d as usize];
                let in_group = grouping
                    .iter()
                    .zip(keys)
                    .all(|(dim, &key)| dim.key(r as u32, report, policy, Some(detail)) == key);
                if !selection.details[d as usize] || !in_group {
                    continue;
                }
                total += 1;
                if lines.len() < MAX_DETAIL_LINES {
                    let text = |s| dataset.text(s).to_string();
                    lines.push(DetailLine {
                        store_index: report.store_index,
                        organization: text(report.organization),
                        day: crate::library::date_of_day(report.day).to_string(),
                        policy_domain: text(policy.policy_domain),
                        result_type: text(detail.result_type),
                        sending_mta_ip: text(detail.sending_mta_ip),
                        receiving_ip: text(detail.receiving_ip),
                        receiving_mx_hostname: text(detail.receiving_mx_hostname),
                        failed_session_count: detail.failed_session_count,
                        failure_reason_code: text(detail.failure_reason_code),
                        additional_information: text(detail.additional_information),
                    });
                }
            }
        }
    }
    (lines, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each facet's values under every filter but its own, counted the long way.
    fn expected(dataset: &Dataset, filter: &Filter, facet: Facet) -> Vec<(String, SessionSum)> {
        let mut others = filter.clone();
        facet.values(&mut others).clear();
        let mut values: Vec<_> = counted_values(dataset, &others, facet)
            .into_iter()
            .map(|v| (v.value, v.count))
            .collect();
        values.sort();
        values
    }

    #[test]
    fn facet_values_and_the_cards_counts_equal_a_count_the_long_way() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
        let loaded = crate::ingest::load(&[root]);
        let dataset = loaded.dataset();
        let first = |facet: Facet| {
            let values = counted_values(dataset, &Filter::default(), facet);
            vec![values[0].value.clone()]
        };
        let filters = [
            Filter::default(),
            Filter {
                organizations: first(Facet::Organization),
                ..Filter::default()
            },
            Filter {
                policy_domains: first(Facet::PolicyDomain),
                result_types: first(Facet::ResultType),
                ..Filter::default()
            },
        ];
        let mut ranks = FacetRanks::default();
        for filter in filters {
            let query = Query {
                filter: filter.clone(),
                ..Query::default()
            };
            let aggregates = compute_ranked(&loaded, 1, &query, &mut ranks);
            let selection = select(dataset, &filter);
            let by = |d: Dimension| group_by(dataset, &selection, &[d]).rows;
            assert_eq!(aggregates.senders, by(Dimension::Organization).len());
            let named = by(Dimension::PolicyDomain);
            let named = named.iter().filter(|r| !r.first_label().is_empty());
            assert_eq!(aggregates.domains, named.count());
            for (facet, values) in &aggregates.facets {
                let mut got: Vec<_> = values.iter().map(|v| (v.value.clone(), v.count)).collect();
                got.sort();
                assert_eq!(
                    got,
                    expected(dataset, &filter, *facet),
                    "{facet:?} {filter:?}"
                );
            }
        }
    }
}
