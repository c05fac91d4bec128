//! [`TlsServer`]: an HTTPS target with a self-signed certificate made at test time, speaking
//! HTTP/2 or HTTP/1.1 as ALPN decides, and recording which one each request used.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::State;
use axum::http::Version;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::server::{Counters, TestServer};

/// Why a [`TlsServer`] could not start.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// An HTTPS target on `https://127.0.0.1:<port>` answering `200 ok` to everything.
///
/// The certificate is self-signed for `localhost` and `127.0.0.1`, so a client must either
/// trust [`TlsServer::certificate_der`] or skip verification. Counters: connections accepted,
/// failed handshakes, requests answered, and requests per HTTP version.
#[derive(Debug)]
pub struct TlsServer {
    server: TestServer,
    certificate: CertificateDer<'static>,
}

async fn answer(State(counters): State<Arc<Counters>>, version: Version) -> &'static str {
    counters.add_version(version);
    counters.add_request();
    "ok"
}

impl TlsServer {
    /// Generates a certificate, binds `127.0.0.1:0` and starts serving.
    pub async fn start() -> Result<Self, StartError> {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])?;
        let certificate = cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![certificate.clone()], key)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&counters));
        let (stop, mut stopped) = oneshot::channel::<()>();
        let shared = Arc::clone(&counters);
        let task = tokio::spawn(async move {
            // Dropping the set (when this loop ends or is aborted) ends every connection.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((tcp, _)) = accepted else { continue };
                        shared.add_connection();
                        let acceptor = acceptor.clone();
                        let counters = Arc::clone(&shared);
                        let service = TowerToHyperService::new(app.clone());
                        connections.spawn(async move {
                            let tls = match acceptor.accept(tcp).await {
                                Ok(tls) => tls,
                                Err(_) => {
                                    counters.add_tls_failure();
                                    return;
                                }
                            };
                            // A connection error (client went away) is not the target's concern.
                            let _ = auto::Builder::new(TokioExecutor::new())
                                .serve_connection(TokioIo::new(tls), service)
                                .await;
                        });
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok(Self {
            server: TestServer::new("https", addr, counters, stop, task),
            certificate,
        })
    }

    /// The self-signed certificate, DER-encoded.
    pub fn certificate_der(&self) -> &CertificateDer<'static> {
        &self.certificate
    }

    /// Stops accepting and ends every connection.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

impl Deref for TlsServer {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        &self.server
    }
}
