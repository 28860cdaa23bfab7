//! The accept loop: each connection served by hyper's HTTP/1 server with a
//! header-read timeout (which `axum::serve` does not set), and a graceful
//! stop that tells every connection to finish and waits for them.

use std::sync::Arc;

use axum::serve::Listener;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::App;

/// Serves until `shutdown` resolves, then stops accepting, lets each open
/// connection finish the request it is in, and returns once all are closed.
/// Accept errors such as running out of file handles are retried after a
/// pause, as `axum::serve` does, rather than stopping the server, so the
/// answer is always `Ok` (an `io::Result` still, as it was with `axum::serve`).
pub async fn serve(
    mut listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_read_timeout = app.limits.header_read_timeout;
    let service = crate::router(app);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (io, _peer) = tokio::select! {
            accepted = Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(service.clone());
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let mut builder = http1::Builder::new();
            // The timeout needs a timer; the head's deadline starts when the
            // connection waits for a request, so an idle kept-alive
            // connection is closed after it too.
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let connection = builder.serve_connection(TokioIo::new(io), service);
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended");
                    }
                    return;
                }
                // Stopping (or the server gone): finish the request under way.
                _ = stop.wait_for(|stopping| *stopping) => {}
            }
            connection.as_mut().graceful_shutdown();
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended while stopping");
            }
        });
        // Forget connections that are over (their results carry nothing).
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    // No receiver may be left to hear it only if every connection is over.
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}
