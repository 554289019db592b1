//! Residents decide together (issue 11): votes counted per household, resident or
//! representative. Reached as `app.participation()`.

pub mod councils;
pub mod proposals;
pub mod votes;

use crate::App;

/// Participation (居民议事): votes now; proposals, meetings, decisions and councils to come.
#[derive(Clone, Copy)]
pub struct Participation<'a> {
    app: &'a App,
}

impl App {
    /// See [`Participation`].
    pub fn participation(&self) -> Participation<'_> {
        Participation { app: self }
    }
}
