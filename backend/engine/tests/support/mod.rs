//! What the engine's integration tests share: an in-process keep-alive HTTP/1.1 target, on its
//! own thread and runtime, so it keeps answering whatever the test's runtime does (every request
//! head gets a tiny answer: 500 for a path starting with `/fail`, 200 otherwise), and the
//! reading of a test's scenario.
// Not every test binary that has this module uses all of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use shared::scenario::{Format, ValidScenario, ValidationEnv, parse_scenario, validate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A test's scenario, read and validated.
pub(crate) fn valid(yaml: &str) -> ValidScenario {
    let parsed = parse_scenario(yaml, Format::Yaml).expect("scenario parses");
    validate(&parsed, &ValidationEnv::default()).expect("scenario is valid")
}

/// Starts the target; returns its address (127.0.0.1, a free port).
pub(crate) fn target() -> std::net::SocketAddr {
    target_counting().0
}

/// Starts the target; returns its address (127.0.0.1, a free port) and the count of the
/// answers it sent so far.
pub(crate) fn target_counting() -> (std::net::SocketAddr, Arc<AtomicU64>) {
    let answered = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&answered);
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let addr = listener.local_addr().expect("address");
    listener.set_nonblocking(true).expect("non-blocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("target runtime");
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("tokio listener");
            while let Ok((mut stream, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut held = 0;
                    loop {
                        let n = match stream.read(&mut buf[held..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        held += n;
                        let mut start = 0;
                        let mut out = Vec::new();
                        while let Some(end) =
                            buf[start..held].windows(4).position(|w| w == b"\r\n\r\n")
                        {
                            let fail = buf[start..].starts_with(b"GET /fail");
                            start += end + 4;
                            counter.fetch_add(1, Ordering::SeqCst);
                            out.extend_from_slice(if fail {
                                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno"
                                    as &[u8]
                            } else {
                                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                            });
                        }
                        buf.copy_within(start..held, 0);
                        held -= start;
                        if !out.is_empty() && stream.write_all(&out).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    (addr, answered)
}
