//! Helpers for driving the `iop` binary.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The repository root (where `data/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command running the `iop` binary from the repository root.
pub fn iop() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iop"));
    cmd.current_dir(root()).env_remove("IOP_INDEX").env_remove("IOP_ADDR").env_remove("IOP_DATA");
    cmd
}

/// Runs `iop` with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    iop().args(args).output().expect("the iop binary runs")
}

/// This test run's directory for what is built once and shared by its tests.
///
/// Statics are never dropped, so a `TempDir` held in one would never be removed: every run
/// left its listings and index (about 30 MB) in the system temp directory. Instead they go
/// under cargo's target tmp directory, in a directory named by this process id, and each run
/// first removes the directories of runs whose process is gone (Linux: `/proc/PID`).
fn run_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-shared");
        std::fs::create_dir_all(&parent).expect("target tmp directory");
        for entry in std::fs::read_dir(&parent).expect("target tmp directory").flatten() {
            let name = entry.file_name();
            let alive = name
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|pid| Path::new("/proc").join(pid.to_string()).exists());
            if !alive {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = parent.join(std::process::id().to_string());
        std::fs::create_dir_all(&dir).expect("run directory");
        dir
    })
}

/// The shipped data ingested once per test run, as JSON Lines.
pub fn shipped_jsonl() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = run_dir().join("listings.jsonl");
        let out = run(&["ingest", "--quiet", "--out", path.to_str().expect("utf-8 path")]);
        assert!(out.status.success(), "ingest failed: {}", String::from_utf8_lossy(&out.stderr));
        path
    })
}

/// An index of the shipped data, built once per test run.
pub fn shipped_index() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = run_dir().join("index");
        let jsonl = shipped_jsonl();
        let out = run(&[
            "index",
            "--input",
            jsonl.to_str().expect("utf-8 path"),
            "--index",
            dir.to_str().expect("utf-8 path"),
        ]);
        assert!(out.status.success(), "index failed: {}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A running `iop serve`, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Server {
    /// Starts `iop serve` on a free port over `index` and waits (bounded) for `/healthz`.
    pub fn start(index: &Path) -> Server {
        let port = free_port();
        let child = iop()
            .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--index"])
            .arg(index)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("iop serve starts");
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let client = client();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send()
                && r.status().is_success()
            {
                return server;
            }
            assert!(Instant::now() < deadline, "iop serve did not answer /healthz in 120 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// GET a path (with query) and return status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let r = client().get(format!("{}{path}", self.base)).send().expect("request");
        let status = r.status().as_u16();
        (status, r.text().expect("body"))
    }

    /// GET a path and parse the JSON body.
    pub fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let (status, body) = self.get(path);
        let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        (status, json)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client with a bounded timeout.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().expect("client")
}
