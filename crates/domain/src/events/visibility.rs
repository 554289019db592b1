//! What a resident sees of an event (issue 9 §3). Pure rules; the use-cases apply them.
//!
//! - [`note_visible_to_resident`]: internal notes stay with the staff: the note of a dispatch
//!   (the dispatcher's remarks to the handlers) and any note marked internal (内部备注).
//! - [`NEARBY_FACTS`]: of another person's report, a resident sees only category, place name,
//!   status and date (never the description, which may name people, nor the reporter).

/// Whether a timeline entry's note is shown to a resident (and put in their notifications).
pub fn note_visible_to_resident(command: &str, internal: bool) -> bool {
    !internal && command != "dispatch" && command != "note"
}

/// The facts of someone else's open report a resident may see, for documentation and tests.
pub const NEARBY_FACTS: [&str; 4] = ["category", "place", "status", "reported_at"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_and_internal_notes_stay_with_staff() {
        assert!(note_visible_to_resident("resolve", false));
        assert!(note_visible_to_resident("report", false));
        assert!(!note_visible_to_resident("dispatch", false));
        assert!(!note_visible_to_resident("note", false));
        assert!(!note_visible_to_resident("resolve", true));
    }
}
