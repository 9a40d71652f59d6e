//! Plain-text tables for the terminal.

use std::fmt::Write;

use crate::analysis::Summary;
use crate::report::SessionSum;

/// A number with narrow no-break spaces between thousands (`1 562 388`), for the
/// app's cards, tables and chart axes.
/// A count with its noun: "1 source", "1 203 sources".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

pub fn thousands(n: impl Into<SessionSum>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    out
}

/// Renders a [`Summary`] as aligned plain-text tables.
pub fn summary_table(s: &Summary) -> String {
    let mut out = String::new();
    let total = s.successful_sessions + s.failed_sessions;
    let _ = writeln!(out, "Reports:             {}", s.reports);
    let _ = writeln!(out, "Duplicates dropped:  {}", s.duplicates);
    let _ = writeln!(out, "Sessions:            {total}");
    let _ = writeln!(
        out,
        "  successful:        {} ({})",
        s.successful_sessions,
        percent(s.successful_sessions, total)
    );
    let _ = writeln!(
        out,
        "  failed:            {} ({})",
        s.failed_sessions,
        percent(s.failed_sessions, total)
    );
    let _ = writeln!(out, "Problems:            {}", s.problems.len());
    let _ = writeln!(out, "Skipped:             {}", s.skipped.len());

    table(
        &mut out,
        "Failures by result type",
        &["result type", "failed"],
        s.by_result_type
            .iter()
            .map(|r| vec![r.result_type.clone(), r.failed_sessions.to_string()]),
    );
    table(
        &mut out,
        "By sending organization",
        &["organization", "successful", "failed"],
        s.by_organization.iter().map(|r| {
            vec![
                r.organization.clone(),
                r.successful_sessions.to_string(),
                r.failed_sessions.to_string(),
            ]
        }),
    );
    table(
        &mut out,
        "By policy",
        &["policy type", "policy domain", "successful", "failed"],
        s.by_policy.iter().map(|r| {
            vec![
                r.policy_type.clone(),
                r.policy_domain.clone().unwrap_or_else(|| "-".into()),
                r.successful_sessions.to_string(),
                r.failed_sessions.to_string(),
            ]
        }),
    );
    table(
        &mut out,
        "By day (UTC)",
        &["day", "successful", "failed"],
        s.by_day.iter().map(|r| {
            vec![
                r.day.clone(),
                r.successful_sessions.to_string(),
                r.failed_sessions.to_string(),
            ]
        }),
    );
    table(
        &mut out,
        "Failure details that disagree with their summary",
        &["source", "report id", "summary failed", "details failed"],
        s.detail_mismatches.iter().map(|m| {
            vec![
                m.source.clone(),
                m.report_id.clone(),
                m.summary_failed_sessions.to_string(),
                m.detail_failed_sessions.to_string(),
            ]
        }),
    );
    table(
        &mut out,
        "Conflicting copies (same organization and report-id, different content)",
        &["organization", "report id", "kept", "dropped"],
        s.conflicts.iter().map(|c| {
            vec![
                c.organization.clone(),
                c.report_id.clone(),
                c.kept.clone(),
                c.dropped.clone(),
            ]
        }),
    );
    table(
        &mut out,
        "Problems",
        &["source", "error"],
        s.problems
            .iter()
            .map(|p| vec![p.source.clone(), p.error.clone()]),
    );
    table(
        &mut out,
        "Skipped",
        &["source", "reason"],
        s.skipped
            .iter()
            .map(|p| vec![p.source.clone(), p.reason.clone()]),
    );
    out
}

fn percent(part: SessionSum, total: SessionSum) -> String {
    if total == 0 {
        "-".into()
    } else {
        format!("{:.2} %", part as f64 * 100.0 / total as f64)
    }
}

/// Writes a titled table; numbers (all but the first column) are right-aligned.
fn table(out: &mut String, title: &str, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let rows: Vec<Vec<String>> = rows.collect();
    if rows.is_empty() {
        return;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let _ = writeln!(out, "\n{title}");
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            let pad = width - cell.chars().count();
            let numeric = i > 0 && cell.chars().all(|c| c.is_ascii_digit());
            if numeric {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("  ");
        }
        let _ = writeln!(out, "  {}", line.trim_end());
    }
}

/// Renders a grouped table as aligned text, with its total. Rates are percentages;
/// multi-line values (policy strings) are joined with "; ".
pub fn group_table_text(table: &crate::analysis::GroupTable) -> String {
    let sessions = table.has_session_counts();
    let mut header: Vec<&str> = table.key_columns();
    if sessions {
        header.extend([
            "reports",
            "successful",
            "failed",
            "total",
            "success",
            "detail failed",
            "share",
            "first day",
            "last day",
        ]);
    } else {
        header.extend(["reports", "detail failed", "share", "first day", "last day"]);
    }
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let rows = table.rows.iter().map(|row| {
        let m = &row.measures;
        let mut cells: Vec<String> = row
            .labels
            .iter()
            .map(|l| {
                if l.is_empty() {
                    "-".into()
                } else {
                    l.replace('\n', "; ")
                }
            })
            .collect();
        cells.push(m.reports.to_string());
        if sessions {
            cells.extend([
                m.successful_sessions.to_string(),
                m.failed_sessions.to_string(),
                m.total_sessions().to_string(),
                rate(m.success_rate()),
            ]);
        }
        cells.extend([
            m.detail_failed_sessions.to_string(),
            rate(table.detail_share(row)),
            day(m.first_date()),
            day(m.last_date()),
        ]);
        cells
    });
    let mut out = String::new();
    let title = if table.dimensions.is_empty() {
        "Total".to_string()
    } else {
        let names: Vec<&str> = table.dimensions.iter().map(|d| d.title()).collect();
        format!("By {}", names.join(" and "))
    };
    self::table(&mut out, &title, &header, rows);
    let t = &table.total;
    let _ = writeln!(
        out,
        "\nTotal: {} reports, {} successful and {} failed sessions ({} by failure details)",
        t.reports, t.successful_sessions, t.failed_sessions, t.detail_failed_sessions
    );
    out
}

fn rate(value: Option<f64>) -> String {
    value
        .map(|v| format!("{:.2} %", v * 100.0))
        .unwrap_or_default()
}
