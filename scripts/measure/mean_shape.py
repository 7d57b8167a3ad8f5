#!/usr/bin/env python3
"""The mean face shape of the 300-W training faces (points 17-67: brows, nose, eyes, mouth; no jaw), for
FaceChipTemplate.DlibStyle: generalized Procrustes (each face aligned to the running mean by a least-squares similarity,
averaged, five rounds), then scaled so that the points span [0, 1] on the longer axis, centred.
  mean_shape.py [labels_ibug_300W_train.xml]    prints the C# array (x0, y0, x1, y1, ...)"""
import math, os, sys, xml.etree.ElementTree as ET
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/ibug_300w/labels_ibug_300W_train.xml")
shapes = []
for im in ET.parse(path).getroot().iter("image"):
    for b in im.findall("box"):
        p = {int(q.get("name")): (float(q.get("x")), float(q.get("y"))) for q in b.findall("part")}
        shapes.append([p[k] for k in range(17, 68)])

def fit(src, dst):
    n = len(src); mx = sum(p[0] for p in src) / n; my = sum(p[1] for p in src) / n
    ux = sum(p[0] for p in dst) / n; uy = sum(p[1] for p in dst) / n
    sxx = dot = cross = 0.0
    for (x, y), (u, v) in zip(src, dst):
        x -= mx; y -= my; u -= ux; v -= uy
        sxx += x * x + y * y; dot += x * u + y * v; cross += x * v - y * u
    a, b = dot / sxx, cross / sxx
    return [(a * (x - mx) - b * (y - my) + ux, b * (x - mx) + a * (y - my) + uy) for x, y in src]

mean = shapes[0]
for _ in range(5):
    aligned = [fit(s, mean) for s in shapes]
    mean = [(sum(a[k][0] for a in aligned) / len(aligned), sum(a[k][1] for a in aligned) / len(aligned)) for k in range(len(mean))]
xs = [p[0] for p in mean]; ys = [p[1] for p in mean]
side = max(max(xs) - min(xs), max(ys) - min(ys))
cx = (max(xs) + min(xs)) / 2; cy = (max(ys) + min(ys)) / 2
unit = [((x - cx) / side + 0.5, (y - cy) / side + 0.5) for x, y in mean]
print(f"// {len(shapes)} faces of {os.path.basename(path)}, points 17-67")
print(", ".join(f"{v:.4f}f" for p in unit for v in p))
