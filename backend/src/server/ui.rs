//! Serving the web UI: the Trunk build in `dist/`, embedded in the binary at compile time (a
//! release binary is one file to ship) or read from a directory (`--ui-dir`). Unknown paths
//! without a file extension get `index.html`, so the panel's own routes work on reload.

use std::path::{Component, Path, PathBuf};

use axum::http::{HeaderValue, StatusCode, Uri, header};
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
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        match self {
            Ui::Embedded => Embedded::get(path).map(|f| f.data.into_owned()),
            Ui::Dir(dir) => {
                // Only plain relative components: no way out of the directory.
                let rel = Path::new(path);
                if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
                    return None;
                }
                std::fs::read(dir.join(rel)).ok()
            }
        }
    }

    /// True when an index.html is there to serve.
    pub fn is_built(&self) -> bool {
        self.read("index.html").is_some()
    }

    /// Answers a GET for `uri`.
    pub fn serve(&self, uri: &Uri) -> Response {
        let path = uri.path().trim_start_matches('/');
        if path.is_empty() {
            return self.index();
        }
        if let Some(bytes) = self.read(path) {
            return file(path, bytes);
        }
        let looks_like_file = path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
        if looks_like_file {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        }
        self.index()
    }

    fn index(&self) -> Response {
        match self.read("index.html") {
            Some(index) => file("index.html", index),
            None => (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response(),
        }
    }
}

fn file(path: &str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    // index.html names the hashed assets, so it must be revalidated; the assets never change.
    let cache = if path == "index.html" {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
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
        let get = |p: &str| ui.serve(&p.parse::<Uri>().expect("uri"));
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
            empty.serve(&"/".parse::<Uri>().expect("uri")).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
