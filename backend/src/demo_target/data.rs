//! Generated catalogue data: deterministic in the id, so every id "exists" and repeated reads
//! agree. Ids are user input, hence wrapping/saturating arithmetic throughout.

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Product,
    User,
    Order,
}

impl Kind {
    pub(crate) const ALL: [Self; 3] = [Self::Product, Self::User, Self::Order];

    pub(crate) fn collection_path(self) -> &'static str {
        match self {
            Self::Product => "/api/products",
            Self::User => "/api/users",
            Self::Order => "/api/orders",
        }
    }

    pub(crate) fn item_path(self) -> &'static str {
        match self {
            Self::Product => "/api/products/{id}",
            Self::User => "/api/users/{id}",
            Self::Order => "/api/orders/{id}",
        }
    }

    pub(crate) fn generate(self, id: u64) -> Value {
        match self {
            Self::Product => product(id),
            Self::User => user(id),
            Self::Order => order(id),
        }
    }
}

const PRODUCT_NAMES: [&str; 12] = [
    "Trail Running Shoes",
    "Espresso Grinder",
    "Noise-Cancelling Headphones",
    "Cast Iron Skillet",
    "Mechanical Keyboard",
    "Merino Wool Beanie",
    "Standing Desk Mat",
    "Insulated Water Bottle",
    "LED Desk Lamp",
    "Yoga Mat",
    "Camping Hammock",
    "Pour-Over Kettle",
];
const CATEGORIES: [&str; 4] = ["outdoor", "kitchen", "electronics", "home"];
const FIRST_NAMES: [&str; 8] = [
    "Ada", "Grace", "Alan", "Linus", "Barbara", "Ken", "Frances", "Dennis",
];
const LAST_NAMES: [&str; 8] = [
    "Lovelace", "Hopper", "Turing", "Torvalds", "Liskov", "Thompson", "Allen", "Ritchie",
];
const ORDER_STATUSES: [&str; 4] = ["pending", "paid", "shipped", "delivered"];

fn pick<'a>(list: &[&'a str], n: u64) -> &'a str {
    let len = list.len() as u64;
    if len == 0 {
        return "";
    }
    list.get((n % len) as usize).copied().unwrap_or_default()
}

pub(crate) fn product_name(id: u64) -> &'static str {
    pick(&PRODUCT_NAMES, id)
}

pub(crate) fn price_cents(id: u64) -> u64 {
    499 + id.wrapping_mul(1237) % 20_000
}

pub(crate) fn format_price(cents: u64) -> String {
    format!("€{}.{:02}", cents / 100, cents % 100)
}

pub(crate) fn product(id: u64) -> Value {
    json!({
        "id": id,
        "name": product_name(id),
        "sku": format!("SKU-{id:06}"),
        "category": pick(&CATEGORIES, id / 3),
        "price_cents": price_cents(id),
        "currency": "EUR",
        "in_stock": !id.is_multiple_of(7),
        "rating": 3.0 + (id % 21) as f64 / 10.0,
    })
}

pub(crate) fn user(id: u64) -> Value {
    let first = pick(&FIRST_NAMES, id);
    let last = pick(&LAST_NAMES, id / 8);
    json!({
        "id": id,
        "username": format!("{}{id}", first.to_lowercase()),
        "name": format!("{first} {last}"),
        "email": format!("{}.{}{id}@example.test", first.to_lowercase(), last.to_lowercase()),
        "created_at": format!("2024-{:02}-{:02}T09:30:00Z", id % 12 + 1, id % 28 + 1),
    })
}

pub(crate) fn order(id: u64) -> Value {
    let lines: Vec<(u64, u64)> = (0..1 + id % 3)
        .map(|i| {
            (
                id.wrapping_mul(7).wrapping_add(i) % 500 + 1,
                1 + (id % 3 + i) % 3,
            )
        })
        .collect();
    let total = lines.iter().fold(0u64, |sum, &(product_id, quantity)| {
        sum.saturating_add(price_cents(product_id).saturating_mul(quantity))
    });
    let items: Vec<Value> = lines
        .iter()
        .map(|&(product_id, quantity)| json!({ "product_id": product_id, "quantity": quantity }))
        .collect();
    json!({
        "id": id,
        "user_id": id % 500 + 1,
        "status": pick(&ORDER_STATUSES, id),
        "items": items,
        "total_cents": total,
        "currency": "EUR",
    })
}
