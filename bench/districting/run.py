"""Run jingzhi and the field's partitioners on the same instances and print one table.

Instances: every oversized community of the demo city (split), the street holding most of
them (re-drawn whole), and grid graphs of growing size. Each tool gets the building graph with
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
    ap.add_argument("--city", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--grids", default="10,20,40,70")
    ap.add_argument("--communities", type=int, default=0, help="only the first N oversized communities (0 = all)")
    ap.add_argument("--skip-maxp-above", type=int, default=300, help="nodes; max-p is slow on large graphs (over 300 s for a 400-node grid here)")
    args = ap.parse_args()
    city = load(args.city)
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
    jz = {nm: s for nm, _, t, m, s, _ in rows if t == "jingzhi" and m}
    gc = {nm: s for nm, _, t, m, s, _ in rows if t == "gerrychain recursive_tree_part" and m}
    common = sorted(set(jz) & set(gc))
    if common:
        print(f"seconds on instances both solved: jingzhi {sum(jz[c] for c in common):.2f}, gerrychain {sum(gc[c] for c in common):.2f} "
              f"({sum(gc[c] for c in common) / max(1e-9, sum(jz[c] for c in common)):.1f}x)")


if __name__ == "__main__":
    mp.set_start_method("fork")
    main()
