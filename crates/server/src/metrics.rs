//! Process metrics in the Prometheus text format, served at `GET /metrics`.
//!
//! One process-wide registry of atomic counters (a metric registry is per process, like a logger):
//! requests by route pattern and status with a latency histogram per route, tokens issued by grant
//! and realm, failed logins, requests refused by a rate limit, detected refresh token reuse, blocking-pool work in flight, database
//! pool connections, dropped audit events, and build information. Labels are bounded: routes are
//! the registered patterns (`/realms/{realm}/token`), never raw paths.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{LazyLock, RwLock};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Most distinct label sets one family keeps (bounded cardinality, whatever callers send).
const MAX_SERIES: usize = 1000;

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
}

/// Most distinct values of an inner label (statuses of a route, grants of a realm).
const MAX_INNER: usize = 64;

/// Counters by a small label (a status code, a grant type), scanned linearly.
#[derive(Default)]
struct Counts<L> {
    by: RwLock<Vec<(L, AtomicU64)>>,
}

impl<L: Copy + PartialEq + Ord> Counts<L> {
    fn add(&self, label: L) {
        if let Ok(list) = self.by.read()
            && let Some((_, c)) = list.iter().find(|(l, _)| *l == label)
        {
            c.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if let Ok(mut list) = self.by.write() {
            match list.iter().find(|(l, _)| *l == label) {
                Some((_, c)) => {
                    c.fetch_add(1, Ordering::Relaxed);
                }
                None if list.len() < MAX_INNER => list.push((label, AtomicU64::new(1))),
                None => {}
            }
        }
    }

    fn sorted(&self) -> Vec<(L, u64)> {
        let mut rows: Vec<(L, u64)> = self
            .by
            .read()
            .map(|list| {
                list.iter()
                    .map(|(l, c)| (*l, c.load(Ordering::Relaxed)))
                    .collect()
            })
            .unwrap_or_default();
        rows.sort_by_key(|row| row.0);
        rows
    }
}

/// What one route pattern served.
#[derive(Default)]
struct Route {
    statuses: Counts<u16>,
    latency: Histogram,
}

/// A family of series keyed by one label value; looked up by reference, so counting allocates
/// only the first time a label value is seen.
#[derive(Default)]
struct Family<V> {
    series: RwLock<HashMap<String, V>>,
}

impl<V: Default> Family<V> {
    fn with(&self, key: &str, f: impl FnOnce(&V)) {
        if let Ok(map) = self.series.read()
            && let Some(v) = map.get(key)
        {
            f(v);
            return;
        }
        if let Ok(mut map) = self.series.write()
            && (map.len() < MAX_SERIES || map.contains_key(key))
        {
            f(map.entry(key.to_owned()).or_default());
        }
    }

    fn sorted<T>(&self, f: impl Fn(&V) -> T) -> Vec<(String, T)> {
        let mut rows: Vec<(String, T)> = self
            .series
            .read()
            .map(|map| map.iter().map(|(k, v)| (k.clone(), f(v))).collect())
            .unwrap_or_default();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    }
}

/// The registry.
#[derive(Default)]
pub struct Metrics {
    routes: Family<Route>,
    /// Tokens by realm id, then grant type.
    tokens: Family<Counts<&'static str>>,
    failed_logins: AtomicU64,
    refresh_reuse: AtomicU64,
    rate_limited_address: AtomicU64,
    rate_limited_client: AtomicU64,
    blocking_in_flight: AtomicI64,
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

impl Metrics {
    /// Counts a served request.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        self.routes.with(route, |r| {
            r.statuses.add(status);
            r.latency.observe(elapsed);
        });
    }

    /// Counts a token issued by `grant` in realm `realm` (its id).
    pub fn token_issued(&self, grant: &'static str, realm: &str) {
        self.tokens.with(realm, |grants| grants.add(grant));
    }

    /// Counts a failed login (password grant or login page).
    pub fn failed_login(&self) {
        self.failed_logins.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request refused by a rate limit (`per_client`: the client's, else the address's).
    pub fn rate_limited(&self, per_client: bool) {
        let counter = if per_client {
            &self.rate_limited_client
        } else {
            &self.rate_limited_address
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a detected refresh token reuse.
    pub fn refresh_reuse(&self) {
        self.refresh_reuse.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks blocking-pool work started (`+1`) or finished (`-1`).
    pub fn blocking(&self, delta: i64) {
        self.blocking_in_flight.fetch_add(delta, Ordering::Relaxed);
    }

    /// The text exposition (format 0.0.4), with the database pool's `(connections, idle)` and the
    /// audit events dropped so far.
    pub fn render(&self, pool: Option<(u32, u32)>, audit_dropped: u64) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP portcullis_build_info Build information.");
        let _ = writeln!(out, "# TYPE portcullis_build_info gauge");
        let _ = writeln!(
            out,
            "portcullis_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            out,
            "# HELP portcullis_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE portcullis_http_requests_total counter");
        let routes = self.routes.sorted(|r| {
            let h = &r.latency;
            (
                r.statuses.sorted(),
                h.buckets.each_ref().map(|b| b.load(Ordering::Relaxed)),
                h.count.load(Ordering::Relaxed),
                h.sum_micros.load(Ordering::Relaxed),
            )
        });
        for (route, (statuses, _, _, _)) in &routes {
            for (status, count) in statuses {
                let _ = writeln!(
                    out,
                    "portcullis_http_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP portcullis_http_request_duration_seconds Request latency by route."
        );
        let _ = writeln!(
            out,
            "# TYPE portcullis_http_request_duration_seconds histogram"
        );
        for (route, (_, buckets, count, sum_micros)) in &routes {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(buckets) {
                let _ = writeln!(
                    out,
                    "portcullis_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "portcullis_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "portcullis_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                *sum_micros as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "portcullis_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP portcullis_tokens_issued_total Access tokens issued by grant and realm."
        );
        let _ = writeln!(out, "# TYPE portcullis_tokens_issued_total counter");
        for (realm, grants) in self.tokens.sorted(Counts::sorted) {
            for (grant, count) in grants {
                let _ = writeln!(
                    out,
                    "portcullis_tokens_issued_total{{grant_type=\"{grant}\",realm_id=\"{}\"}} {count}",
                    escape(&realm)
                );
            }
        }
        let counters = [
            (
                "portcullis_logins_failed_total",
                "Failed password logins.",
                self.failed_logins.load(Ordering::Relaxed),
            ),
            (
                "portcullis_refresh_reuse_detected_total",
                "Refresh tokens presented again (families revoked).",
                self.refresh_reuse.load(Ordering::Relaxed),
            ),
            (
                "portcullis_audit_events_dropped_total",
                "Audit events dropped because the queue was full.",
                audit_dropped,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP portcullis_rate_limited_total Requests answered 429 by a rate limit, by limit.\n\
             # TYPE portcullis_rate_limited_total counter\n\
             portcullis_rate_limited_total{{limit=\"address\"}} {}\n\
             portcullis_rate_limited_total{{limit=\"client\"}} {}",
            self.rate_limited_address.load(Ordering::Relaxed),
            self.rate_limited_client.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP portcullis_blocking_tasks_in_flight Work queued or running on the blocking pool.\n\
             # TYPE portcullis_blocking_tasks_in_flight gauge\n\
             portcullis_blocking_tasks_in_flight {}",
            self.blocking_in_flight.load(Ordering::Relaxed)
        );
        if let Some((connections, idle)) = pool {
            let _ = writeln!(
                out,
                "# HELP portcullis_db_pool_connections Database pool connections by state.\n\
                 # TYPE portcullis_db_pool_connections gauge\n\
                 portcullis_db_pool_connections{{state=\"idle\"}} {idle}\n\
                 portcullis_db_pool_connections{{state=\"in_use\"}} {}",
                connections.saturating_sub(idle)
            );
        }
        out
    }
}

/// Escapes a label value.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_counts_and_buckets() {
        let m = Metrics::default();
        m.request("/token", 200, Duration::from_millis(3));
        m.request("/token", 200, Duration::from_millis(30));
        m.request("/token", 400, Duration::from_micros(500));
        m.token_issued("password", "r1");
        m.failed_login();
        m.rate_limited(false);
        let text = m.render(Some((8, 6)), 2);
        for line in [
            "portcullis_http_requests_total{route=\"/token\",status=\"200\"} 2",
            "portcullis_http_requests_total{route=\"/token\",status=\"400\"} 1",
            "portcullis_http_request_duration_seconds_bucket{route=\"/token\",le=\"0.001\"} 1",
            "portcullis_http_request_duration_seconds_bucket{route=\"/token\",le=\"0.005\"} 2",
            "portcullis_http_request_duration_seconds_bucket{route=\"/token\",le=\"+Inf\"} 3",
            "portcullis_http_request_duration_seconds_count{route=\"/token\"} 3",
            "portcullis_tokens_issued_total{grant_type=\"password\",realm_id=\"r1\"} 1",
            "portcullis_logins_failed_total 1",
            "portcullis_rate_limited_total{limit=\"address\"} 1",
            "portcullis_rate_limited_total{limit=\"client\"} 0",
            "portcullis_audit_events_dropped_total 2",
            "portcullis_db_pool_connections{state=\"in_use\"} 2",
            "portcullis_build_info{version=",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn label_sets_are_bounded() {
        let m = Metrics::default();
        for i in 0..(MAX_SERIES + 50) {
            m.request(&format!("/r{i}"), 200, Duration::ZERO);
        }
        assert_eq!(m.routes.series.read().unwrap().len(), MAX_SERIES);
        for status in 100..400 {
            m.request("/r0", status, Duration::ZERO);
        }
        assert_eq!(
            m.routes.sorted(|r| r.statuses.sorted().len())[0].1,
            MAX_INNER
        );
    }
}
