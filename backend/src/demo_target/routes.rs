//! The simulated service's endpoints. Data is generated from ids rather than stored, so every
//! id "exists"; only the cart and the id counters are real (and bounded) in-memory state.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::{Kind, format_price, order, price_cents, product, product_name, user};
use super::model::{BODY_LIMIT, Shared, Tracked, UNMATCHED, simulate};

type App = Arc<Shared>;

/// The cart keeps at most this many distinct products; the oldest line makes room.
const CART_LINES: usize = 20;
const MAX_QUANTITY: u64 = 99;
const DEFAULT_PAGE: u64 = 20;
const MAX_PAGE: u64 = 100;

/// The little real state the simulation has.
#[derive(Debug)]
pub(crate) struct Store {
    cart: Mutex<VecDeque<CartLine>>,
    next_id: AtomicU64,
    next_order: AtomicU64,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            cart: Mutex::new(VecDeque::new()),
            // Created ids start above the generated catalogue so they look new.
            next_id: AtomicU64::new(1001),
            next_order: AtomicU64::new(50_001),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct CartLine {
    product_id: u64,
    quantity: u64,
}

pub(crate) fn build(shared: App) -> Router {
    let counted = |route: &'static str, methods: MethodRouter<App>| {
        let tracked = Tracked {
            shared: Arc::clone(&shared),
            route,
        };
        // `MethodRouter::layer` also wraps its 405 fallback, so wrong methods are counted too.
        (route, methods.layer(from_fn_with_state(tracked, simulate)))
    };

    let mut routes = vec![
        counted("/", get(home)),
        counted("/products", get(products_page)),
        counted("/cart", get(view_cart).post(add_to_cart)),
        counted("/checkout", post(checkout)),
        counted("/graphql", post(graphql)),
    ];
    for kind in Kind::ALL {
        routes.push(counted(
            kind.collection_path(),
            get(move |query| list(kind, query)).post(move |state, body| create(kind, state, body)),
        ));
        routes.push(counted(
            kind.item_path(),
            get(move |id| fetch(kind, id))
                .put(move |id, body| update(kind, id, body))
                .patch(move |id, body| update(kind, id, body))
                .delete(delete),
        ));
    }

    let unmatched = Tracked {
        shared: Arc::clone(&shared),
        route: UNMATCHED,
    };
    let mut app = Router::new();
    for (path, methods) in routes {
        app = app.route(path, methods);
    }
    app.fallback(not_found.layer(from_fn_with_state(unmatched, simulate)))
        // Housekeeping routes are deliberately outside the simulation: never counted, never
        // queued, never failed, so tests and scripts can poll them at any time.
        .route("/health", get(health))
        .route("/__stampede/stats", get(stats))
        .route("/__stampede/reset", post(reset))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

pub(crate) fn error_json(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn graphql_error(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "errors": [{ "message": message.into() }] })),
    )
        .into_response()
}

fn body_error(rejection: &BytesRejection) -> Response {
    error_json(rejection.status(), rejection.body_text())
}

// ---------------------------------------------------------------------------------------------
// Housekeeping

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn stats(State(shared): State<App>) -> Json<shared::demo::DemoStats> {
    Json(shared.stats())
}

async fn reset(State(shared): State<App>) -> StatusCode {
    shared.reset();
    StatusCode::NO_CONTENT
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error_json(
        StatusCode::NOT_FOUND,
        format!("no route for {method} {}", uri.path()),
    )
}

// ---------------------------------------------------------------------------------------------
// Shop pages

async fn home() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>Stampede Demo Shop</title></head>\n<body>\n",
        "<h1>Stampede Demo Shop</h1>\n",
        "<p>A simulated cloud service for load tests. Nothing here is real.</p>\n",
        "<ul>\n<li><a href=\"/products\">Products</a></li>\n",
        "<li><a href=\"/cart\">Cart</a></li>\n",
        "<li><a href=\"/api/products\">REST API</a></li>\n",
        "<li>GraphQL: <code>POST /graphql</code></li>\n</ul>\n",
        "</body></html>\n",
    ))
}

async fn products_page() -> Html<String> {
    let mut items = String::new();
    for id in 1..=12 {
        let name = product_name(id);
        let price = format_price(price_cents(id));
        items.push_str(&format!(
            "<li><a href=\"/api/products/{id}\">{name}</a> — {price}</li>\n"
        ));
    }
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Products · Stampede Demo Shop</title></head>\n<body>\n\
         <h1>Products</h1>\n<ul>\n{items}</ul>\n</body></html>\n"
    ))
}

fn cart_json(lines: &VecDeque<CartLine>) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .map(|line| {
            json!({
                "product_id": line.product_id,
                "name": product_name(line.product_id),
                "quantity": line.quantity,
                "unit_price_cents": price_cents(line.product_id),
                "line_total_cents": price_cents(line.product_id).saturating_mul(line.quantity),
            })
        })
        .collect();
    json!({ "items": items, "total_cents": cart_total(lines), "currency": "EUR" })
}

fn cart_total(lines: &VecDeque<CartLine>) -> u64 {
    lines.iter().fold(0, |sum: u64, line| {
        sum.saturating_add(price_cents(line.product_id).saturating_mul(line.quantity))
    })
}

async fn view_cart(State(shared): State<App>) -> Json<Value> {
    let cart = shared
        .store
        .cart
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    Json(cart_json(&cart))
}

/// `{"product_id": 3, "quantity": 2}`; the id may also be a numeric string, quantity defaults
/// to 1.
async fn add_to_cart(State(shared): State<App>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(&rejection),
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return error_json(StatusCode::BAD_REQUEST, "expected a JSON object body");
    };
    let product_id = match fields.get("product_id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let Some(product_id) = product_id else {
        return error_json(
            StatusCode::BAD_REQUEST,
            "`product_id` must be a non-negative integer",
        );
    };
    let quantity = match fields.get("quantity") {
        None | Some(Value::Null) => Some(1),
        Some(value) => value.as_u64().filter(|q| (1..=MAX_QUANTITY).contains(q)),
    };
    let Some(quantity) = quantity else {
        return error_json(
            StatusCode::BAD_REQUEST,
            format!("`quantity` must be an integer from 1 to {MAX_QUANTITY}"),
        );
    };

    let mut cart = shared
        .store
        .cart
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(line) = cart.iter_mut().find(|line| line.product_id == product_id) {
        line.quantity = line.quantity.saturating_add(quantity).min(MAX_QUANTITY);
    } else {
        if cart.len() >= CART_LINES {
            cart.pop_front();
        }
        cart.push_back(CartLine {
            product_id,
            quantity,
        });
    }
    Json(cart_json(&cart)).into_response()
}

/// Any JSON body (or none); empties the cart into a confirmed order.
async fn checkout(State(shared): State<App>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(&rejection),
    };
    if !body.iter().all(u8::is_ascii_whitespace) && serde_json::from_slice::<Value>(&body).is_err()
    {
        return error_json(StatusCode::BAD_REQUEST, "body is not valid JSON");
    }
    let lines = std::mem::take(
        &mut *shared
            .store
            .cart
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    let order_id = shared.store.next_order.fetch_add(1, Ordering::Relaxed);
    let items = lines
        .iter()
        .fold(0, |n: u64, line| n.saturating_add(line.quantity));
    Json(json!({
        "order_id": order_id,
        "status": "confirmed",
        "items": items,
        "total_cents": cart_total(&lines),
        "currency": "EUR",
        "estimated_delivery_days": 2 + order_id % 4,
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------------
// REST API

#[derive(Debug, Deserialize)]
struct Page {
    limit: Option<u64>,
    offset: Option<u64>,
}

async fn list(kind: Kind, query: Result<Query<Page>, QueryRejection>) -> Response {
    let Ok(Query(page)) = query else {
        return error_json(
            StatusCode::BAD_REQUEST,
            "`limit` and `offset` must be non-negative integers",
        );
    };
    let limit = page.limit.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
    let first = page.offset.unwrap_or(0).saturating_add(1);
    let items: Vec<Value> = (0..limit)
        .map_while(|i| first.checked_add(i))
        .map(|id| kind.generate(id))
        .collect();
    Json(items).into_response()
}

/// Accepts any body — it is not validated, only measured — so payload-size scenarios work
/// whatever they send.
async fn create(
    kind: Kind,
    State(shared): State<App>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(&rejection),
    };
    let id = shared.store.next_id.fetch_add(1, Ordering::Relaxed);
    let location = format!("{}/{id}", kind.collection_path());
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(with_received(kind.generate(id), body.len())),
    )
        .into_response()
}

/// A path id that is not a non-negative integer; answered `400`.
struct BadId(String);

impl IntoResponse for BadId {
    fn into_response(self) -> Response {
        error_json(StatusCode::BAD_REQUEST, self.0)
    }
}

fn parse_id(path: Result<Path<String>, PathRejection>) -> Result<u64, BadId> {
    let Ok(Path(raw)) = path else {
        return Err(BadId("malformed id".to_owned()));
    };
    raw.parse().map_err(|_| {
        BadId(format!(
            "invalid id {raw:?}: expected a non-negative integer"
        ))
    })
}

async fn fetch(kind: Kind, path: Result<Path<String>, PathRejection>) -> Response {
    match parse_id(path) {
        Ok(id) => Json(kind.generate(id)).into_response(),
        Err(bad) => bad.into_response(),
    }
}

async fn update(
    kind: Kind,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let id = match parse_id(path) {
        Ok(id) => id,
        Err(bad) => return bad.into_response(),
    };
    match body {
        Ok(body) => Json(with_received(kind.generate(id), body.len())).into_response(),
        Err(rejection) => body_error(&rejection),
    }
}

async fn delete(path: Result<Path<String>, PathRejection>) -> Response {
    match parse_id(path) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(bad) => bad.into_response(),
    }
}

fn with_received(mut item: Value, bytes: usize) -> Value {
    if let Value::Object(fields) = &mut item {
        fields.insert("received_bytes".to_owned(), json!(bytes));
    }
    item
}

// ---------------------------------------------------------------------------------------------
// GraphQL (just enough to look like one)

/// Answers `{"query": "...", "variables": {...}}` by looking at the first selected field:
/// `products`/`users`/`orders` give lists, `product`/`user`/`order` an item (`variables.id`),
/// anything else a small acknowledgement.
async fn graphql(State(shared): State<App>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return graphql_error(rejection.body_text()),
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return graphql_error("body is not valid JSON");
    };
    let Some(query) = request.get("query").and_then(Value::as_str) else {
        return graphql_error("missing `query` string");
    };
    let Some(field) = root_field(query) else {
        return graphql_error("query selects no field");
    };
    let id = request
        .get("variables")
        .and_then(|vars| vars.get("id"))
        .and_then(|id| id.as_u64().or_else(|| id.as_str()?.parse().ok()))
        .unwrap_or(1);
    let some = |kind: Kind| -> Value { (1..=5).map(|id| kind.generate(id)).collect() };
    let value = match field {
        "products" => some(Kind::Product),
        "users" => some(Kind::User),
        "orders" => some(Kind::Order),
        "product" => product(id),
        "user" => user(id),
        "order" => order(id),
        _ => json!({
            "id": shared.store.next_id.fetch_add(1, Ordering::Relaxed),
            "ok": true,
        }),
    };
    Json(json!({ "data": { field: value } })).into_response()
}

/// The first field name after the first `{`, e.g. `product` in
/// `query Q($id: ID!) { product(id: $id) { name } }`.
fn root_field(query: &str) -> Option<&str> {
    let start = query.find('{')? + 1;
    let rest = query.get(start..)?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    rest.get(..end).filter(|name| !name.is_empty())
}
