//! Rules for cells of the spreadsheets (CSV and xlsx) we write.

/// A cell as it is safe to write in a CSV file. A spreadsheet program opening the file treats a
/// cell beginning with `=`, `+`, `-` or `@` (and tab or carriage return, which some programs skip
/// before looking) as a formula; `=HYPERLINK(…)` or `=cmd|…` in a resident's complaint would then
/// run on an official's computer. Per OWASP's rule on CSV injection, such a cell is prefixed with
/// a single quote, which makes the program show it as text. Every other cell is written as is.
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Whether a cell would be taken for a formula (see [`safe_cell`]).
pub fn is_formula_like(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The value of a cell read back from a file we (or a program following the same rule) wrote:
/// the quote [`safe_cell`] added is taken off again, so that a downloaded file can be imported
/// as it is. A quote before anything else is kept.
pub fn unquote_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_formula_like(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        for s in ["+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "="] {
            assert_eq!(safe_cell(s), format!("'{s}"), "{s:?}");
        }
    }

    #[test]
    fn other_cells_are_kept() {
        for s in [
            "",
            "王建国",
            "13812345678",
            "2026-12-01 08:00",
            " =1",
            "'=1",
            "a=b",
            "1-2",
        ] {
            assert_eq!(safe_cell(s), s, "{s:?}");
        }
    }

    #[test]
    fn quoting_round_trips() {
        for s in ["=1", "-5", "王建国", "'abc", "", "@x"] {
            assert_eq!(unquote_cell(&safe_cell(s)), s, "{s:?}");
        }
    }
}
