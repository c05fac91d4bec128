//! Serving the web UI: the Trunk build in `dist/`, embedded in the binary at compile time (a
//! release binary is one file to ship) or read from a directory (`--ui-dir`). Unknown paths
//! without a file extension get `index.html`, so the panel's own routes work on reload.
//! Text and wasm go out gzipped to clients that accept it: the panel's wasm is a third of its
//! raw size on the wire. The embedded files are compressed once and kept; a directory's files
//! are compressed per request (they change between builds).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "../dist"]
// The backend must build before the UI ever was; then the panel answers with instructions.
#[allow_missing = true]
struct Embedded;

/// Where the UI comes from.
#[derive(Debug, Clone, Default)]
pub enum Ui {
    /// Compiled into the binary.
    #[default]
    Embedded,
    /// Read from this directory at request time.
    Dir(PathBuf),
}

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Stampede</title>\
<h1>Stampede</h1><p>The control server is running, but the web UI was not built into this \
binary. Build it with <code>make run</code> (or <code>trunk build --release</code> followed by \
<code>cargo build --release</code>), or point the server at a build with <code>--ui-dir dist</code>.</p>\
<p>The REST API works: see <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p>";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

impl Ui {
    /// The file's bytes; an embedded file is not copied (a release binary holds it statically).
    fn read(&self, path: &str) -> Option<Bytes> {
        match self {
            Ui::Embedded => Embedded::get(path).map(|f| match f.data {
                Cow::Borrowed(data) => Bytes::from_static(data),
                Cow::Owned(data) => Bytes::from(data),
            }),
            Ui::Dir(dir) => {
                // Only plain relative components: no way out of the directory.
                let rel = Path::new(path);
                if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
                    return None;
                }
                std::fs::read(dir.join(rel)).ok().map(Bytes::from)
            }
        }
    }

    /// True when an index.html is there to serve.
    pub fn is_built(&self) -> bool {
        self.read("index.html").is_some()
    }

    /// Answers a GET for `uri`; `request` is the request's headers (for `Accept-Encoding`).
    pub fn serve(&self, uri: &Uri, request: &HeaderMap) -> Response {
        let gzip = accepts_gzip(request);
        let path = uri.path().trim_start_matches('/');
        if path.is_empty() {
            return self.index(gzip);
        }
        if let Some(bytes) = self.read(path) {
            return self.file(path, bytes, gzip);
        }
        let looks_like_file = path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
        if looks_like_file {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        }
        self.index(gzip)
    }

    fn index(&self, gzip: bool) -> Response {
        match self.read("index.html") {
            Some(index) => self.file("index.html", index, gzip),
            None => (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response(),
        }
    }

    /// The body to send for `path`, gzipped when that is worth it and the client accepts it.
    fn body(&self, path: &str, bytes: Bytes, gzip: bool) -> (Bytes, bool) {
        if !gzip || !compressible(path) || bytes.len() < MIN_GZIP_BYTES {
            return (bytes, false);
        }
        let packed = match self {
            Ui::Embedded => {
                static CACHE: OnceLock<Mutex<HashMap<String, Bytes>>> = OnceLock::new();
                let cache = CACHE.get_or_init(Mutex::default);
                let cached = cache.lock().ok().and_then(|c| c.get(path).cloned());
                cached.or_else(|| {
                    let packed = gzip_bytes(&bytes, flate2::Compression::best())?;
                    if let Ok(mut c) = cache.lock() {
                        c.insert(path.to_owned(), packed.clone());
                    }
                    Some(packed)
                })
            }
            Ui::Dir(_) => gzip_bytes(&bytes, flate2::Compression::fast()),
        };
        match packed {
            Some(packed) if packed.len() < bytes.len() => (packed, true),
            _ => (bytes, false),
        }
    }

    fn file(&self, path: &str, bytes: Bytes, gzip: bool) -> Response {
        let (body, gzipped) = self.body(path, bytes, gzip);
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(path)),
        );
        if compressible(path) {
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if gzipped {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        cache_control(path, headers);
        response
    }
}

/// Smaller bodies are sent as they are (gzip's framing would eat the gain).
const MIN_GZIP_BYTES: usize = 1024;

/// Text and wasm; images are compressed already.
fn compressible(path: &str) -> bool {
    matches!(
        path.rsplit('.').next().unwrap_or(""),
        "html" | "js" | "wasm" | "css" | "svg" | "json"
    )
}

/// True when `Accept-Encoding` lists `gzip` (or `*`) without `q=0`.
fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let acceptable = parts
                .filter_map(|p| p.strip_prefix("q="))
                .all(|q| q.parse::<f32>().is_ok_and(|q| q > 0.0));
            acceptable
                && (coding.eq_ignore_ascii_case("gzip")
                    || coding.eq_ignore_ascii_case("x-gzip")
                    || coding == "*")
        })
}

fn gzip_bytes(bytes: &[u8], level: flate2::Compression) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), level);
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn cache_control(path: &str, headers: &mut HeaderMap) {
    // index.html names the hashed assets, so it must be revalidated; the assets never change.
    let cache = if path == "index.html" {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_files_spa_routes_and_refuses_escapes() {
        let dir = std::env::temp_dir().join(format!("stampede-ui-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("index.html"), "<html>panel</html>").expect("write");
        std::fs::write(dir.join("app-123.wasm"), b"\0asm").expect("write");
        let ui = Ui::Dir(dir.clone());
        let get = |p: &str| ui.serve(&p.parse::<Uri>().expect("uri"), &HeaderMap::new());
        let wasm = get("/app-123.wasm");
        assert_eq!(wasm.status(), StatusCode::OK);
        assert_eq!(wasm.headers()[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(
            get("/history/abc").status(),
            StatusCode::OK,
            "panel routes get index.html"
        );
        assert_eq!(get("/missing.js").status(), StatusCode::NOT_FOUND);
        assert_eq!(
            get("/../etc/passwd").status(),
            StatusCode::OK,
            "normalised by the URI; never escapes"
        );
        assert!(ui.read("../etc/passwd").is_none());
        let empty = Ui::Dir(dir.join("nothing"));
        assert_eq!(
            empty
                .serve(&"/".parse::<Uri>().expect("uri"), &HeaderMap::new())
                .status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn gzip_is_accepted_unless_refused() {
        let cases = [
            ("gzip", true),
            ("gzip, deflate, br, zstd", true),
            ("br;q=1.0, GZIP;q=0.5", true),
            ("x-gzip", true),
            ("*", true),
            ("br", false),
            ("identity", false),
            ("gzip;q=0", false),
            ("gzip; q=0.000", false),
            ("gzip;q=nonsense", false),
            ("", false),
        ];
        for (value, expected) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).expect("header"),
            );
            assert_eq!(accepts_gzip(&headers), expected, "Accept-Encoding: {value}");
        }
        assert!(!accepts_gzip(&HeaderMap::new()), "no header");
    }

    fn body_of(response: Response) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
            .expect("body")
            .to_vec()
    }

    #[test]
    fn text_and_wasm_go_out_gzipped_to_clients_that_accept_it() {
        let dir = std::env::temp_dir().join(format!("stampede-ui-gz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let wasm: Vec<u8> = (0..64 * 1024u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.join("app-1_bg.wasm"), &wasm).expect("write");
        std::fs::write(dir.join("index.html"), "<html>panel</html>").expect("write");
        std::fs::write(dir.join("logo.png"), vec![7u8; 4096]).expect("write");
        let ui = Ui::Dir(dir.clone());
        let mut gzip = HeaderMap::new();
        gzip.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br"),
        );
        let get = |p: &str, h: &HeaderMap| ui.serve(&p.parse::<Uri>().expect("uri"), h);

        let packed = get("/app-1_bg.wasm", &gzip);
        assert_eq!(packed.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(packed.headers()[header::VARY], "accept-encoding");
        assert_eq!(packed.headers()[header::CONTENT_TYPE], "application/wasm");
        let packed = body_of(packed);
        assert!(packed.len() < wasm.len() / 4, "{} bytes", packed.len());
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(packed.as_slice()),
            &mut unpacked,
        )
        .expect("valid gzip");
        assert_eq!(unpacked, wasm, "the same bytes after gunzip");

        let plain = get("/app-1_bg.wasm", &HeaderMap::new());
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::VARY], "accept-encoding");
        assert_eq!(body_of(plain), wasm);

        // Too small to gain, or compressed already: sent as they are.
        for path in ["/index.html", "/logo.png"] {
            let r = get(path, &gzip);
            assert!(
                r.headers().get(header::CONTENT_ENCODING).is_none(),
                "{path}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
