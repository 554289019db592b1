//! Scopes: every user sees and changes only the subtree below one node of the tree. A subtree is
//! the set of rows whose materialised `path` (`/1/7/42/`) starts with the scope node's path; the
//! store turns that into a range condition (`path >= lo AND path < hi`) that an index serves on
//! both SQLite and PostgreSQL.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub node_id: i64,
    /// The scope node's path, ending in `/`.
    pub path: String,
}

impl Scope {
    pub fn new(node_id: i64, path: impl Into<String>) -> Self {
        let path = path.into();
        debug_assert!(path.starts_with('/') && path.ends_with('/'));
        Self { node_id, path }
    }

    /// Lower and upper bounds (upper exclusive) of the paths inside this scope. `/` sorts just
    /// before `0`, so every path starting with `/1/7/` lies in `["/1/7/", "/1/70")`.
    pub fn range(&self) -> (String, String) {
        path_range(&self.path)
    }

    pub fn contains(&self, path: &str) -> bool {
        path.starts_with(&self.path)
    }
}

/// `(lo, hi)` with every path having prefix `p` in `lo <= path < hi` (byte order).
pub fn path_range(p: &str) -> (String, String) {
    debug_assert!(p.ends_with('/'));
    let mut hi = p[..p.len() - 1].to_string();
    hi.push('0');
    (p.to_string(), hi)
}

/// The path of a child node.
pub fn child_path(parent_path: &str, id: i64) -> String {
    format!("{parent_path}{id}/")
}

/// The node ids along a path, root first.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn range_bounds() {
        assert_eq!(path_range("/1/7/"), ("/1/7/".into(), "/1/70".into()));
        assert_eq!(path_ids("/1/7/42/"), vec![1, 7, 42]);
    }

    proptest! {
        // A path is inside the range exactly when it has the prefix.
        #[test]
        fn range_matches_prefix(a in proptest::collection::vec(1i64..200, 1..5), b in proptest::collection::vec(1i64..200, 1..6)) {
            let pa = format!("/{}/", a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("/"));
            let pb = format!("/{}/", b.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("/"));
            let (lo, hi) = path_range(&pa);
            let in_range = pb.as_str() >= lo.as_str() && pb.as_str() < hi.as_str();
            prop_assert_eq!(in_range, pb.starts_with(&pa));
            prop_assert_eq!(Scope::new(1, pa.clone()).contains(&pb), in_range);
        }
    }
}
