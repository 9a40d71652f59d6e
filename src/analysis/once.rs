//! Sessions counted once: the rule for a report that evaluates the same sessions
//! under two policy types.
//!
//! A sender that does both DANE and MTA-STS may report one domain's sessions under
//! an `sts` and a `tlsa` policy (Microsoft does, with the same counts under each):
//! adding both counts every session twice. Within one report, for each policy
//! domain, the sessions of the policy type with the most sessions are counted,
//! the other types' left out; several policies of one type (a policy change within
//! the period) are different sessions and add up, and so do policies that name no
//! domain (nothing says they are about the same one). Per-policy figures keep each
//! policy's own counts.

use crate::library::{Dataset, Sym};
use crate::report::SessionSum;

/// Successful and failed sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sessions {
    pub successful: SessionSum,
    pub failed: SessionSum,
}

impl Sessions {
    fn total(&self) -> SessionSum {
        self.successful + self.failed
    }
}

/// Sums per (policy domain, policy type), reused from report to report.
#[derive(Debug, Default)]
pub struct OnceCounter {
    sums: Vec<(Sym, Sym, Sessions)>,
}

impl OnceCounter {
    /// The sessions of `policies` (rows of one report) counted once.
    pub fn count(&mut self, dataset: &Dataset, policies: impl Iterator<Item = u32>) -> Sessions {
        self.sums.clear();
        for p in policies {
            let row = &dataset.policies[p as usize];
            let key = (row.policy_domain, row.policy_type);
            let slot = match self.sums.iter().position(|(d, t, _)| (*d, *t) == key) {
                Some(slot) => slot,
                None => {
                    self.sums.push((key.0, key.1, Sessions::default()));
                    self.sums.len() - 1
                }
            };
            let sum = &mut self.sums[slot].2;
            sum.successful += SessionSum::from(row.successful);
            sum.failed += SessionSum::from(row.failed);
        }
        let mut once = Sessions::default();
        for (i, (domain, _, sessions)) in self.sums.iter().enumerate() {
            if *domain == Sym::NONE {
                once.successful += sessions.successful;
                once.failed += sessions.failed;
                continue;
            }
            // The domain's largest type, counted where it first occurs; ties go to
            // the type first in the report.
            let first_of_domain = self.sums[..i].iter().all(|(d, _, _)| d != domain);
            if !first_of_domain {
                continue;
            }
            let largest = self.sums[i..].iter().filter(|(d, _, _)| d == domain).fold(
                *sessions,
                |best, (_, _, s)| {
                    if s.total() > best.total() { *s } else { best }
                },
            );
            once.successful += largest.successful;
            once.failed += largest.failed;
        }
        once
    }
}
