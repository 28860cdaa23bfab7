//! Shared test helpers: an in-process dev server on a loopback port and a
//! minimal HTTP/1.1 client.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use loyalty_devserver::{App, Config, LimitsConfig, serve};
use serde_json::Value;

pub struct Server {
    pub addr: SocketAddr,
    /// The server's state (for settings such as the credential lifetime).
    pub app: std::sync::Arc<App>,
    limits: LimitsConfig,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    pub fn start(program: &str, fault_rate: f64) -> Self {
        Self::start_in(
            tempfile::tempdir().unwrap(),
            program,
            fault_rate,
            "127.0.0.1:0",
            LimitsConfig::default(),
        )
    }

    /// A server with other limits than the default ones.
    pub fn start_with_limits(program: &str, limits: LimitsConfig) -> Self {
        Self::start_in(
            tempfile::tempdir().unwrap(),
            program,
            0.0,
            "127.0.0.1:0",
            limits,
        )
    }

    /// The server's data folder.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.as_ref().unwrap().path()
    }

    /// Stops the server and starts it again on the same data folder and
    /// port with other program rules (a program changing its rules).
    pub fn restart(mut self, program: &str) -> Self {
        let addr = self.addr;
        self.stop_now();
        let dir = self._dir.take().unwrap();
        let limits = self.limits.clone();
        Self::start_in(dir, program, 0.0, &addr.to_string(), limits)
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn start_in(
        dir: tempfile::TempDir,
        program: &str,
        fault_rate: f64,
        bind: &str,
        limits: LimitsConfig,
    ) -> Self {
        let bind = bind.to_string();
        let app = App::open_with_limits(
            Config {
                data_dir: dir.path().to_path_buf(),
                program_json: program.into(),
                fault_rate,
                fault_seed: 42,
            },
            limits.clone(),
        )
        .unwrap();
        let shared = app.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                serve(listener, app, async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Self {
            addr,
            app: shared,
            limits,
            stop: Some(tx),
            thread: Some(thread),
            _dir: Some(dir),
        }
    }

    /// A minimal HTTP/1.1 exchange; returns (status, body text).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, String) {
        let mut s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let status: u16 = raw.split(' ').nth(1).unwrap().parse().unwrap();
        let body = raw
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// Sends `request` as it is (headers and body) and reads the answer
    /// until the server closes; returns (status, head, body text).
    pub fn raw(&self, request: &[u8]) -> (u16, String, String) {
        let mut s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        s.write_all(request).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let status: u16 = raw.split(' ').nth(1).unwrap().parse().unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        (status, head.to_string(), body.to_string())
    }

    /// A request with the given content type and body text.
    pub fn post_as(&self, path: &str, content_type: &str, body: &str) -> (u16, String) {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let (status, _, body) = self.raw(request.as_bytes());
        (status, body)
    }

    pub fn json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let (status, text) = self.call(method, path, token, body);
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_now();
    }
}
