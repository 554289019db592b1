use super::*;
use crate::registry::{IdNumber, Relationship, Residence};
use std::collections::{HashMap, HashSet};

fn city(scale: f64, seed: u64) -> (CityPlan, Vec<CommunityBatch>) {
    let plan = CityPlan::new(scale, seed).unwrap();
    let batches: Vec<_> = plan.batches().collect();
    (plan, batches)
}

#[test]
fn scale_is_checked() {
    assert!(CityPlan::new(0.0, 1).is_err());
    assert!(CityPlan::new(f64::NAN, 1).is_err());
    assert!(CityPlan::new(-1.0, 1).is_err());
    assert!(CityPlan::new(6.0, 1).is_err());
}

#[test]
fn the_whole_city_plan_matches_weihai() {
    let plan = CityPlan::new(1.0, 42).unwrap();
    assert_eq!(plan.communities.len(), 389);
    assert_eq!(plan.count(NodeKind::District), 7);
    let hh = plan.households() as f64;
    assert!((hh - 906_000.0).abs() / 906_000.0 < 0.01, "households {hh}");
    let big = plan
        .communities
        .iter()
        .filter(|c| c.households() > 3000)
        .count();
    assert!((35..=45).contains(&big), "{big} communities above 3,000");
    let avg = hh / 389.0;
    assert!((2280.0..2380.0).contains(&avg), "average {avg}");
    for c in &plan.communities {
        assert!(c.grid_households.iter().all(|h| (300..=500).contains(h)));
    }
    // Codes are unique city-wide.
    let codes: HashSet<_> = plan.nodes.iter().map(|n| n.code.clone()).collect();
    assert_eq!(codes.len(), plan.nodes.len());
    let names: HashSet<_> = plan
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Community)
        .map(|n| &n.name)
        .collect();
    assert_eq!(names.len(), 389, "community names are unique");
}

#[test]
fn real_places_are_there() {
    let (plan, batches) = city(0.003, 7);
    let by_name = |n: &str| {
        plan.nodes
            .iter()
            .find(|x| x.name == n)
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    assert_eq!(by_name("威海市").code.as_str(), "371000000000");
    assert_eq!(by_name("环翠区").code.as_str(), "371002000000");
    assert_eq!(by_name("文登区").code.as_str(), "371003000000");
    assert_eq!(by_name("荣成市").code.as_str(), "371082000000");
    assert_eq!(by_name("乳山市").code.as_str(), "371083000000");
    assert_eq!(by_name("环翠楼街道").code.as_str(), "371002001000");
    let hcl = by_name("环翠楼街道").id;
    assert_eq!(by_name("前进社区").parent_id, Some(hcl));
    assert_eq!(by_name("东北村社区").parent_id, Some(hcl));
    assert_eq!(by_name("古北社区").parent_id, Some(by_name("鲸园街道").id));
    let zc = by_name("张村镇");
    assert_eq!(
        zc.code.as_str(),
        "371002100000",
        "towns are numbered from 100"
    );
    let dt = by_name("东塘社区");
    assert_eq!(dt.parent_id, Some(zc.id));
    assert!(batches
        .iter()
        .flat_map(|b| &b.nodes)
        .any(|n| n.name == "琅声园" && n.path.starts_with(&dt.path)));
    assert_eq!(plan.communities.len(), MIN_COMMUNITIES);
    for kind in ["街道党工委", "社区党总支"] {
        assert!(plan.party_orgs.iter().any(|p| p.kind == kind));
    }
    assert!(batches
        .iter()
        .flat_map(|b| &b.party_orgs)
        .any(|p| p.kind == "网格党支部"));
    assert!(plan.barriers.iter().any(|b| b.kind == "rail"));
    assert!(plan.barriers.iter().any(|b| b.kind == "river"));
    assert!(plan.barriers.iter().any(|b| b.kind == "road"));
}

#[test]
fn tree_codes_paths_and_geometry_are_consistent() {
    let (plan, batches) = city(0.02, 3);
    let mut all: Vec<GenNode> = plan.nodes.clone();
    all.extend(batches.iter().flat_map(|b| b.nodes.iter().cloned()));
    let by_id: HashMap<i64, &GenNode> = all.iter().map(|n| (n.id, n)).collect();
    assert_eq!(by_id.len(), all.len(), "ids unique");
    let ids: Vec<i64> = {
        let mut v: Vec<i64> = all.iter().map(|n| n.id).collect();
        v.sort();
        v
    };
    assert_eq!(
        ids,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "ids dense from 1"
    );
    let codes: HashSet<_> = all.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes.len(), all.len(), "codes unique");
    let area = |n: &GenNode| {
        crate::geo::parse_area(n.boundary.as_deref().expect("a boundary")).expect("a polygon")
    };
    // Shoelace area of the outer ring (degrees²).
    let size = |a: &crate::geo::Area| {
        let r = &a.rings[0];
        (0..r.len())
            .map(|i| {
                let (p, q) = (r[i], r[(i + 1) % r.len()]);
                p.0 * q.1 - q.0 * p.1
            })
            .sum::<f64>()
            .abs()
            / 2.0
    };
    for n in &all {
        assert_eq!(n.code.as_str().len(), NodeCode::len_for(n.kind));
        let Some(pid) = n.parent_id else {
            assert_eq!(n.kind, NodeKind::City);
            assert_eq!(n.path, "/1/");
            continue;
        };
        let p = by_id[&pid];
        assert!(pid < n.id);
        assert_eq!(p.kind.child(), Some(n.kind));
        assert_eq!(n.path, format!("{}{}/", p.path, n.id));
        match n.kind {
            NodeKind::District => {}
            NodeKind::Street => assert_eq!(&n.code.as_str()[..6], &p.code.as_str()[..6]),
            NodeKind::Community => assert_eq!(&n.code.as_str()[..9], &p.code.as_str()[..9]),
            _ => assert!(n.code.as_str().starts_with(p.code.as_str())),
        }
        // Every place's point (a building's position, an area's label) is inside its parent.
        let pa = area(p);
        assert!(
            pa.contains((n.x.unwrap(), n.y.unwrap())),
            "{} inside {}",
            n.name,
            p.name
        );
        if n.kind != NodeKind::Building {
            let b = area(n).bbox;
            const EPS: f64 = 1e-5;
            assert!(
                b.min_x >= pa.bbox.min_x - EPS
                    && b.max_x <= pa.bbox.max_x + EPS
                    && b.min_y >= pa.bbox.min_y - EPS
                    && b.max_y <= pa.bbox.max_y + EPS,
                "{} inside {}",
                n.name,
                p.name
            );
            assert!(b.min_x > 121.9 && b.max_x < 122.6 && b.min_y > 36.85 && b.max_y < 37.6);
        }
    }
    // Communities tile their street (up to the chords of the densified borders), and their
    // borders are curves, not rectangles.
    for s in all.iter().filter(|n| n.kind == NodeKind::Street) {
        let parts: Vec<_> = all
            .iter()
            .filter(|c| c.parent_id == Some(s.id))
            .map(|c| area(c))
            .collect();
        let sum: f64 = parts.iter().map(&size).sum();
        let sa = size(&area(s));
        assert!((sum - sa).abs() / sa < 1e-3, "communities tile {}", s.name);
        for a in &parts {
            let r = &a.rings[0];
            assert!(
                r.len() > 8,
                "a community's border has more than four corners"
            );
            let slanted = r
                .windows(2)
                .filter(|w| (w[0].0 - w[1].0).abs() > 1e-7 && (w[0].1 - w[1].1).abs() > 1e-7)
                .count();
            assert!(
                slanted * 2 > r.len(),
                "most border segments are not axis-parallel"
            );
        }
    }
    // No compound straddles a barrier line: no point of a road or river is inside a compound.
    let barriers: Vec<&GenBarrier> = plan
        .barriers
        .iter()
        .chain(batches.iter().flat_map(|b| &b.barriers))
        .collect();
    let compounds: Vec<(&GenNode, crate::geo::Area)> = all
        .iter()
        .filter(|n| n.kind == NodeKind::Compound)
        .map(|c| (c, area(c)))
        .collect();
    for b in &barriers {
        assert!(b.geometry.starts_with("{\"type\":\"LineString\""));
        let v: serde_json::Value = serde_json::from_str(&b.geometry).unwrap();
        let pts: Vec<(f64, f64)> = v["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect();
        assert!(pts.len() > 3, "a barrier is a polyline");
        for (c, a) in &compounds {
            assert!(
                !pts.iter().any(|p| a.contains(*p)),
                "{} crosses {}",
                c.name,
                b.name
            );
        }
    }
}

#[test]
fn the_warp_is_one_to_one_and_small() {
    // Its Jacobian stays within 0.9 of the identity everywhere (Frobenius norm, which bounds the
    // spectral norm: below 1 on a convex region the map is one-to-one, so no border folds over
    // another), and it moves no point by more than ≈ 350 m.
    let h = 1e-7;
    for i in 0..2000 {
        let x = 122.0 + 0.5 * (i as f64 * 0.6180339887).fract();
        let y = 36.9 + 0.65 * (i as f64 * 0.7548776662).fract();
        let (wx, wy) = warp((x, y));
        assert!((wx - x).abs() < 0.0035 && (wy - y).abs() < 0.0035);
        let (ax, ay) = warp((x + h, y));
        let (bx, by) = warp((x, y + h));
        let j = [
            [(ax - wx) / h - 1.0, (bx - wx) / h],
            [(ay - wy) / h, (by - wy) / h - 1.0],
        ];
        let norm = j.iter().flatten().map(|v| v * v).sum::<f64>().sqrt();
        assert!(
            norm < 0.9,
            "Jacobian off the identity by {norm} at ({x}, {y})"
        );
    }
}

#[test]
fn households_and_residents_are_valid() {
    let (plan, batches) = city(0.02, 11);
    let mut ids = HashSet::new();
    let mut rooms = HashSet::new();
    let mut n_res = 0usize;
    let mut n_hh = 0usize;
    for b in &batches {
        let heads: HashMap<i64, i64> = b.households.iter().map(|h| (h.id, h.head_id)).collect();
        let mut heads_seen: HashMap<i64, usize> = HashMap::new();
        for h in &b.households {
            assert!(
                rooms.insert((h.building_id, h.unit, h.room.clone())),
                "room unique"
            );
            assert!(crate::registry::parse_room(&h.room).is_ok());
        }
        for r in &b.residents {
            let nr = &r.resident;
            nr.check().unwrap();
            let parsed = IdNumber::parse(nr.id_number.as_str()).unwrap();
            assert_eq!(parsed.birth_date(), Some(nr.birth_date));
            assert!(ids.insert(nr.id_number.as_str().to_string()), "ID unique");
            let region: u32 = nr.id_number.as_str()[..6].parse().unwrap();
            assert!(names::DISTRICTS.iter().any(|d| d.region == region));
            if nr.relationship == Relationship::Head {
                *heads_seen.entry(r.household_id).or_default() += 1;
                assert_eq!(heads[&r.household_id], r.id);
            }
        }
        assert!(
            b.households
                .iter()
                .all(|h| heads_seen.get(&h.id) == Some(&1)),
            "one head per household"
        );
        n_res += b.residents.len();
        n_hh += b.households.len();
    }
    assert_eq!(n_hh as u64, plan.households());
    let avg = n_res as f64 / n_hh as f64;
    assert!((2.2..2.4).contains(&avg), "household size {avg}");
}

#[test]
fn grids_hold_300_to_500_households() {
    let (_, batches) = city(0.02, 5);
    for b in &batches {
        let grids: Vec<&GenNode> = b
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Grid)
            .collect();
        for g in grids {
            let n = b
                .households
                .iter()
                .filter(|h| h.path.starts_with(&g.path))
                .count();
            assert!((300..=500).contains(&n), "{} has {n}", g.name);
        }
    }
}

#[test]
fn same_seed_same_city_other_seed_other_city() {
    let a: Vec<_> = CityPlan::new(0.01, 9).unwrap().batches().take(2).collect();
    let b: Vec<_> = CityPlan::new(0.01, 9).unwrap().batches().take(2).collect();
    let c: Vec<_> = CityPlan::new(0.01, 10).unwrap().batches().take(2).collect();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.nodes, y.nodes);
        assert_eq!(x.households, y.households);
        assert_eq!(x.residents, y.residents);
        assert_eq!(x.party_orgs, y.party_orgs);
    }
    assert_ne!(a[0].residents, c[0].residents);
    assert_ne!(a[0].nodes, c[0].nodes);
}

#[test]
fn rates_are_plausible() {
    let (_, batches) = city(0.05, 1);
    let res: Vec<&NewResident> = batches
        .iter()
        .flat_map(|b| b.residents.iter().map(|r| &r.resident))
        .collect();
    let n = res.len() as f64;
    let rate = |f: &dyn Fn(&NewResident) -> bool| res.iter().filter(|r| f(r)).count() as f64 / n;
    let age = |r: &NewResident| crate::time_fmt::age_on(r.birth_date, REFERENCE_DATE);
    let old = rate(&|r| age(r) >= 65);
    let young = rate(&|r| age(r) < 15);
    let party = rate(&|r| r.tags.party_member);
    let vol = rate(&|r| r.tags.volunteer);
    let floating = rate(&|r| r.residence == Residence::Floating);
    let disabled = rate(&|r| r.tags.disability_grade.is_some());
    let low = rate(&|r| r.tags.low_income.is_some());
    let child = rate(&|r| r.tags.child_in_difficulty);
    let alone = rate(&|r| r.tags.elderly_alone) / old;
    let phones = rate(&|r| r.phone.is_some() && age(r) >= 18) / rate(&|r| age(r) >= 18);
    let fdk_old = rate(&|r| r.tags.family_doctor_key && age(r) >= 65) / old;
    let report = format!(
        "65+ {old:.3} <15 {young:.3} party {party:.3} vol {vol:.3} floating {floating:.3} disabled {disabled:.3} low {low:.4} child {child:.4} alone/65+ {alone:.3} phones {phones:.3} fdk/65+ {fdk_old:.3}"
    );
    eprintln!("{report}");
    assert!((0.15..0.26).contains(&old), "{report}");
    assert!((0.07..0.16).contains(&young), "{report}");
    assert!((0.06..0.08).contains(&party), "{report}");
    assert!((0.25..0.32).contains(&vol), "{report}");
    assert!((0.12..0.18).contains(&floating), "{report}");
    assert!((0.015..0.025).contains(&disabled), "{report}");
    assert!((0.010..0.020).contains(&low), "{report}");
    assert!((0.0015..0.0045).contains(&child), "{report}");
    assert!((0.015..0.05).contains(&alone), "{report}");
    assert!(phones > 0.85, "{report}");
    assert!(fdk_old > 0.85, "{report}");
    assert!(res
        .iter()
        .all(|r| r.tags.disability_grade.is_none() || r.tags.family_doctor_key));
}

#[test]
fn tiles_cover_their_rectangle() {
    let r = Rect {
        w: 0.0,
        s: 0.0,
        e: 2.0,
        n: 1.0,
    };
    let (cells, lines) = tile(r, &[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(cells.len(), 5);
    assert_eq!(lines.len(), 2);
    let area: f64 = cells.iter().map(|c| c.area()).sum();
    assert!((area - 2.0).abs() < 1e-9);
    assert!(cells.iter().all(|c| r.contains(c)));
    assert!((cells[4].area() / cells[0].area() - 5.0).abs() < 1e-6);
    assert_eq!(Rect::parse_geojson(&r.geojson()), Some(r));
}
