//! A small HTTP/1.1 load generator: keep-alive connections, one thread each, latency per request.
//!
//! It speaks just enough HTTP for this server (requests with `Content-Length`, responses with
//! `Content-Length`), so it costs little CPU next to the server on a two-core machine.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// One HTTP request.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn get(path: &str) -> Self {
        Self {
            method: "GET",
            path: path.to_owned(),
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub fn form(path: &str, body: String) -> Self {
        Self {
            method: "POST",
            path: path.to_owned(),
            headers: vec![(
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body,
        }
    }

    fn bytes(&self, host: &str) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\nHost: {host}\r\n", self.method, self.path);
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        out.push_str(&self.body);
        out.into_bytes()
    }
}

/// What a connection sends.
#[derive(Clone, Debug)]
pub enum Plan {
    /// The same request every time, expecting `status`.
    Fixed { request: Request, status: u16 },
    /// Refresh-token rotation: each connection starts from its own refresh token and sends the one
    /// it got back each time.
    Refresh { path: String, tokens: Vec<String> },
}

/// A set of connections running one plan.
pub struct Group {
    pub plan: Plan,
    pub connections: usize,
    /// Pause between requests (a latency probe), or none (as fast as answers come).
    pub pace: Option<Duration>,
}

/// What a group measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub count: u64,
    pub errors: u64,
    pub latencies_us: Vec<u32>,
    pub elapsed_s: f64,
    pub first_error: Option<String>,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        if self.elapsed_s > 0.0 {
            self.count as f64 / self.elapsed_s
        } else {
            0.0
        }
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

struct Conn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    fn exchange(&mut self, raw: &[u8]) -> Result<(u16, Vec<u8>), String> {
        for attempt in 0..2 {
            if self.stream.is_none() {
                let s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))
                    .map_err(|e| e.to_string())?;
                s.set_nodelay(true).map_err(|e| e.to_string())?;
                s.set_read_timeout(Some(Duration::from_secs(30)))
                    .map_err(|e| e.to_string())?;
                self.stream = Some(s);
            }
            match self.try_exchange(raw) {
                Ok(r) => return Ok(r),
                Err(e) if attempt == 1 => return Err(e),
                Err(_) => self.stream = None,
            }
        }
        Err("unreachable".into())
    }

    fn try_exchange(&mut self, raw: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let stream = self.stream.as_mut().ok_or("no stream")?;
        stream.write_all(raw).map_err(|e| e.to_string())?;
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        let header_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buf[..header_end]).into_owned();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("bad status line")?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while self.buf.len() < header_end + length {
            let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed mid-body".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        if head.to_ascii_lowercase().contains("connection: close") {
            self.stream = None;
        }
        Ok((status, self.buf[header_end..header_end + length].to_vec()))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The value of a JSON string field, found by text search (the harness has no JSON parser need).
pub fn json_field(body: &[u8], field: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let key = format!("\"{field}\":\"");
    let start = text.find(&key)? + key.len();
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}

/// One request, outside of any measurement (setup).
pub fn once(addr: SocketAddr, request: &Request) -> Result<(u16, Vec<u8>), String> {
    let mut conn = Conn {
        addr,
        stream: None,
        buf: Vec::new(),
    };
    conn.exchange(&request.bytes(&addr.to_string()))
}

/// Runs every group at once for `duration`; answers one outcome per group.
pub fn run(addr: SocketAddr, groups: Vec<Group>, duration: Duration) -> Vec<Outcome> {
    let stop = Arc::new(AtomicBool::new(false));
    let host = addr.to_string();
    let mut handles = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        for c in 0..group.connections {
            let plan = group.plan.clone();
            let stop = stop.clone();
            let host = host.clone();
            let pace = group.pace;
            handles.push((
                g,
                std::thread::spawn(move || connection(addr, &host, plan, c, pace, &stop)),
            ));
        }
    }
    let started = Instant::now();
    std::thread::sleep(duration);
    stop.store(true, Ordering::SeqCst);
    let mut outcomes: Vec<Outcome> = groups.iter().map(|_| Outcome::default()).collect();
    for (g, handle) in handles {
        if let Ok(part) = handle.join() {
            let o = &mut outcomes[g];
            o.count += part.count;
            o.errors += part.errors;
            o.latencies_us.extend(part.latencies_us);
            if o.first_error.is_none() {
                o.first_error = part.first_error;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    for o in &mut outcomes {
        o.elapsed_s = elapsed;
        o.latencies_us.sort_unstable();
    }
    outcomes
}

fn connection(
    addr: SocketAddr,
    host: &str,
    plan: Plan,
    index: usize,
    pace: Option<Duration>,
    stop: &AtomicBool,
) -> Outcome {
    let mut conn = Conn {
        addr,
        stream: None,
        buf: Vec::with_capacity(16 * 1024),
    };
    let mut out = Outcome::default();
    let record_error = |out: &mut Outcome, why: String| {
        out.errors += 1;
        if out.first_error.is_none() {
            out.first_error = Some(why);
        }
    };
    match plan {
        Plan::Fixed { request, status } => {
            let raw = request.bytes(host);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let result = conn.exchange(&raw);
                let us = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                out.count += 1;
                out.latencies_us.push(us);
                match result {
                    Ok((s, _)) if s == status => {}
                    Ok((s, body)) => record_error(
                        &mut out,
                        format!("status {s}: {}", String::from_utf8_lossy(&body)),
                    ),
                    Err(e) => record_error(&mut out, e),
                }
                if let Some(pause) = pace {
                    std::thread::sleep(pause);
                }
            }
        }
        Plan::Refresh { path, tokens } => {
            let Some(mut token) = tokens.get(index).cloned() else {
                record_error(&mut out, "no refresh token for this connection".into());
                return out;
            };
            while !stop.load(Ordering::Relaxed) {
                let raw = Request::form(
                    &path,
                    format!("grant_type=refresh_token&refresh_token={token}"),
                )
                .bytes(host);
                let t = Instant::now();
                let result = conn.exchange(&raw);
                out.count += 1;
                out.latencies_us
                    .push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                match result {
                    Ok((200, body)) => match json_field(&body, "refresh_token") {
                        Some(next) => token = next,
                        None => {
                            record_error(&mut out, "no refresh_token in the response".into());
                            return out;
                        }
                    },
                    Ok((s, body)) => {
                        record_error(
                            &mut out,
                            format!("status {s}: {}", String::from_utf8_lossy(&body)),
                        );
                        return out;
                    }
                    Err(e) => {
                        record_error(&mut out, e);
                        return out;
                    }
                }
            }
        }
    }
    out
}
