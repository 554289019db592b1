//! The shared test city: [`jingzhi_app::testing::World`] (one fixture for the app's and the
//! web's tests).
#![allow(unused_imports)]

pub use jingzhi_app::testing::World;
