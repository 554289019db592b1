//! Every answer of the JSON API is one of the web crate's own DTOs (`api/dto.rs`,
//! `api/schemas.rs`, or a `…Dto` beside its handler), converted from the app's and the store's
//! types with `From`; never a store row, an app type or a `serde_json::Value`, so that renaming a
//! column or a field below cannot change the public contract unnoticed.
//!
//! A read of the handlers' sources (`crates/web/src/api/*.rs`, the two DTO modules aside):
//! - in a function's return type, the `T` of every `Json<T>` names only structs declared in
//!   `crates/web/src/api/` (through `super::`/`crate::` paths or their bare names), none of them
//!   imported from another crate (`use jingzhi_app::…::Event` would shadow the DTO `Event`), and
//!   never `Value`;
//! - in a function that answers a plain `Response` (photos, multipart), every `Json(…)` built
//!   wraps `Dto::from(…)`, a struct literal `Dto { … }`, or a variable declared with a DTO type
//!   (`let a: Vec<Dto> = …`), so the type is visible here; the compiler checks the rest;
//! - no `json!` anywhere in a handler.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn api_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/api")
}

/// Every `.rs` file below `dir`, module directories (`api/participation/`) included.
fn rust_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// The handler sources: (file name, text), the DTO modules aside.
fn handler_files() -> Vec<(String, String)> {
    let mut out = vec![];
    for p in rust_files(&api_dir()) {
        let name = p
            .strip_prefix(api_dir())
            .unwrap()
            .to_string_lossy()
            .to_string();
        if name.ends_with(".rs") && name != "dto.rs" && name != "schemas.rs" {
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    out.sort();
    assert!(out.len() > 10, "the handler files are found");
    out
}

/// Names of the structs declared in `crates/web/src/api/`.
fn web_structs() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in rust_files(&api_dir()) {
        let text = std::fs::read_to_string(p).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("pub struct ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        }
    }
    out
}

/// Names brought in by `use jingzhi_…` (another crate of the workspace) in `text`.
fn foreign_imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("use jingzhi_") {
        let stmt = &rest[i..];
        let end = stmt.find(';').unwrap();
        let stmt = &stmt[..end];
        for word in stmt.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if word.starts_with(|c: char| c.is_ascii_uppercase()) {
                out.insert(word.to_string());
            }
        }
        // `Foo as Bar` imports `Bar` too; both are caught above.
        rest = &rest[i + end..];
    }
    out
}

/// The balanced `<…>` argument starting right after `open` (the index of `<`).
fn generic_arg(s: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in s[open..].char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return &s[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced generics in {s}");
}

/// A problem with the type `t` answered as JSON, if any.
fn bad_answer(t: &str, structs: &BTreeSet<String>, imported: &BTreeSet<String>) -> Option<String> {
    const WRAPPERS: [&str; 3] = ["Vec", "Option", "Box"];
    let paths = t
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty());
    for path in paths {
        let name = path.rsplit("::").next().unwrap();
        if name == "Value" {
            return Some("a `serde_json::Value`".into());
        }
        if WRAPPERS.contains(&name) || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            continue;
        }
        if path.contains("::") {
            if !(path.starts_with("super::") || path.starts_with("crate::")) {
                return Some(format!("`{path}` is not a type of the web crate"));
            }
        } else if imported.contains(name) {
            return Some(format!("`{name}` is imported from another crate"));
        }
        if !structs.contains(name) {
            return Some(format!(
                "`{name}` is not a struct declared in crates/web/src/api"
            ));
        }
    }
    None
}

/// Each function of `text`: (name, return type, body).
fn functions(text: &str) -> Vec<(String, String, String)> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(i) = rest.find("fn ") {
        let from = &rest[i + 3..];
        let name: String = from
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(open) = from.find('{') else { break };
        let sig = &from[..open];
        let ret = sig
            .rfind(") ->")
            .map(|r| {
                sig[r + 4..]
                    .split(" where")
                    .next()
                    .unwrap()
                    .trim()
                    .to_string()
            })
            .unwrap_or_default();
        // The body: up to the matching brace.
        let mut depth = 0;
        let mut end = from.len();
        for (j, c) in from[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((name, ret, from[open..end].to_string()));
        rest = &from[end.min(from.len())..];
    }
    out
}

#[test]
fn every_api_answer_is_a_web_dto() {
    let structs = web_structs();
    let mut problems = vec![];
    let mut answers = 0;
    for (file, text) in handler_files() {
        let imported = foreign_imports(&text);
        if text.contains("json!") {
            problems.push(format!("{file}: builds an answer with `json!`"));
        }
        for (name, ret, body) in functions(&text) {
            let mut k = 0;
            while let Some(i) = ret[k..].find("Json<") {
                let open = k + i + 4;
                let t = generic_arg(&ret, open);
                answers += 1;
                if let Some(why) = bad_answer(t, &structs, &imported) {
                    problems.push(format!("{file}: fn {name} answers Json<{t}>: {why}"));
                }
                k = open;
            }
            if ret.contains("Json<") {
                continue;
            }
            // A `Response` built by hand: the value of each `Json(…)` must show its type.
            let mut k = 0;
            while let Some(i) = body[k..].find("Json(") {
                let at = k + i;
                k = at + 5;
                let before = body[..at].trim_end();
                if before.ends_with("let") || before.ends_with("Ok(") && body[at..].contains("=>") {
                    continue; // a pattern, not an answer
                }
                answers += 1;
                let arg = &body[at + 5..];
                let head: String = arg
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let after = arg[head.len()..].trim_start();
                let shown =
                    if head.starts_with(|c: char| c.is_ascii_uppercase()) || head.contains("::") {
                        // `Dto::from(…)` or `Dto { … }` (possibly `super::schemas::Dto`).
                        let ty = head.trim_end_matches("::from");
                        (after.starts_with('{') || head.ends_with("::from")).then(|| ty.to_string())
                    } else {
                        // A variable: `let name: Type = …` in the same function.
                        let decl = format!("let {head}: ");
                        body.find(&decl).map(|d| {
                            let t = &body[d + decl.len()..];
                            t[..t.find(" =").unwrap()].to_string()
                        })
                    };
                match shown {
                    None => problems.push(format!(
                        "{file}: fn {name} answers `Json({}…)` whose type is not a visible DTO",
                        &arg[..arg.len().min(30)]
                    )),
                    Some(t) => {
                        if let Some(why) = bad_answer(&t, &structs, &imported) {
                            problems.push(format!("{file}: fn {name} answers Json({t}): {why}"));
                        }
                    }
                }
            }
        }
    }
    assert!(answers > 60, "the handlers' answers are found ({answers})");
    assert!(
        problems.is_empty(),
        "API answers that are not web DTOs:\n{}",
        problems.join("\n")
    );
}

/// The check itself catches what it is for.
#[test]
fn the_check_catches_store_types_and_values() {
    let structs: BTreeSet<String> = ["Event", "EventPage"].map(String::from).into();
    let imported: BTreeSet<String> = ["Event"].map(String::from).into();
    let none = BTreeSet::new();
    assert!(bad_answer("Value", &structs, &none).is_some());
    assert!(bad_answer("serde_json::Value", &structs, &none).is_some());
    assert!(bad_answer("jingzhi_app::events::Event", &structs, &none).is_some());
    assert!(bad_answer("store::events::Event", &structs, &none).is_some());
    assert!(bad_answer("Vec<Event>", &structs, &imported).is_some());
    assert!(bad_answer("Vec<CategoryRow>", &structs, &none).is_some());
    assert!(bad_answer("Vec<super::schemas::Event>", &structs, &none).is_none());
    assert!(bad_answer("EventPage", &structs, &imported).is_none());
    let f = functions("pub async fn a(x: i64) -> ApiResult<Json<Vec<Event>>> { Ok(Json(vec![])) }");
    assert_eq!(f[0].1, "ApiResult<Json<Vec<Event>>>");
}
