//! Talks to a real server on `127.0.0.1:0` with a minimal HTTP/1.1 client, so the routing,
//! the counting middleware and hyper's handling of bodies are all exercised together.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;
use shared::demo::DemoStats;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

const DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then_some(value.trim())
        })
    }
}

async fn send(addr: SocketAddr, method: &str, path: &str, body: &str) -> Reply {
    send_bytes(addr, method, path, body.as_bytes()).await
}

async fn send_bytes(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Reply {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("write head");
        stream.write_all(body).await.expect("write body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read reply");
        raw
    };
    let raw = tokio::time::timeout(DEADLINE, exchange)
        .await
        .expect("request timed out");
    let raw = String::from_utf8(raw).expect("reply is UTF-8");
    let (head, body) = raw.split_once("\r\n\r\n").expect("reply has a head");
    assert!(
        !head.to_ascii_lowercase().contains("transfer-encoding"),
        "this client cannot read chunked bodies: {head}"
    );
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status line");
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// Reads one response (a head, then a `Content-Length` body) from a connection that stays
/// open, within the deadline.
async fn read_reply(stream: &mut TcpStream) -> Reply {
    let exchange = async {
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            let n = stream.read(&mut buf).await.expect("read reply");
            assert!(n > 0, "connection closed before a reply head: {raw:?}");
            raw.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8(raw[..head_end].to_vec()).expect("head is UTF-8");
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .expect("a Content-Length");
        let mut body = raw[head_end + 4..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut buf).await.expect("read body");
            assert!(n > 0, "connection closed mid-body");
            body.extend_from_slice(&buf[..n]);
        }
        (head, body)
    };
    let (head, body) = tokio::time::timeout(DEADLINE, exchange)
        .await
        .expect("no reply in time");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status line");
    Reply {
        status,
        head,
        body: String::from_utf8(body).expect("body is UTF-8"),
    }
}

/// Sends only the head of a request that announces a `length`-byte body.
async fn send_head(addr: SocketAddr, method: &str, path: &str, length: u64) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: demo\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream
}

async fn start(config: DemoConfig) -> DemoServer {
    DemoServer::start(config).await.expect("start demo target")
}

/// A target with one slot and no queue, and a request (`GET path`) holding that slot for
/// `latency`: every other request is shed until it ends. The task answers with its reply.
async fn only_slot_taken(
    latency: Duration,
    path: &'static str,
) -> (DemoServer, tokio::task::JoinHandle<Reply>) {
    let server = start(DemoConfig {
        capacity: 1,
        queue: 0,
        latency,
        ..DemoConfig::instant()
    })
    .await;
    let addr = server.addr();
    let holder = tokio::spawn(async move { send(addr, "GET", path, "").await });
    wait_for(&server, "a request to hold the only slot", |s| {
        s.in_flight == 1
    })
    .await;
    (server, holder)
}

/// Polls the in-process counters (no network, no sleeping) until `ready` holds.
async fn wait_for(server: &DemoServer, what: &str, ready: impl Fn(&DemoStats) -> bool) {
    let waited = tokio::time::timeout(DEADLINE, async {
        while !ready(&server.stats()) {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(waited.is_ok(), "timed out waiting for {what}");
}

#[tokio::test]
async fn every_endpoint_answers_with_the_expected_status() {
    let server = start(DemoConfig::instant()).await;
    let addr = server.addr();
    let gql = r#"{"query":"query P($id: ID!) { product(id: $id) { name } }","variables":{"id":7}}"#;
    let cases: &[(&str, &str, &str, u16)] = &[
        ("GET", "/", "", 200),
        ("GET", "/products", "", 200),
        ("GET", "/cart", "", 200),
        ("POST", "/cart", r#"{"product_id": 3, "quantity": 2}"#, 200),
        ("POST", "/cart", r#"{"product_id": "4"}"#, 200),
        ("POST", "/cart", r#"{"quantity": 2}"#, 400),
        ("POST", "/cart", "not json", 400),
        ("POST", "/checkout", r#"{"payment":"card"}"#, 200),
        ("POST", "/checkout", "", 200),
        ("POST", "/checkout", "{oops", 400),
        ("POST", "/graphql", gql, 200),
        (
            "POST",
            "/graphql",
            r#"{"query":"{ products { id } }"}"#,
            200,
        ),
        ("POST", "/graphql", "{not json", 400),
        ("POST", "/graphql", r#"{"variables":{}}"#, 400),
        ("GET", "/graphql", "", 405),
        ("DELETE", "/cart", "", 405),
        ("GET", "/health", "", 200),
        ("GET", "/__stampede/stats", "", 200),
        ("POST", "/__stampede/reset", "", 204),
        ("GET", "/nope", "", 404),
        ("GET", "/api/products/", "", 404),
    ];
    for &(method, path, body, status) in cases {
        let reply = send(addr, method, path, body).await;
        assert_eq!(
            reply.status, status,
            "{method} {path} {body:?} -> {reply:?}"
        );
    }

    for collection in ["/api/products", "/api/users", "/api/orders"] {
        let item = format!("{collection}/42");
        let bad = format!("{collection}/abc");
        let cases: &[(&str, &str, &str, u16)] = &[
            ("GET", collection, "", 200),
            ("POST", collection, r#"{"name":"x"}"#, 201),
            ("GET", &item, "", 200),
            ("PUT", &item, r#"{"name":"y"}"#, 200),
            ("PATCH", &item, r#"{"name":"z"}"#, 200),
            ("DELETE", &item, "", 204),
            ("GET", &bad, "", 400),
            ("PUT", &bad, "{}", 400),
            ("DELETE", &bad, "", 400),
        ];
        for &(method, path, body, status) in cases {
            let reply = send(addr, method, path, body).await;
            assert_eq!(reply.status, status, "{method} {path} -> {reply:?}");
            if status >= 400 {
                assert!(
                    reply.json()["error"].is_string(),
                    "{method} {path}: {reply:?}"
                );
            }
        }
    }
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn bodies_look_like_a_small_shop() {
    let server = start(DemoConfig::instant()).await;
    let addr = server.addr();

    let home = send(addr, "GET", "/", "").await;
    assert!(
        home.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(home.body.contains("<h1>"));

    let list = send(addr, "GET", "/api/products?limit=5&offset=10", "")
        .await
        .json();
    let ids: Vec<u64> = list
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect();
    assert_eq!(ids, [11, 12, 13, 14, 15]);
    assert_eq!(
        send(addr, "GET", "/api/users?limit=x", "").await.status,
        400
    );

    let item = send(addr, "GET", "/api/orders/18446744073709551615", "").await;
    assert_eq!(item.json()["id"].as_u64(), Some(u64::MAX));

    let created = send(addr, "POST", "/api/users", r#"{"name":"n"}"#).await;
    let id = created.json()["id"].as_u64().expect("numeric id");
    assert_eq!(
        created.header("location"),
        Some(format!("/api/users/{id}").as_str())
    );

    send(addr, "POST", "/cart", r#"{"product_id": 5, "quantity": 3}"#).await;
    let cart = send(addr, "GET", "/cart", "").await.json();
    assert!(
        cart["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
    );
    let order = send(addr, "POST", "/checkout", "{}").await.json();
    assert!(order["order_id"].is_u64(), "{order}");
    assert_eq!(order["status"], "confirmed");

    let gql = r#"{"query":"query { product(id: 7) { name } }","variables":{"id":"7"}}"#;
    let data = send(addr, "POST", "/graphql", gql).await.json();
    assert_eq!(data["data"]["product"]["id"], 7);
    let error = send(addr, "POST", "/graphql", r#"{"query": 3}"#).await;
    assert_eq!(error.status, 400);
    assert!(error.json()["errors"][0]["message"].is_string());

    assert_eq!(
        send(addr, "GET", "/health", "").await.json()["status"],
        "ok"
    );
}

#[tokio::test]
async fn large_bodies_are_accepted() {
    let server = start(DemoConfig::instant()).await;
    for size in [1_000, 100_000, 1 << 20, 3 << 20] {
        let mut body = vec![b' '; size];
        body[0] = b'{';
        body[size - 1] = b'}';
        let reply = send_bytes(server.addr(), "POST", "/api/products", &body).await;
        assert_eq!(reply.status, 201, "{size} bytes");
        assert_eq!(reply.json()["received_bytes"].as_u64(), Some(size as u64));
    }
}

#[tokio::test]
async fn counts_every_request_exactly_once() {
    let server = start(DemoConfig::instant()).await;
    let addr = server.addr();
    let mix: [(&str, &str, &str); 10] = [
        ("GET", "/", ""),
        ("GET", "/api/products", ""),
        ("GET", "/api/products/7", ""),
        ("GET", "/api/products/x", ""),
        ("POST", "/api/orders", "{}"),
        ("DELETE", "/api/users/3", ""),
        ("POST", "/graphql", "nope"),
        ("GET", "/missing", ""),
        ("PUT", "/checkout", ""),
        ("POST", "/cart", r#"{"product_id":1}"#),
    ];
    for round in 0..5 {
        for &(method, path, body) in &mix {
            send(addr, method, path, body).await;
        }
        // Housekeeping requests in between must not move the counters.
        send(addr, "GET", "/health", "").await;
        let over_http: DemoStats =
            serde_json::from_str(&send(addr, "GET", "/__stampede/stats", "").await.body)
                .expect("stats decode as DemoStats");
        assert_eq!(over_http.requests_total, (round + 1) * 10);
    }

    let stats = server.stats();
    assert_eq!(stats.requests_total, 50);
    assert_eq!(stats.by_route.values().sum::<u64>(), 50);
    assert_eq!(stats.by_route["GET /api/products/{id}"], 10);
    assert_eq!(stats.by_route["GET (unmatched)"], 5);
    assert_eq!(stats.by_route["PUT /checkout"], 5);
    assert_eq!(stats.by_route["POST /graphql"], 5);
    assert_eq!(stats.by_route.len(), 9);
    assert_eq!(
        (stats.in_flight, stats.queued, stats.rejected_total),
        (0, 0, 0)
    );
    assert_eq!(stats.errors_injected_total, 0);

    assert_eq!(
        send(addr, "POST", "/__stampede/reset", "").await.status,
        204
    );
    assert_eq!(server.stats(), DemoStats::default());
    send(addr, "GET", "/", "").await;
    assert_eq!(server.stats().requests_total, 1);
    server.handle().reset();
    assert_eq!(server.stats().requests_total, 0);
}

#[tokio::test]
async fn error_rate_one_fails_every_counted_request() {
    let server = start(DemoConfig {
        error_rate: 1.0,
        ..DemoConfig::instant()
    })
    .await;
    let addr = server.addr();
    for (method, path, body) in [
        ("GET", "/", ""),
        ("GET", "/api/users/1", ""),
        ("POST", "/api/products", "{\"big\": true}"),
        ("GET", "/nowhere", ""),
    ] {
        let reply = send(addr, method, path, body).await;
        assert_eq!(reply.status, 500, "{method} {path}");
        assert_eq!(reply.json()["error"], "injected failure");
    }
    assert_eq!(send(addr, "GET", "/health", "").await.status, 200);
    let stats = server.stats();
    assert_eq!((stats.requests_total, stats.errors_injected_total), (4, 4));
}

#[tokio::test]
async fn error_rate_zero_never_fails_and_a_seed_makes_failures_repeatable() {
    let server = start(DemoConfig::instant()).await;
    for _ in 0..20 {
        assert_eq!(
            send(server.addr(), "GET", "/api/orders/1", "").await.status,
            200
        );
    }
    assert_eq!(server.stats().errors_injected_total, 0);

    let config = DemoConfig {
        error_rate: 0.5,
        seed: Some(7),
        ..DemoConfig::instant()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let server = start(config.clone()).await;
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(send(server.addr(), "GET", "/", "").await.status);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&500) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
}

#[tokio::test]
async fn a_full_queue_sheds_load_with_503() {
    let (server, first) = only_slot_taken(Duration::from_millis(400), "/api/products/1").await;
    let addr = server.addr();

    let (second, third) = tokio::join!(
        send(addr, "GET", "/api/products/2", ""),
        send(addr, "POST", "/api/products", "{\"name\":\"x\"}"),
    );
    assert!(
        !first.is_finished(),
        "rejections should not wait for the slot"
    );
    for reply in [&second, &third] {
        assert_eq!(reply.status, 503, "{reply:?}");
        assert_eq!(reply.header("retry-after"), Some("1"));
    }
    assert_eq!(first.await.expect("first request task").status, 200);

    let stats = server.stats();
    assert_eq!(stats.requests_total, 3);
    assert_eq!(stats.rejected_total, 2);
    assert_eq!((stats.in_flight, stats.queued), (0, 0));
}

#[tokio::test]
async fn queued_requests_wait_for_a_slot() {
    let server = start(DemoConfig {
        capacity: 1,
        queue: 1,
        latency: Duration::from_millis(150),
        ..DemoConfig::instant()
    })
    .await;
    let addr = server.addr();

    let first = tokio::spawn(async move { send(addr, "GET", "/", "").await });
    wait_for(&server, "a request in flight", |s| s.in_flight == 1).await;
    let second = tokio::spawn(async move { send(addr, "GET", "/", "").await });
    wait_for(&server, "a request in the queue", |s| s.queued == 1).await;

    assert_eq!(send(addr, "GET", "/", "").await.status, 503);
    assert_eq!(first.await.expect("first").status, 200);
    assert_eq!(second.await.expect("second").status, 200);
    let stats = server.stats();
    assert_eq!((stats.requests_total, stats.rejected_total), (3, 1));
}

#[tokio::test]
async fn throughput_is_capped_by_capacity_over_latency() {
    let latency = Duration::from_millis(50);
    let server = start(DemoConfig {
        capacity: 2,
        queue: 100,
        latency,
        ..DemoConfig::instant()
    })
    .await;
    let addr = server.addr();
    let started = Instant::now();
    let requests: Vec<_> = (0..10)
        .map(|_| tokio::spawn(async move { send(addr, "GET", "/api/users/1", "").await }))
        .collect();
    for request in requests {
        assert_eq!(request.await.expect("request task").status, 200);
    }
    // Ten requests through two slots need at least five back-to-back service times.
    assert!(started.elapsed() >= latency * 5, "{:?}", started.elapsed());
}

/// A body announced over the 16 MiB limit is refused from its `Content-Length` before
/// anything else: not failed by error injection, not shed, not read (only its head is sent).
#[tokio::test]
async fn a_body_over_the_limit_gets_413_from_its_content_length_first() {
    let too_large = model::BODY_LIMIT as u64 + 1;

    // Every request would fail by injection.
    let failing = start(DemoConfig {
        error_rate: 1.0,
        ..DemoConfig::instant()
    })
    .await;
    let mut stream = send_head(failing.addr(), "POST", "/api/products", too_large).await;
    let reply = read_reply(&mut stream).await;
    assert_eq!(reply.status, 413, "{reply:?}");
    assert_eq!(reply.header("connection"), Some("close"), "{reply:?}");
    assert!(reply.json()["error"].is_string(), "{reply:?}");
    let stats = failing.stats();
    assert_eq!((stats.requests_total, stats.errors_injected_total), (1, 0));

    // The only slot is busy and nothing may queue.
    let (full, holder) = only_slot_taken(Duration::from_secs(60), "/").await;
    let addr = full.addr();
    let mut stream = send_head(addr, "PUT", "/api/users/3", too_large).await;
    assert_eq!(read_reply(&mut stream).await.status, 413);
    let stats = full.stats();
    assert_eq!((stats.requests_total, stats.rejected_total), (2, 0));
    assert_eq!(stats.by_route["PUT /api/users/{id}"], 1);
    holder.abort();
}

/// A request shed for lack of capacity is answered at once, before its body has arrived;
/// the body sent afterwards is read and dropped, and the connection goes on.
#[tokio::test]
async fn a_shed_request_is_answered_without_waiting_for_its_body() {
    let (server, holder) = only_slot_taken(Duration::from_secs(60), "/").await;
    let addr = server.addr();

    let body = vec![b'x'; 1 << 20];
    let mut stream = send_head(addr, "POST", "/api/orders", body.len() as u64).await;
    let reply = read_reply(&mut stream).await;
    assert_eq!(reply.status, 503, "{reply:?}");
    assert_eq!(reply.header("retry-after"), Some("1"));

    // The body arrives late; the next request on the connection is answered as such.
    stream.write_all(&body).await.expect("write body");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: demo\r\n\r\n")
        .await
        .expect("write next request");
    let next = read_reply(&mut stream).await;
    assert_eq!(next.status, 200, "{next:?}");
    assert_eq!(next.json()["status"], "ok");

    let stats = server.stats();
    assert_eq!((stats.requests_total, stats.rejected_total), (2, 1));
    holder.abort();
}

/// An injected failure is answered without waiting for the body too, and keeps the
/// connection.
#[tokio::test]
async fn an_injected_failure_keeps_the_connection() {
    let server = start(DemoConfig {
        error_rate: 1.0,
        ..DemoConfig::instant()
    })
    .await;
    let body = vec![b'x'; 300_000];
    let mut stream = send_head(server.addr(), "POST", "/api/orders", body.len() as u64).await;
    let reply = read_reply(&mut stream).await;
    assert_eq!(reply.status, 500, "{reply:?}");
    stream.write_all(&body).await.expect("write body");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: demo\r\n\r\n")
        .await
        .expect("write next request");
    assert_eq!(read_reply(&mut stream).await.status, 200);
}
