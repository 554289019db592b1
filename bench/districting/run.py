"""Run jingzhi and the field's partitioners on the same instances and print one table.

Instances: every oversized community of the demo city (split), the street holding most of
them (re-drawn whole), grid graphs of growing size, and generated towns like the graphs of the
checks in issue 9 section 7 (barriers, removed long edges, mixed compound sizes; 30 to 200
compounds, two seeds each, see generated_instance). Each tool gets the building graph with
household weights and the number of parts k = ceil(households / cap); jingzhi also knows compounds
and the min/cap bounds. Every result is scored by the same evaluator: cap violations, parts below
the minimum, non-contiguous parts, split compounds, cut edges, households moved away from their
community, max deviation from the mean, seconds.
"""

import argparse
import json
import math
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict

TIMEOUT = int(os.environ.get("JZ_BENCH_TIMEOUT", "120"))
PROCESS_SECONDS = {}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def sub_instance(inst, keep):
    ids = [n for n in inst["nodes"] if keep(n)]
    idset = {n["id"] for n in ids}
    edges = [e for e in inst["edges"] if e[0] in idset and e[1] in idset]
    return {"cap": inst["cap"], "min": inst["min"], "nodes": ids, "edges": edges}


def grid_instance(w, h, seed):
    rnd = random.Random(seed)
    nodes, edges = [], []
    for y in range(h):
        for x in range(w):
            nodes.append({
                "id": f"g{x}_{y}", "households": rnd.randint(20, 80),
                "compound": f"c{x // 2}_{y // 2}", "community": "G", "grid": f"r{x // 8}_{y // 8}",
                "x": 122.0 + x * 0.001, "y": 37.4 + y * 0.001,
            })
            if x + 1 < w:
                edges.append([f"g{x}_{y}", f"g{x + 1}_{y}"])
            if y + 1 < h:
                edges.append([f"g{x}_{y}", f"g{x}_{y + 1}"])
    return {"cap": 3000, "min": 1000, "nodes": nodes, "edges": edges}


def _crosses(p, q, a, b):
    """Whether segment p-q crosses segment a-b (proper intersection), and where."""
    d = (q[0] - p[0]) * (b[1] - a[1]) - (q[1] - p[1]) * (b[0] - a[0])
    if d == 0:
        return None
    t = ((a[0] - p[0]) * (b[1] - a[1]) - (a[1] - p[1]) * (b[0] - a[0])) / d
    u = ((a[0] - p[0]) * (q[1] - p[1]) - (a[1] - p[1]) * (q[0] - p[0])) / d
    if 0 < t < 1 and 0 < u < 1:
        return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
    return None


def generated_instance(seed, compounds, cap=3000, lo=1000):
    """A generated town like the checks' graphs: mixed compound sizes (towers of one building,
    estates of 3-8, old blocks and villages of 10-20 small buildings), a few empty areas, a
    Delaunay graph of the buildings with edges above 250 m removed and edges across 2-3 barrier
    lines (roads, a river) removed except near 1-2 crossings each. As in jingzhi's own graph
    (graph::restore_for_small_pieces), a piece below the minimum gets its removed edges back, and
    the pieces left (buildings only, compounds not joined) are joined by their shortest removed
    edge so that every tool gets one connected graph (METIS refuses a contiguous partition of a
    graph in pieces). One community, planned in split mode."""
    from scipy.spatial import Delaunay
    rnd = random.Random(seed)
    side = 120.0 * math.sqrt(compounds)  # metres
    holes = [(rnd.uniform(0, side), rnd.uniform(0, side), rnd.uniform(0.08, 0.18) * side) for _ in range(3)]
    pts, hh, comp = [], [], []
    c = 0
    while c < compounds:
        cx, cy = rnd.uniform(0, side), rnd.uniform(0, side)
        if any((cx - hx) ** 2 + (cy - hy) ** 2 < r * r for hx, hy, r in holes):
            continue
        kind = rnd.random()
        if kind < 0.3:
            sizes = [rnd.randint(150, 400)]
        elif kind < 0.8:
            sizes = [rnd.randint(20, 80) for _ in range(rnd.randint(3, 8))]
        else:
            sizes = [rnd.randint(10, 40) for _ in range(rnd.randint(10, 20))]
        spread = 12.0 * math.sqrt(len(sizes))
        for h in sizes:
            pts.append((cx + rnd.gauss(0, spread), cy + rnd.gauss(0, spread)))
            hh.append(h)
            comp.append(c)
        c += 1
    n = len(pts)
    barriers = []
    for _ in range(rnd.randint(2, 3)):
        if rnd.random() < 0.5:
            a, b = (0.0, rnd.uniform(0, side)), (side, rnd.uniform(0, side))
        else:
            a, b = (rnd.uniform(0, side), 0.0), (rnd.uniform(0, side), side)
        crossings = [rnd.uniform(0.1, 0.9) for _ in range(rnd.randint(1, 2))]
        barriers.append((a, b, [(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])) for t in crossings]))
    tri = Delaunay(pts)
    pairs = set()
    for s in tri.simplices:
        for i in range(3):
            u, v = sorted((int(s[i]), int(s[(i + 1) % 3])))
            pairs.add((u, v))
    dist = lambda u, v: math.dist(pts[u], pts[v])
    kept, dropped = [], []
    for u, v in sorted(pairs):
        gone = dist(u, v) > 250.0
        for a, b, crossings in barriers:
            x = _crosses(pts[u], pts[v], a, b)
            if x is not None and all(math.dist(x, cr) > 40.0 for cr in crossings):
                gone = True
        (dropped if gone else kept).append((u, v))

    def pieces(edges, join_compounds=True):
        parent = list(range(n))
        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        first = {}
        for i in range(n if join_compounds else 0):
            if comp[i] in first:
                parent[find(i)] = find(first[comp[i]])
            else:
                first[comp[i]] = i
        for u, v in edges:
            parent[find(u)] = find(v)
        return [find(i) for i in range(n)]

    while True:
        root = pieces(kept)
        weight = defaultdict(int)
        for i in range(n):
            weight[root[i]] += hh[i]
        small = {r for r, w in weight.items() if w < lo}
        back = [e for e in dropped if root[e[0]] in small or root[e[1]] in small]
        if not back:
            break
        kept += back
        dropped = [e for e in dropped if e not in set(back)]
    while len(set(root := pieces(kept, join_compounds=False))) > 1:
        join = min((e for e in dropped if root[e[0]] != root[e[1]]), key=lambda e: dist(*e))
        kept.append(join)
        dropped.remove(join)
    lat = 37.4
    nodes = [{
        "id": f"t{seed}b{i:04}", "households": hh[i], "compound": f"t{seed}c{comp[i]:03}", "community": "T",
        "grid": f"t{seed}g{int(pts[i][0] // 400)}_{int(pts[i][1] // 400)}",
        "x": 122.0 + pts[i][0] / (111320.0 * math.cos(math.radians(lat))), "y": lat + pts[i][1] / 110540.0,
    } for i in range(n)]
    edges = sorted([nodes[u]["id"], nodes[v]["id"]] for u, v in kept)
    return {"cap": cap, "min": lo, "nodes": nodes, "edges": edges}


def evaluate(inst, assignment):
    """assignment: node id -> part label."""
    cap, lo = inst["cap"], inst["min"]
    nodes = {n["id"]: n for n in inst["nodes"]}
    parts = defaultdict(list)
    for nid, p in assignment.items():
        parts[p].append(nid)
    adj = defaultdict(set)
    for a, b in inst["edges"]:
        adj[a].add(b)
        adj[b].add(a)
    hh = {p: sum(nodes[n]["households"] for n in ms) for p, ms in parts.items()}
    noncontig = 0
    for p, ms in parts.items():
        mset, seen, stack = set(ms), {ms[0]}, [ms[0]]
        # a compound counts as one place: its buildings are joined
        comp_members = defaultdict(list)
        for n in ms:
            comp_members[nodes[n]["compound"]].append(n)
        while stack:
            u = stack.pop()
            nbrs = set(adj[u]) | set(comp_members[nodes[u]["compound"]])
            for v in nbrs:
                if v in mset and v not in seen:
                    seen.add(v)
                    stack.append(v)
        if len(seen) != len(ms):
            noncontig += 1
    comp_parts = defaultdict(set)
    for nid, p in assignment.items():
        comp_parts[nodes[nid]["compound"]].add(p)
    split_compounds = sum(1 for s in comp_parts.values() if len(s) > 1)
    cut = sum(1 for a, b in inst["edges"] if assignment.get(a) != assignment.get(b))
    # households moved: label each part with the community it overlaps most (each once)
    overlaps = []
    for p, ms in parts.items():
        by = defaultdict(int)
        for n in ms:
            by[nodes[n]["community"]] += nodes[n]["households"]
        overlaps += [(h, str(p), c) for c, h in by.items()]
    overlaps.sort(key=lambda t: (-t[0], t[1], t[2]))
    label, used = {}, set()
    for h, p, c in overlaps:
        if p not in label and c not in used:
            label[p] = c
            used.add(c)
    moved = sum(nodes[n]["households"] for p, ms in parts.items() for n in ms if label.get(str(p)) != nodes[n]["community"])
    mean = statistics.mean(hh.values()) if hh else 0
    dev = max(abs(h - mean) / mean for h in hh.values()) if mean else 0
    return {
        "parts": len(parts), "over_cap": sum(1 for h in hh.values() if h > cap),
        "under_min": sum(1 for h in hh.values() if h < lo), "noncontig": noncontig,
        "split_compounds": split_compounds, "cut_edges": cut, "moved": moved, "max_dev": dev,
    }


def k_of(inst):
    total = sum(n["households"] for n in inst["nodes"])
    return max(1, math.ceil(total / inst["cap"]))


def run_jingzhi(binary, inst, work, name, mode):
    gpath = os.path.join(work, f"{name}.graph.json")
    ppath = os.path.join(work, f"{name}.plan.json")
    with open(gpath, "w", encoding="utf-8") as f:
        json.dump(inst, f, ensure_ascii=False)
    t = time.perf_counter()
    # --graph plans from the file; --data only keeps the binary from creating ./data here.
    r = subprocess.run([binary, "--data", os.path.join(work, "scratch-data"), "redistrict", "plan", "--graph", gpath,
                        "--mode", mode, "--seed", "1", "--out", ppath],
                       capture_output=True, text=True, timeout=TIMEOUT)
    secs = time.perf_counter() - t
    if r.returncode != 0:
        return None, secs, r.stderr.strip()[-200:]
    plan = load(ppath)
    if plan.get("infeasible"):
        return None, secs, "infeasible: " + json.dumps(plan["infeasible"], ensure_ascii=False)[:200]
    # The planner's own time, as the Python tools are timed (the library call alone); the whole
    # process (start-up, opening the database) is kept beside it.
    planner = plan.get("metrics", {}).get("planner_seconds")
    if planner is not None:
        PROCESS_SECONDS[name] = secs
        secs = planner
    assignment = {}
    for i, part in enumerate(plan["parts"]):
        for b in part["buildings"]:
            assignment[b] = f"j{i}"
    return assignment, secs, ""


def _metis(inst, k):
    import pymetis
    ids = [n["id"] for n in inst["nodes"]]
    index = {i: j for j, i in enumerate(ids)}
    adj = [[] for _ in ids]
    for a, b in inst["edges"]:
        adj[index[a]].append(index[b])
        adj[index[b]].append(index[a])
    w = [n["households"] for n in inst["nodes"]]
    _, membership = pymetis.part_graph(k, adjacency=adj, vweights=w, options=pymetis.Options(contig=1))
    return {ids[j]: f"m{p}" for j, p in enumerate(membership)}


def _gerry(inst, k):
    import networkx as nx
    from gerrychain import Graph
    from gerrychain.partition.initial_partition_generators import recursive_tree_part
    g = nx.Graph()
    for n in inst["nodes"]:
        g.add_node(n["id"], households=n["households"])
    g.add_edges_from((a, b) for a, b in inst["edges"])
    total = sum(n["households"] for n in inst["nodes"])
    target = total / k
    eps = max(0.01, min(0.5, (inst["cap"] - target) / target, (target - inst["min"]) / target))
    graph = Graph.from_networkx(g)
    part = recursive_tree_part(graph, range(k), target, "households", eps, rng=1)
    # gerrychain 1.0 answers with its internal node ids when given a networkx graph.
    names = list(g.nodes)
    out = {}
    for nid, p in part.items():
        out[nid if nid in g else names[nid]] = f"g{p}"
    return out


def _maxp(inst, k):
    import geopandas as gpd
    import libpysal
    from shapely.geometry import Point
    from spopt.region import MaxPHeuristic
    ids = [n["id"] for n in inst["nodes"]]
    index = {i: j for j, i in enumerate(ids)}
    neighbors = {j: [] for j in range(len(ids))}
    for a, b in inst["edges"]:
        neighbors[index[a]].append(index[b])
        neighbors[index[b]].append(index[a])
    w = libpysal.weights.W(neighbors, silence_warnings=True)
    gdf = gpd.GeoDataFrame({"hh": [n["households"] for n in inst["nodes"]], "x": [n["x"] for n in inst["nodes"]],
                            "y": [n["y"] for n in inst["nodes"]]},
                           geometry=[Point(n["x"], n["y"]) for n in inst["nodes"]])
    model = MaxPHeuristic(gdf, w, ["x", "y"], "hh", inst["min"], top_n=2)
    model.solve()
    return {ids[j]: f"p{lab}" for j, lab in enumerate(model.labels_)}


TOOLS = {"pymetis (contig)": _metis, "gerrychain recursive_tree_part": _gerry, "spopt max-p": _maxp}


def _child(fn, inst, k, q):
    try:
        t = time.perf_counter()
        a = fn(inst, k)
        q.put((a, time.perf_counter() - t, ""))
    except Exception as e:  # a tool's own failure is a result, not a crash of the bench
        q.put((None, 0.0, f"{type(e).__name__}: {e}"[:200]))


def run_tool(fn, inst, k):
    q = mp.Queue()
    p = mp.Process(target=_child, args=(fn, inst, k, q))
    t = time.perf_counter()
    p.start()
    p.join(TIMEOUT)
    if p.is_alive():
        p.terminate()
        return None, time.perf_counter() - t, f"timeout > {TIMEOUT}s"
    try:
        return q.get(timeout=5)
    except Exception:
        return None, time.perf_counter() - t, "no result"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jingzhi", required=True)
    ap.add_argument("--city", default="", help="the exported city graph; empty: generated instances only")
    ap.add_argument("--work", required=True)
    ap.add_argument("--grids", default="10,20,40,70")
    ap.add_argument("--communities", type=int, default=0, help="only the first N oversized communities (0 = all)")
    ap.add_argument("--skip-maxp-above", type=int, default=300, help="nodes; max-p is slow on large graphs (over 300 s for a 400-node grid here)")
    ap.add_argument("--generated", default="30,45,60,80,100,130,160,200",
                    help="compound counts of the generated towns (barriers, removed long edges, mixed compounds)")
    ap.add_argument("--generated-seeds", type=int, default=2, help="towns per compound count")
    args = ap.parse_args()
    city = load(args.city) if args.city else {"cap": 3000, "min": 1000, "nodes": [], "edges": []}
    by_comm = defaultdict(int)
    street_of = {}
    for n in city["nodes"]:
        by_comm[n["community"]] += n["households"]
        street_of[n["community"]] = n["community"][:9]
    oversized = sorted(c for c, h in by_comm.items() if h > city["cap"])
    chosen = oversized[: args.communities] if args.communities else oversized
    instances = [(f"community {c}", sub_instance(city, lambda n, c=c: n["community"] == c), "split") for c in chosen]
    if oversized:
        counts = defaultdict(int)
        for c in oversized:
            counts[street_of[c]] += 1
        street = max(sorted(counts), key=lambda s: counts[s])
        instances.append((f"street {street}000", sub_instance(city, lambda n: n["community"].startswith(street)), "street"))
    for s in [int(x) for x in args.grids.split(",") if x]:
        instances.append((f"grid {s}x{s}", grid_instance(s, s, s), "split"))
    for c in [int(x) for x in args.generated.split(",") if x]:
        for seed in range(1, args.generated_seeds + 1):
            instances.append((f"town {c}c s{seed}", generated_instance(1000 * c + seed, c), "split"))

    rows = []
    jingzhi_total = 0.0
    for name, inst, mode in instances:
        k = k_of(inst)
        fname = name.replace(" ", "_")
        a, secs, err = run_jingzhi(args.jingzhi, inst, args.work, fname, mode)
        if name.startswith("community"):
            jingzhi_total += secs
        rows.append((name, len(inst["nodes"]), "jingzhi", evaluate(inst, a) if a else None, secs, err))
        for tool, fn in TOOLS.items():
            if fn is _maxp and len(inst["nodes"]) > args.skip_maxp_above:
                rows.append((name, len(inst["nodes"]), tool, None, 0.0, f"skipped (> {args.skip_maxp_above} nodes)"))
                continue
            a, secs, err = run_tool(fn, inst, k)
            rows.append((name, len(inst["nodes"]), tool, evaluate(inst, a) if a else None, secs, err))
        sys.stderr.write(f"done {name}\n")

    head = "| instance | nodes | tool | parts | over cap | under min | non-contig | split compounds | cut edges | hh moved | max dev | seconds |"
    print(head)
    print("|" + "---|" * 12)
    for name, n, tool, m, secs, err in rows:
        if m is None:
            print(f"| {name} | {n} | {tool} | — | — | — | — | — | — | — | — | {secs:.2f} ({err}) |")
        else:
            print(f"| {name} | {n} | {tool} | {m['parts']} | {m['over_cap']} | {m['under_min']} | {m['noncontig']} | "
                  f"{m['split_compounds']} | {m['cut_edges']} | {m['moved']} | {m['max_dev']:.2f} | {secs:.2f} |")
    print()
    whole = sum(PROCESS_SECONDS.get(n.replace(" ", "_"), 0) for n, _, _ in instances if n.startswith("community"))
    print(f"jingzhi, {len(chosen)} of {len(oversized)} oversized communities: {jingzhi_total:.2f} s planning "
          f"({whole:.2f} s as whole processes)")
    print(f"jingzhi seconds are the planner's own (metrics.planner_seconds); whole processes: "
          f"{sum(PROCESS_SECONDS.values()):.2f} s over all instances")
    # Summary against the targets
    def med(tool, key):
        vals = [m[key] for _, _, t, m, _, _ in rows if t == tool and m]
        return statistics.median(vals) if vals else None
    def secs_sum(tool):
        return sum(s for _, _, t, m, s, _ in rows if t == tool and m)
    viol = sum(m["over_cap"] + m["under_min"] + m["noncontig"] + m["split_compounds"]
               for _, _, t, m, _, _ in rows if t == "jingzhi" and m)
    print(f"jingzhi hard-constraint violations: {viol}")
    print(f"median cut edges: jingzhi {med('jingzhi', 'cut_edges')}, pymetis {med('pymetis (contig)', 'cut_edges')}")
    for prefix, what in [("community", "oversized communities"), ("town", "generated towns")]:
        jz_cut = {nm: m["cut_edges"] for nm, _, t, m, _, _ in rows if t == "jingzhi" and m and nm.startswith(prefix)}
        mt_cut = {nm: m["cut_edges"] for nm, _, t, m, _, _ in rows if t == "pymetis (contig)" and m and nm.startswith(prefix)}
        both = sorted(set(jz_cut) & set(mt_cut))
        if both:
            ratios = [jz_cut[c] / mt_cut[c] for c in both if mt_cut[c]]
            print(f"{what} ({len(both)} both solved): median cut edges jingzhi {statistics.median(jz_cut[c] for c in both)}, "
                  f"pymetis {statistics.median(mt_cut[c] for c in both)}; median ratio jingzhi/pymetis "
                  f"{statistics.median(ratios) if ratios else float('nan'):.2f}")
    jz = {nm: s for nm, _, t, m, s, _ in rows if t == "jingzhi" and m}
    gc = {nm: s for nm, _, t, m, s, _ in rows if t == "gerrychain recursive_tree_part" and m}
    common = sorted(set(jz) & set(gc))
    if common:
        print(f"seconds on instances both solved: jingzhi {sum(jz[c] for c in common):.2f}, gerrychain {sum(gc[c] for c in common):.2f} "
              f"({sum(gc[c] for c in common) / max(1e-9, sum(jz[c] for c in common)):.1f}x)")


if __name__ == "__main__":
    mp.set_start_method("fork")
    main()
