//! The plan against the tree as it is now, when an approved plan is applied: which community
//! each compound goes to, and what becomes of each grid (moved whole, or its leaving compounds
//! gathered in a new grid of their new community). Pure: the use-case reads the tree, asks
//! these, creates what they say is missing and moves the subtrees.

use crate::registry::NodeKind;
use crate::scope::path_ids;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A place of the tree below the plan's scope, as the apply reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: NodeKind,
    pub code: String,
    /// Materialised path (`/1/5/9/`).
    pub path: String,
}

/// The plan no longer fits the tree (a building or compound moved, vanished or was added since
/// the plan was drawn): it must be drawn again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale;

/// Every compound the plan places, with the code of the community it goes to. Each planned
/// building must still be a building of the tree; a compound is never split (all its buildings
/// in one part), and a compound the plan places has no building the plan leaves out.
pub fn compound_targets<'a>(
    places: &[Place],
    parts: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> Result<BTreeMap<i64, String>, Stale> {
    let by_code: HashMap<&str, &Place> = places.iter().map(|n| (n.code.as_str(), n)).collect();
    let mut target: BTreeMap<i64, String> = BTreeMap::new();
    let mut planned: HashSet<&str> = HashSet::new();
    for (community, buildings) in parts {
        for b in buildings {
            let building = by_code
                .get(b.as_str())
                .filter(|n| n.kind == NodeKind::Building)
                .ok_or(Stale)?;
            let compound = building.parent_id.ok_or(Stale)?;
            if let Some(prev) = target.insert(compound, community.to_string()) {
                if prev != community {
                    return Err(Stale);
                }
            }
            planned.insert(building.code.as_str());
        }
    }
    let left_out = places.iter().any(|n| {
        n.kind == NodeKind::Building
            && n.parent_id.is_some_and(|c| target.contains_key(&c))
            && !planned.contains(n.code.as_str())
    });
    if left_out {
        return Err(Stale);
    }
    Ok(target)
}

/// What becomes of a grid whose compounds leave its community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridChange {
    /// Every compound of the grid goes to one other community: the grid moves whole.
    Whole { grid: i64, to: String },
    /// These compounds of the grid go to community `to`, in a new grid there (one per old grid
    /// and target community); the grid's other compounds stay.
    Part {
        grid: i64,
        to: String,
        compounds: Vec<i64>,
    },
}

/// The grids the targets change, by grid id; a grid's parts in the order their first compound
/// comes. `targets` holds the final community codes (new communities' codes as created).
pub fn grid_changes(
    places: &[Place],
    targets: &BTreeMap<i64, String>,
) -> Result<Vec<GridChange>, Stale> {
    let by_id: HashMap<i64, &Place> = places.iter().map(|n| (n.id, n)).collect();
    let community_of = |n: &Place| -> Option<&Place> {
        path_ids(&n.path)
            .into_iter()
            .filter_map(|id| by_id.get(&id).copied())
            .find(|a| a.kind == NodeKind::Community)
    };
    let mut grid_compounds: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for n in places.iter().filter(|n| n.kind == NodeKind::Compound) {
        if let Some(g) = n.parent_id {
            grid_compounds.entry(g).or_default().push(n.id);
        }
    }
    let mut out = vec![];
    for (gid, compounds) in &grid_compounds {
        let grid = by_id.get(gid).ok_or(Stale)?;
        let Some(current) = community_of(grid) else {
            continue;
        };
        let to: Vec<Option<&String>> = compounds.iter().map(|c| targets.get(c)).collect();
        if to.iter().all(|t| t.is_none_or(|t| *t == current.code)) {
            continue;
        }
        if let Some(first) = to[0] {
            if to.iter().all(|t| *t == Some(first)) {
                out.push(GridChange::Whole {
                    grid: *gid,
                    to: first.clone(),
                });
                continue;
            }
        }
        let mut parts: Vec<(String, Vec<i64>)> = vec![];
        for (c, t) in compounds.iter().zip(to) {
            let Some(t) = t.filter(|t| **t != current.code) else {
                continue;
            };
            match parts.iter_mut().find(|(code, _)| code == t) {
                Some((_, cs)) => cs.push(*c),
                None => parts.push((t.clone(), vec![*c])),
            }
        }
        out.extend(parts.into_iter().map(|(to, compounds)| GridChange::Part {
            grid: *gid,
            to,
            compounds,
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: i64, parent: Option<i64>, kind: NodeKind, code: &str, path: &str) -> Place {
        Place {
            id,
            parent_id: parent,
            kind,
            code: code.into(),
            path: path.into(),
        }
    }

    /// Community A (1) with grid 10 (compounds 100 and 101) and grid 11 (compound 110);
    /// community B (2) with grid 20 (compound 200). One building per compound.
    fn tree() -> Vec<Place> {
        use NodeKind::*;
        vec![
            place(1, None, Community, "A", "/1/"),
            place(2, None, Community, "B", "/2/"),
            place(10, Some(1), Grid, "A-g10", "/1/10/"),
            place(11, Some(1), Grid, "A-g11", "/1/11/"),
            place(20, Some(2), Grid, "B-g20", "/2/20/"),
            place(100, Some(10), Compound, "c100", "/1/10/100/"),
            place(101, Some(10), Compound, "c101", "/1/10/101/"),
            place(110, Some(11), Compound, "c110", "/1/11/110/"),
            place(200, Some(20), Compound, "c200", "/2/20/200/"),
            place(1000, Some(100), Building, "b100", "/1/10/100/1000/"),
            place(1001, Some(100), Building, "b100x", "/1/10/100/1001/"),
            place(1010, Some(101), Building, "b101", "/1/10/101/1010/"),
            place(1100, Some(110), Building, "b110", "/1/11/110/1100/"),
            place(2000, Some(200), Building, "b200", "/2/20/200/2000/"),
        ]
    }

    fn parts(p: &[(&'static str, Vec<String>)]) -> Vec<(&'static str, Vec<String>)> {
        p.to_vec()
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_grid_moves_whole_or_in_part() {
        let t = tree();
        // c101 leaves grid 10 for a new community N; grid 11 goes whole to B.
        let p = parts(&[
            ("A", s(&["b100", "b100x"])),
            ("N", s(&["b101"])),
            ("B", s(&["b110", "b200"])),
        ]);
        let targets = compound_targets(&t, p.iter().map(|(c, b)| (*c, b.as_slice()))).unwrap();
        assert_eq!(targets[&101], "N");
        assert_eq!(targets[&110], "B");
        assert_eq!(
            grid_changes(&t, &targets).unwrap(),
            vec![
                GridChange::Part {
                    grid: 10,
                    to: "N".into(),
                    compounds: vec![101]
                },
                GridChange::Whole {
                    grid: 11,
                    to: "B".into()
                },
            ]
        );
    }

    #[test]
    fn nothing_changes_when_every_compound_stays() {
        let t = tree();
        let p = parts(&[("A", s(&["b100", "b100x", "b101", "b110"]))]);
        let targets = compound_targets(&t, p.iter().map(|(c, b)| (*c, b.as_slice()))).unwrap();
        assert!(grid_changes(&t, &targets).unwrap().is_empty());
    }

    #[test]
    fn a_plan_that_no_longer_fits_is_stale() {
        let t = tree();
        let check = |p: Vec<(&'static str, Vec<String>)>| {
            compound_targets(&t, p.iter().map(|(c, b)| (*c, b.as_slice())))
        };
        // A building that is not in the tree.
        assert_eq!(check(parts(&[("A", s(&["gone"]))])), Err(Stale));
        // A compound split across two parts.
        assert_eq!(
            check(parts(&[("A", s(&["b100"])), ("N", s(&["b100x"]))])),
            Err(Stale)
        );
        // A building of a placed compound left out (added since the plan was drawn).
        assert_eq!(check(parts(&[("A", s(&["b100"]))])), Err(Stale));
        // A compound code where a building is expected.
        assert_eq!(check(parts(&[("A", s(&["c100"]))])), Err(Stale));
    }
}
