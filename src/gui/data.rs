//! The loaded data, and the aggregates every view draws from, computed on a
//! worker thread and cached until the data or the query changes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::analysis::{
    Chart, ChartKind, Dataset, Dimension, DomainHealth, Filter, GroupTable, Measures, chart,
    group_by, health, select,
};
use crate::ingest::ReportStore;

/// Everything loaded: the reports and their analysis rows.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub store: ReportStore,
    pub dataset: Dataset,
}

/// What the views ask of the data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub filter: Filter,
    pub grouping: Vec<Dimension>,
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
    pub count: u64,
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
pub fn compute(data: &Data, version: u64, query: &Query) -> Aggregates {
    let started = Instant::now();
    let dataset = &data.dataset;
    let selection = select(dataset, &query.filter);
    let table = group_by(dataset, &selection, &query.grouping);
    let organizations = group_by(dataset, &selection, &[Dimension::Organization]);
    let domains = group_by(dataset, &selection, &[Dimension::PolicyDomain]);
    let (details, details_total) = match &query.selected_group {
        Some(keys) => detail_lines(data, &selection, &query.grouping, keys),
        None => (Vec::new(), 0),
    };
    Aggregates {
        query: query.clone(),
        data_version: version,
        total: table.total,
        reports: selection.report_count(),
        charts: ChartKind::ALL
            .iter()
            .map(|&k| chart(dataset, &selection, k))
            .collect(),
        health: health(dataset, &selection),
        facets: Facet::ALL
            .iter()
            .map(|&f| (f, facet_values(dataset, &query.filter, f)))
            .collect(),
        senders: organizations.rows.len(),
        domains: domains
            .rows
            .iter()
            .filter(|r| r.labels.iter().any(|l| !l.is_empty()))
            .count(),
        table,
        details,
        details_total,
        elapsed: started.elapsed(),
    }
}

/// The values of a facet under every filter but its own, largest first.
fn facet_values(dataset: &Dataset, filter: &Filter, facet: Facet) -> Vec<FacetValue> {
    let mut others = filter.clone();
    facet.values(&mut others).clear();
    let selection = select(dataset, &others);
    let table = group_by(dataset, &selection, &[facet.dimension()]);
    let detail = facet.dimension().level() == crate::analysis::Level::Detail;
    let mut values: Vec<FacetValue> = table
        .rows
        .iter()
        .map(|r| FacetValue {
            value: r.first_label(),
            count: if detail {
                r.measures.detail_failed_sessions
            } else {
                r.measures.reports
            },
        })
        .collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    values
}

/// The selected failure details in the table row with `keys`.
fn detail_lines(
    data: &Data,
    selection: &crate::analysis::Selection,
    grouping: &[Dimension],
    keys: &[u64],
) -> (Vec<DetailLine>, usize) {
    let dataset = &data.dataset;
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
                        day: crate::analysis::day_date(report.day).to_string(),
                        policy_domain: text(policy.policy_domain),
                        result_type: text(detail.result_type),
                        sending_mta_ip: text(detail.sending_mta_ip),
                        receiving_ip: text(detail.receiving_ip),
                        receiving_mx_hostname: text(detail.receiving_mx_hostname),
                        failed_session_count: detail.failed_session_count,
                        failure_reason_code: text(detail.failure_reason_code),
                    });
                }
            }
        }
    }
    (lines, total)
}

struct Request {
    data: Arc<Data>,
    version: u64,
    query: Query,
}

/// A thread that computes aggregates, always for the latest request only.
pub struct AggregateWorker {
    requests: Sender<Request>,
    results: Receiver<Aggregates>,
}

impl AggregateWorker {
    /// Starts the worker; `on_result` is called (from the worker thread) when a
    /// result is ready, e.g. to request a repaint.
    pub fn start(on_result: impl Fn() + Send + 'static) -> std::io::Result<AggregateWorker> {
        let (requests, inbox) = unbounded::<Request>();
        let (outbox, results) = unbounded();
        std::thread::Builder::new()
            .name("tlsrpt-aggregate".into())
            .spawn(move || {
                while let Ok(mut request) = inbox.recv() {
                    // Requests a newer one has replaced are never computed.
                    while let Ok(newer) = inbox.try_recv() {
                        request = newer;
                    }
                    let result = compute(&request.data, request.version, &request.query);
                    drop(request);
                    if outbox.send(result).is_err() {
                        return;
                    }
                    on_result();
                }
            })?;
        Ok(AggregateWorker { requests, results })
    }

    pub fn request(&self, data: Arc<Data>, version: u64, query: Query) {
        let _ = self.requests.send(Request {
            data,
            version,
            query,
        });
    }

    /// The newest finished result, if any.
    pub fn poll(&self) -> Option<Aggregates> {
        self.results.try_iter().last()
    }

    /// Waits for the next result (for tests and headless runs).
    pub fn wait(&self) -> Option<Aggregates> {
        self.results.recv().ok()
    }
}
