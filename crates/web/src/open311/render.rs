//! One representation of a GeoReport response, written as JSON or XML. Fields keep the order
//! the specification lists them in, in both formats. Text is escaped for its format: in XML the
//! five markup characters, in JSON also `<`, `>` and `&` (as `\u003c`, …) so that no response
//! body ever holds raw markup from a user; a JSON parser still reads the text unchanged.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Json,
    Xml,
}

impl Fmt {
    pub fn content_type(self) -> &'static str {
        match self {
            Fmt::Json => "application/json; charset=utf-8",
            Fmt::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// A field's value.
#[derive(Debug, Clone)]
pub enum F {
    S(String),
    OS(Option<String>),
    I(i64),
    OF(Option<f64>),
    B(bool),
    /// A list of strings; in XML each inside an element of this name.
    Strs(&'static str, Vec<String>),
    /// A list of records; in XML each inside an element of this name.
    List(&'static str, Vec<Rec>),
}

pub type Rec = Vec<(&'static str, F)>;

/// A whole response: a list of records (JSON array; XML root with one element per record), or
/// one record (JSON object; XML root holding its fields).
pub enum Doc {
    List {
        root: &'static str,
        item: &'static str,
        items: Vec<Rec>,
    },
    One {
        root: &'static str,
        rec: Rec,
    },
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_num(out: &mut String, v: f64) {
    if v.is_finite() {
        out.push_str(&v.to_string());
    } else {
        out.push_str("null");
    }
}

fn json_rec(out: &mut String, rec: &Rec) {
    out.push('{');
    for (i, (k, v)) in rec.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(out, k);
        out.push(':');
        match v {
            F::S(s) => json_str(out, s),
            F::OS(Some(s)) => json_str(out, s),
            F::OS(None) | F::OF(None) => out.push_str("null"),
            F::I(n) => out.push_str(&n.to_string()),
            F::OF(Some(f)) => json_num(out, *f),
            F::B(b) => out.push_str(if *b { "true" } else { "false" }),
            F::Strs(_, v) => {
                out.push('[');
                for (j, s) in v.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    json_str(out, s);
                }
                out.push(']');
            }
            F::List(_, v) => {
                out.push('[');
                for (j, r) in v.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    json_rec(out, r);
                }
                out.push(']');
            }
        }
    }
    out.push('}');
}

fn xml_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn xml_el(out: &mut String, name: &str, text: Option<&str>) {
    match text {
        None => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Some(t) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            xml_text(out, t);
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

fn xml_rec(out: &mut String, rec: &Rec) {
    for (k, v) in rec {
        match v {
            F::S(s) => xml_el(out, k, Some(s)),
            F::OS(s) => xml_el(out, k, s.as_deref()),
            F::I(n) => xml_el(out, k, Some(&n.to_string())),
            F::OF(f) => xml_el(
                out,
                k,
                f.filter(|f| f.is_finite())
                    .map(|f| f.to_string())
                    .as_deref(),
            ),
            F::B(b) => xml_el(out, k, Some(if *b { "true" } else { "false" })),
            F::Strs(item, v) => {
                out.push_str(&format!("<{k}>"));
                for s in v {
                    xml_el(out, item, Some(s));
                }
                out.push_str(&format!("</{k}>"));
            }
            F::List(item, v) => {
                out.push_str(&format!("<{k}>"));
                for r in v {
                    out.push_str(&format!("<{item}>"));
                    xml_rec(out, r);
                    out.push_str(&format!("</{item}>"));
                }
                out.push_str(&format!("</{k}>"));
            }
        }
    }
}

impl Doc {
    pub fn render(&self, fmt: Fmt) -> String {
        let mut out = String::with_capacity(4096);
        match fmt {
            Fmt::Json => match self {
                Doc::List { items, .. } => {
                    out.push('[');
                    for (i, r) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        json_rec(&mut out, r);
                    }
                    out.push(']');
                }
                Doc::One { rec, .. } => json_rec(&mut out, rec),
            },
            Fmt::Xml => {
                out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
                match self {
                    Doc::List { root, item, items } => {
                        out.push_str(&format!("<{root}>"));
                        for r in items {
                            out.push_str(&format!("<{item}>"));
                            xml_rec(&mut out, r);
                            out.push_str(&format!("</{item}>"));
                        }
                        out.push_str(&format!("</{root}>"));
                    }
                    Doc::One { root, rec } => {
                        out.push_str(&format!("<{root}>"));
                        xml_rec(&mut out, rec);
                        out.push_str(&format!("</{root}>"));
                    }
                }
            }
        }
        out
    }

    pub fn respond(&self, status: StatusCode, fmt: Fmt) -> Response {
        (
            status,
            [(header::CONTENT_TYPE, fmt.content_type())],
            self.render(fmt),
        )
            .into_response()
    }
}

/// A GeoReport error response: `[{code, description}]` / `<errors><error>…`, the HTTP status
/// as `code`.
pub fn error(status: StatusCode, fmt: Fmt, description: &str) -> Response {
    Doc::List {
        root: "errors",
        item: "error",
        items: vec![vec![
            ("code", F::I(status.as_u16() as i64)),
            ("description", F::S(description.to_string())),
        ]],
    }
    .respond(status, fmt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_in_both_formats() {
        let d = Doc::List {
            root: "service_requests",
            item: "request",
            items: vec![vec![
                ("description", F::S("<b>\"x\" & 'y'</b>\u{1}".into())),
                ("lat", F::OF(None)),
            ]],
        };
        assert_eq!(
            d.render(Fmt::Json),
            r#"[{"description":"\u003cb\u003e\"x\" \u0026 'y'\u003c/b\u003e\u0001","lat":null}]"#
        );
        assert_eq!(
            d.render(Fmt::Xml),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><description>&lt;b&gt;&quot;x&quot; &amp; &apos;y&apos;&lt;/b&gt;</description><lat/></request></service_requests>"
        );
    }
}
