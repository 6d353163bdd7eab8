//! A tiny HTTP/1.1 server on 127.0.0.1 for the client tests.
//!
//! It binds port 0 (the OS picks a free port), answers each connection on its own thread with
//! whatever the test's handler returns, and records every request so tests can count them and
//! check their parameters. One request per connection (`Connection: close`) keeps it simple;
//! the clients under test are the real ones, talking real HTTP.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The recorded real answers.
pub const FT_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/samhsa_findtreatment_api/");
pub const NPPES_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/nppes_npi_registry/");

/// Reads a recorded file.
pub fn recorded(dir: &str, name: &str) -> String {
    std::fs::read_to_string(format!("{dir}{name}")).unwrap_or_else(|e| panic!("{dir}{name}: {e}"))
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The path, without query string.
    pub path: String,
    /// The decoded query parameters, in order.
    pub params: Vec<(String, String)>,
    /// Request headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// How many requests with exactly this path and query arrived so far, this one included.
    pub attempt: usize,
}

impl Seen {
    /// The value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// What to answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response.
    Http { status: u16, headers: Vec<(String, String)>, body: String },
    /// Read the request and never answer (until the server stops).
    Hang,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: impl Into<String>) -> Reply {
        Reply::status(200, body)
    }

    /// Any status with a body.
    pub fn status(status: u16, body: impl Into<String>) -> Reply {
        Reply::Http { status, headers: Vec::new(), body: body.into() }
    }

    /// Adds a header.
    pub fn header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Http { status, mut headers, body } => {
                headers.push((name.to_owned(), value.to_owned()));
                Reply::Http { status, headers, body }
            }
            Reply::Hang => Reply::Hang,
        }
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server answering with `handler`.
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let (log, stop) = (log.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (log, stop, handler) = (log.clone(), stop.clone(), handler.clone());
                    std::thread::spawn(move || serve(stream, &log, &stop, &*handler));
                }
            })
        };
        Server { addr, log, stop, thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>, stop: &AtomicBool, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return; // the wake-up connection of Drop, or a client that gave up
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let url = reqwest::Url::parse(&format!("http://localhost{target}")).expect("request target");
    let params: Vec<(String, String)> =
        url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let seen = {
        let mut log = log.lock().expect("log");
        let attempt = 1 + log.iter().filter(|s| s.path == url.path() && s.params == params).count();
        let seen = Seen { path: url.path().to_owned(), params, headers, attempt };
        log.push(seen.clone());
        seen
    };
    let mut stream = stream;
    match handler(&seen) {
        Reply::Hang => {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Reply::Http { status, headers, body } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                reason(status),
                if body.trim_start().starts_with('<') { "text/html" } else { "application/json" },
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
            let _ = stream.flush();
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
