//! placeholder
pub mod demo_target;
