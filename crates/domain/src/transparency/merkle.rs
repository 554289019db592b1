//! The Merkle tree of RFC 6962 §2.1: leaf hash = SHA-256(0x00 ‖ entry), node hash =
//! SHA-256(0x01 ‖ left ‖ right), the root of the empty tree = SHA-256(""). Proofs as RFC 6962
//! §2.1.1 (PATH) and §2.1.2 (PROOF / SUBPROOF) build them; verification as RFC 9162 §2.1.3.2 and
//! §2.1.4.2 describe it.
//!
//! Every subtree a proof needs is a range `[start, end)` that splits into complete, aligned
//! subtrees ([`NodeId`]); the store keeps those, so a proof costs O(log² n) lookups however large
//! the log grows, and the hashes are combined here ([`range_hash`]).

use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub type Hash = [u8; 32];

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// MTH({}) = SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A complete, aligned subtree: the leaves `[index << level, (index + 1) << level)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn start(self) -> u64 {
        self.index << self.level
    }
    pub fn end(self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// `[start, end)` as complete aligned subtrees, left to right (largest possible first).
pub fn range_nodes(mut start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    while start < end {
        let mut level = if start == 0 {
            63
        } else {
            start.trailing_zeros() as u8
        };
        while level > 0 && (1u64 << level) > end - start {
            level -= 1;
        }
        out.push(NodeId {
            level,
            index: start >> level,
        });
        start += 1u64 << level;
    }
    out
}

/// MTH(D[start:end]) from the hashes of its complete subtrees (`lookup` gives each of
/// [`range_nodes`]). Only for the ranges RFC 6962 builds trees and proofs from (a range that
/// starts at a multiple of a power of two at least its length), where the split at the largest
/// power of two below the length is the split into complete subtrees.
pub fn range_hash(start: u64, end: u64, lookup: &impl Fn(NodeId) -> Option<Hash>) -> Option<Hash> {
    if start == end {
        return Some(empty_root());
    }
    let nodes = range_nodes(start, end);
    let mut acc: Option<Hash> = None;
    for n in nodes.iter().rev() {
        let h = lookup(*n)?;
        acc = Some(match acc {
            None => h,
            Some(right) => node_hash(&h, &right),
        });
    }
    acc
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The subtree ranges of PATH(m, D[0:n]) (RFC 6962 §2.1.1), in the proof's order (from the leaf
/// up). Requires m < n.
pub fn inclusion_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let (mut off, mut m, mut n) = (0u64, m, n);
    while n > 1 {
        let k = split(n);
        if m < k {
            out.push((off + k, off + n));
            n = k;
        } else {
            out.push((off, off + k));
            off += k;
            m -= k;
            n -= k;
        }
    }
    out.reverse();
    out
}

/// The subtree ranges of PROOF(m, D[0:n]) (RFC 6962 §2.1.2), in the proof's order. Requires
/// 0 < m ≤ n; empty when m = n.
pub fn consistency_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let (mut off, mut m, mut n, mut b) = (0u64, m, n, true);
    loop {
        if m == n {
            if !b {
                out.push((off, off + n));
            }
            break;
        }
        let k = split(n);
        if m <= k {
            out.push((off + k, off + n));
            n = k;
        } else {
            out.push((off, off + k));
            off += k;
            m -= k;
            n -= k;
            b = false;
        }
    }
    out.reverse();
    out
}

/// Every complete subtree the given ranges need (deduplicated, sorted).
pub fn nodes_for(ranges: &[(u64, u64)]) -> Vec<NodeId> {
    let mut ids: Vec<NodeId> = ranges
        .iter()
        .flat_map(|&(s, e)| range_nodes(s, e))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The hashes of `ranges` from the looked-up complete subtrees (`None` when one is missing).
pub fn hashes_for(ranges: &[(u64, u64)], nodes: &HashMap<NodeId, Hash>) -> Option<Vec<Hash>> {
    let lookup = |id: NodeId| nodes.get(&id).copied();
    ranges
        .iter()
        .map(|&(s, e)| range_hash(s, e, &lookup))
        .collect()
}

/// RFC 9162 §2.1.3.2: does `proof` show the leaf `leaf` at `index` in the tree of `size` with
/// root `root`?
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnn, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fnn & 1 == 1 || fnn == sn {
            r = node_hash(p, &r);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnn >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

/// RFC 9162 §2.1.4.2: does `proof` show the tree of `first` leaves (root `first_root`) is a
/// prefix of the tree of `second` leaves (root `second_root`)? `first` = 0 is refused (there is
/// nothing to prove).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == 0 || first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    if path.is_empty() {
        return false;
    }
    let (mut fnn, mut sn) = (first - 1, second - 1);
    while fnn & 1 == 1 {
        fnn >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return false;
        }
        if fnn & 1 == 1 || fnn == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnn >>= 1;
        sn >>= 1;
    }
    &fr == first_root && &sr == second_root && sn == 0
}

/// The right edge of a tree: the complete subtrees of `[0, size)`, left to right. Enough to
/// append (each new leaf completes the subtrees it closes) and to compute the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<(NodeId, Hash)>,
}

impl Frontier {
    /// The ids a frontier of `size` leaves holds (what to load from the store).
    pub fn ids(size: u64) -> Vec<NodeId> {
        range_nodes(0, size)
    }

    /// From the hashes of [`Frontier::ids`]; `None` when one is missing.
    pub fn from_nodes(size: u64, nodes: &HashMap<NodeId, Hash>) -> Option<Self> {
        let nodes = Self::ids(size)
            .into_iter()
            .map(|id| nodes.get(&id).map(|h| (id, *h)))
            .collect::<Option<Vec<_>>>()?;
        Some(Self { size, nodes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// MTH of the whole tree.
    pub fn root(&self) -> Hash {
        let mut acc: Option<Hash> = None;
        for (_, h) in self.nodes.iter().rev() {
            acc = Some(match acc {
                None => *h,
                Some(right) => node_hash(h, &right),
            });
        }
        acc.unwrap_or_else(empty_root)
    }

    /// Append a leaf; returns the complete subtrees it creates (the leaf itself first, then every
    /// parent it completes), which the store keeps.
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let index = self.size;
        let mut created = vec![(NodeId { level: 0, index }, leaf)];
        let (mut id, mut h) = (NodeId { level: 0, index }, leaf);
        while id.index & 1 == 1 {
            let (left_id, left) = self.nodes.pop().expect("a left sibling on the frontier");
            debug_assert_eq!(left_id.level, id.level);
            h = node_hash(&left, &h);
            id = NodeId {
                level: id.level + 1,
                index: id.index >> 1,
            };
            created.push((id, h));
        }
        self.nodes.push((id, h));
        self.size += 1;
        created
    }
}

/// A whole tree in memory (tests, and the proofs a verifier rebuilds): every complete subtree.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    frontier: Frontier,
    nodes: HashMap<NodeId, Hash>,
}

impl Tree {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, entry: &[u8]) {
        for (id, h) in self.frontier.push(leaf_hash(entry)) {
            self.nodes.insert(id, h);
        }
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    fn lookup(&self) -> impl Fn(NodeId) -> Option<Hash> + '_ {
        |id| self.nodes.get(&id).copied()
    }

    pub fn root_at(&self, size: u64) -> Option<Hash> {
        (size <= self.size()).then(|| range_hash(0, size, &self.lookup()))?
    }

    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.size() {
            return None;
        }
        hashes_for(&inclusion_ranges(index, size), &self.nodes)
    }

    pub fn consistency_proof(&self, m: u64, n: u64) -> Option<Vec<Hash>> {
        if m == 0 || m > n || n > self.size() {
            return None;
        }
        hashes_for(&consistency_ranges(m, n), &self.nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// MTH straight from RFC 6962's recursive definition.
    fn mth(entries: &[Vec<u8>]) -> Hash {
        match entries.len() {
            0 => empty_root(),
            1 => leaf_hash(&entries[0]),
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&entries[..k]), &mth(&entries[k..]))
            }
        }
    }

    fn entries(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("entry {i}").into_bytes()).collect()
    }

    fn tree(es: &[Vec<u8>]) -> Tree {
        let mut t = Tree::new();
        for e in es {
            t.push(e);
        }
        t
    }

    #[test]
    fn roots_match_the_recursive_definition() {
        let es = entries(70);
        let t = tree(&es);
        for n in 0..=70 {
            assert_eq!(t.root_at(n as u64).unwrap(), mth(&es[..n]), "size {n}");
        }
    }

    /// The test vectors of the Go and C++ CT implementations (certificate-transparency-go's
    /// merkle tests): the leaves are "", 0x00, 0x10, 0x2021, 0x3031, 0x40414243, 0x5051525354555657,
    /// 0x606162636465666768696a6b6c6d6e6f.
    #[test]
    fn known_roots() {
        let leaves: Vec<Vec<u8>> = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|h| hex(h))
        .collect();
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let t = tree(&leaves);
        for (i, r) in roots.iter().enumerate() {
            assert_eq!(
                t.root_at(i as u64 + 1).unwrap().to_vec(),
                hex(r),
                "size {}",
                i + 1
            );
        }
        assert_eq!(
            empty_root().to_vec(),
            hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn every_proof_up_to_40_leaves_verifies() {
        let es = entries(40);
        let t = tree(&es);
        for n in 1..=40u64 {
            let root = t.root_at(n).unwrap();
            for i in 0..n {
                let p = t.inclusion_proof(i, n).unwrap();
                assert!(verify_inclusion(
                    i,
                    n,
                    &leaf_hash(&es[i as usize]),
                    &p,
                    &root
                ));
                assert!(!verify_inclusion(i, n, &leaf_hash(b"other"), &p, &root));
                if n > 1 {
                    assert!(!verify_inclusion(
                        (i + 1) % n,
                        n,
                        &leaf_hash(&es[i as usize]),
                        &p,
                        &root
                    ));
                }
            }
            for m in 1..=n {
                let p = t.consistency_proof(m, n).unwrap();
                let old = t.root_at(m).unwrap();
                assert!(verify_consistency(m, n, &old, &root, &p), "{m} → {n}");
                if m < n {
                    assert!(
                        !verify_consistency(m, n, &root, &root, &p),
                        "{m} → {n} bad root"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_arguments() {
        let t = tree(&entries(5));
        assert!(t.inclusion_proof(5, 5).is_none());
        assert!(t.inclusion_proof(0, 6).is_none());
        assert!(t.consistency_proof(0, 3).is_none());
        assert!(t.consistency_proof(4, 3).is_none());
        assert!(t.consistency_proof(3, 6).is_none());
        assert_eq!(t.consistency_proof(3, 3).unwrap(), Vec::<Hash>::new());
        let r = t.root_at(5).unwrap();
        assert!(!verify_consistency(0, 5, &r, &r, &[]));
    }

    #[test]
    fn frontier_root_and_range_nodes() {
        assert_eq!(
            range_nodes(0, 13),
            vec![
                NodeId { level: 3, index: 0 },
                NodeId { level: 2, index: 2 },
                NodeId {
                    level: 0,
                    index: 12
                }
            ]
        );
        let es = entries(13);
        let mut f = Frontier::default();
        for e in &es {
            f.push(leaf_hash(e));
        }
        assert_eq!(f.root(), mth(&es));
        assert_eq!(
            f.nodes.iter().map(|n| n.0).collect::<Vec<_>>(),
            Frontier::ids(13)
        );
    }

    proptest! {
        /// Any sequence of appends gives inclusion and consistency proofs that verify, and a
        /// changed byte anywhere (in the entry or in a proof hash) fails verification.
        #[test]
        fn proofs_verify_and_any_changed_byte_fails(
            es in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 1..90),
            pick in any::<(u64, u64, usize, u8)>(),
        ) {
            let t = tree(&es);
            let size = t.size();
            let n = 1 + pick.0 % size;
            let i = pick.1 % n;
            let root = t.root_at(n).unwrap();
            prop_assert_eq!(root, mth(&es[..n as usize]));
            let proof = t.inclusion_proof(i, n).unwrap();
            prop_assert!(verify_inclusion(i, n, &leaf_hash(&es[i as usize]), &proof, &root));
            let mut changed = es[i as usize].clone();
            if changed.is_empty() { changed.push(pick.3) } else { let at = pick.2 % changed.len(); changed[at] ^= 1 | pick.3; }
            prop_assert!(!verify_inclusion(i, n, &leaf_hash(&changed), &proof, &root));
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let at = pick.2 % bad.len();
                bad[at][pick.2 % 32] ^= 1 | pick.3;
                prop_assert!(!verify_inclusion(i, n, &leaf_hash(&es[i as usize]), &bad, &root));
            }
            let m = 1 + i;
            let cp = t.consistency_proof(m, n).unwrap();
            let old = t.root_at(m).unwrap();
            prop_assert!(verify_consistency(m, n, &old, &root, &cp));
            if !cp.is_empty() {
                let mut bad = cp.clone();
                let at = pick.2 % bad.len();
                bad[at][pick.2 % 32] ^= 1 | pick.3;
                prop_assert!(!verify_consistency(m, n, &old, &root, &bad));
            }
        }
    }
}
