//! What the CLI's tests against a dev server share: the server in this
//! process on a free loopback port (stopped and started again on the same
//! data folder), and running the `loyalty` binary on a data folder.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::Duration;

use loyalty_devserver::{App, Config, serve};

/// A dev server running in this process.
pub struct Running {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub addr: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Starts a server on `dir` with the rules `program`.
    pub fn start(dir: &std::path::Path, program: &str) -> Self {
        let app = App::open(Config {
            data_dir: dir.to_path_buf(),
            program_json: program.into(),
            fault_rate: 0.0,
            fault_seed: 1,
        })
        .unwrap();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx
                    .send(listener.local_addr().unwrap().to_string())
                    .unwrap();
                serve(listener, app, async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Self {
            addr: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops the server and waits for it.
    pub fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap();
    }
}

/// `loyalty --data-dir DIR ARGS…`.
pub fn loyalty(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loyalty"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// The standard output of a run that must succeed (both streams shown if not).
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}
