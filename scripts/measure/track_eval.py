#!/usr/bin/env python3
"""The tracker against per-frame detection on sequences made by scripts/make_sequences.py.
  track_eval.py SEQ_DIR   (each sequence folder holds labels.csv, track.csv from `predict --track`, raw.csv from
                           `predict --track --no-smoothing`, frames.csv from `predict --faces` on the same frames)
Per sequence: NME_io per frame (mean over labelled faces, each matched to the predicted face whose points' box overlaps
its own most, IoU >= 0.5; a miss counts 100%), jitter (mean frame-to-frame movement of each point, % of the inter-ocular
distance, on `still`), mean error on moving sequences, and identity changes of each labelled face (`cross`, `leave`)."""
import csv, math, os, statistics, sys

def read(path, key):
    out = {}
    if not os.path.exists(path): return out
    for r in csv.DictReader(open(path)):
        f = int(r[key]) if key == "frame" else int(r["image"].split("_")[-1].split(".")[0])
        pts = [(float(r[f"x{k}"]), float(r[f"y{k}"])) for k in range(68)]
        out.setdefault(f, []).append((r.get("face", "?"), pts))
    return out

def box(p):
    xs = [q[0] for q in p]; ys = [q[1] for q in p]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

def iou(a, b):
    a, b = box(a), box(b)
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]); h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return 0 if w <= 0 or h <= 0 else w * h / (a[2] * a[3] + b[2] * b[3] - w * h)

def match(truth, preds):
    best = max(preds, key=lambda p: iou(truth, p[1]), default=None)
    return best if best is not None and iou(truth, best[1]) >= 0.5 else None

def evaluate(folder, name):
    labels = read(os.path.join(folder, "labels.csv"), "frame")
    out = {}
    for run, path, key in (("tracker", "track.csv", "frame"), ("raw", "raw.csv", "frame"), ("per-frame", "frames.csv", "image")):
        preds = read(os.path.join(folder, path), key)
        nmes, moves, ids, prev = [], [], {}, {}
        for f in sorted(labels):
            # One-to-one: each predicted face goes to the labelled face it overlaps most (greedy, best pair first).
            pairs = sorted(((iou(t, p[1]), i, j) for i, (_, t) in enumerate(labels[f]) for j, p in enumerate(preds.get(f, []))), reverse=True)
            taken, given = {}, set()
            for v, i, j in pairs:
                if v >= 0.5 and i not in taken and j not in given: taken[i] = preds[f][j]; given.add(j)
            for i, (face, truth) in enumerate(labels[f]):
                iod = math.dist(truth[36], truth[45])
                m = taken.get(i)
                if m is None: nmes.append(100.0); prev.pop(face, None); continue
                nmes.append(statistics.mean(math.dist(a, b) for a, b in zip(truth, m[1])) / iod * 100)
                ids.setdefault(face, []).append(m[0])
                if face in prev:
                    # movement of the prediction minus the truth's own movement, per point
                    moves.append(statistics.mean(math.dist((p[0] - q[0], p[1] - q[1]), (t[0] - u[0], t[1] - u[1]))
                                                 for p, q, t, u in zip(m[1], prev[face][0], truth, prev[face][1])) / iod * 100)
                prev[face] = (m[1], truth)
        # A swap: one identity given to two labelled faces. A change: a labelled face's identity differs from its last one
        # (a face lost, e.g. hidden, and found again gets a new identity: a change, not a swap).
        owners = {}
        for face, v in ids.items():
            for i in v: owners.setdefault(i, set()).add(face)
        swaps = (sum(1 for o in owners.values() if len(o) > 1), sum(sum(1 for a, b in zip(v, v[1:]) if a != b) for v in ids.values())) if run != "per-frame" else None
        out[run] = (statistics.mean(nmes), statistics.mean(moves) if moves else float("nan"), swaps)
    return out

root = sys.argv[1]
print("sequence | run | NME_io per frame | jitter (% IOD per frame) | identity swaps, changes")
groups = {}
for name in sorted(os.listdir(root)):
    folder = os.path.join(root, name)
    if not os.path.isdir(folder): continue
    for run, (nme, jit, swaps) in evaluate(folder, name).items():
        ids = "" if swaps is None else "%d, %d" % swaps
        print(f"{name} | {run} | {nme:.2f}% | {jit:.3f} | {ids}")
        groups.setdefault((name.split("_")[0], run), []).append((nme, jit, swaps))
# Sequences of several faces (make_sequences.py --pairs N): the mean per motion, swaps and changes summed.
if any(len(v) > 1 for v in groups.values()):
    print("\nmotion (faces) | run | mean NME_io per frame | mean jitter | identity swaps, changes")
    for (motion, run), v in groups.items():
        ids = "" if v[0][2] is None else "%d, %d" % (sum(x[2][0] for x in v), sum(x[2][1] for x in v))
        print(f"{motion} ({len(v)}) | {run} | {statistics.mean(x[0] for x in v):.2f}% | {statistics.mean(x[1] for x in v):.3f} | {ids}")
