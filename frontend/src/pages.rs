//! One module per page.

pub mod compose;
pub mod history;
pub mod live;
