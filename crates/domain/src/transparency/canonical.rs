//! RFC 8785 (JSON Canonicalization Scheme) for the log's entries: object members sorted by their
//! names' UTF-16 code units, no whitespace, strings escaped as ECMAScript's `JSON.stringify`
//! escapes them (only `"`, `\` and the control characters; everything else as UTF-8).
//!
//! Numbers: the log's records carry integers only (money in fen, counts, milliseconds), so an
//! integer is written in decimal and any other number is refused — ECMAScript's shortest
//! round-trip form of a fraction is never needed, and no float can slip into a public record.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("canonical JSON: {0}")]
pub struct CanonicalError(pub String);

/// The canonical bytes of `v`.
pub fn to_vec(v: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = String::new();
    write(v, &mut out)?;
    Ok(out.into_bytes())
}

fn write(v: &Value, out: &mut String) -> Result<(), CanonicalError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                return Err(CanonicalError(format!(
                    "{n}: only integers are written to the log"
                )));
            }
        }
        Value::String(s) => string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out)?;
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut members: Vec<(&String, &Value)> = o.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, x)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                write(x, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        String::from_utf8(to_vec(&v).unwrap()).unwrap()
    }

    #[test]
    fn sorted_compact_utf8() {
        assert_eq!(
            canon(json!({"b": 1, "a": [true, null, "x"], "中": "社区\n\"q\"\u{1}/"})),
            "{\"a\":[true,null,\"x\"],\"b\":1,\"中\":\"社区\\n\\\"q\\\"\\u0001/\"}"
        );
    }

    /// RFC 8785 §3.2.3's sorting example: keys ordered by UTF-16 code units, so U+1F600 (a
    /// surrogate pair, 0xD83D…) sorts before U+FB33 although its code point is larger.
    #[test]
    fn keys_sort_by_utf16_code_units() {
        let v = json!({"\u{20ac}": 1, "\r": 2, "\u{fb33}": 3, "1": 4, "\u{1f600}": 5, "\u{80}": 6, "\u{f6}": 7});
        let out = canon(v);
        let keys = [
            "\\r",
            "1",
            "\u{80}",
            "\u{f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ];
        let order: Vec<usize> = keys
            .iter()
            .map(|k| out.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
    }

    #[test]
    fn fractions_are_refused() {
        assert!(to_vec(&json!({"x": 0.5})).is_err());
        assert_eq!(
            canon(json!({"x": -7, "y": 18446744073709551615u64})),
            "{\"x\":-7,\"y\":18446744073709551615}"
        );
    }
}
