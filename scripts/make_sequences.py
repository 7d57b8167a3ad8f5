#!/usr/bin/python3
"""Video-like sequences with known motion, for measuring the face tracker (never committed: they are made of 300-W
test faces). Each sequence is a folder of 640x480 JPEG frames (frame_0000.jpg, ...) at 30 frames per second, with
labels.csv: frame,time,face,x0,y0,...,x67,y67 (the labelled 68 points moved with the image; a face outside the frame
has no row).

  make_sequences.py OUT [--frames 60] [--seed 3] [--pairs 1]

Sequences: still (a face that does not move, sensor noise sigma 4 in every frame), shift (side to side, 60 px per
second), zoom (0.7 -> 1.3 of its size), turn (rolled 0 -> 45 degrees), leave (moves out to the right and comes back),
cross (two faces passing each other). Faces are 300-W test crops (by default the first two with one face) pasted on a
face-free photo from Debian's opencv-doc; --pairs N makes the six sequences for each of the first N pairs of one-face
crops (folders still_0, still_1, ...: the same motions on more faces, for figures less tied to one face). Needs Pillow (Debian: python3-pil; run with /usr/bin/python3).
Data: $DATA (default ../../shared/data/ibug_300w beside this repository); backgrounds: $FACE_FREE.
"""
import argparse, math, os, random, xml.etree.ElementTree as ET
from PIL import Image, ImageChops

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("out"); ap.add_argument("--frames", type=int, default=60); ap.add_argument("--seed", type=int, default=3); ap.add_argument("--pairs", type=int, default=1)
a = ap.parse_args()
data = os.environ.get("DATA") or os.path.join(here, "..", "..", "shared", "data", "ibug_300w")
bgdir = os.environ.get("FACE_FREE") or os.path.expanduser("~/.cache/keypointml/opencv-doc/usr/share/doc/opencv-doc/examples/data")
W, H, FPS = 640, 480, 30.0
rng = random.Random(a.seed)
background = Image.open(os.path.join(bgdir, "building.jpg")).convert("RGB").resize((W, H), Image.LANCZOS)

faces = []
for im in ET.parse(os.path.join(data, "labels_ibug_300W_test.xml")).getroot().iter("image"):
    boxes = im.findall("box")
    if len(boxes) != 1: continue
    pts = [(float(q.get("x")), float(q.get("y"))) for q in sorted(boxes[0].findall("part"), key=lambda q: int(q.get("name")))]
    faces.append((Image.open(os.path.join(data, im.get("file"))).convert("RGB"), pts))
    if len(faces) == 2 * a.pairs: break

def place(face, scale, angle, cx, cy):
    """The face crop scaled, rolled by angle degrees (clockwise on screen) about its points' centre, that centre at (cx, cy)."""
    img, pts = face
    mx = sum(p[0] for p in pts) / 68; my = sum(p[1] for p in pts) / 68
    t = math.radians(angle); c, s = math.cos(t) * scale, math.sin(t) * scale
    fwd = lambda x, y: (c * (x - mx) - s * (y - my) + cx, s * (x - mx) + c * (y - my) + cy)
    # PIL's affine maps output pixels to input pixels: the inverse, in pixel centres.
    d = scale * scale; ia, ib = c / d, s / d
    inv = (ia, ib, mx - ia * cx - ib * cy, -ib, ia, my + ib * cx - ia * cy)
    warped = img.transform((W, H), Image.AFFINE, inv, resample=Image.BILINEAR)
    mask = Image.new("L", img.size, 255).transform((W, H), Image.AFFINE, inv, resample=Image.BILINEAR)
    return warped, mask, [fwd(x, y) for x, y in pts]

def noisy(frame, sigma):
    noise = Image.effect_noise((W, H), sigma)
    return Image.merge("RGB", [ImageChops.add(ch, noise, 1.0, -128) for ch in frame.split()])

def sequence(name, layout):
    folder = os.path.join(a.out, name); os.makedirs(folder, exist_ok=True)
    rows = []
    for f in range(a.frames):
        t = f / FPS
        frame = background.copy()
        for k, (face, scale, angle, cx, cy) in enumerate(layout(f, t)):
            warped, mask, pts = place(face, scale, angle, cx, cy)
            frame.paste(warped, (0, 0), mask)
            if all(0 <= x < W and 0 <= y < H for x, y in pts):
                rows.append(f"{f},{t:.4f},{k}," + ",".join(f"{x:.3f},{y:.3f}" for x, y in pts))
        noisy(frame, 4).save(os.path.join(folder, f"frame_{f:04d}.jpg"), quality=92)
    with open(os.path.join(folder, "labels.csv"), "w") as fh:
        fh.write("frame,time,face," + ",".join(f"x{k},y{k}" for k in range(68)) + "\n" + "\n".join(rows) + "\n")

for i in range(a.pairs):
    A, B = faces[2 * i], faces[2 * i + 1]
    tag = "" if a.pairs == 1 else f"_{i}"
    sequence(f"still{tag}", lambda f, t: [(A, 1.0, 0, 320, 240)])
    sequence(f"shift{tag}", lambda f, t: [(A, 1.0, 0, 320 + 60 * math.sin(2 * math.pi * t / 2), 240)])
    sequence(f"zoom{tag}", lambda f, t: [(A, 0.7 + 0.6 * f / (a.frames - 1), 0, 320, 240)])
    sequence(f"turn{tag}", lambda f, t: [(A, 1.0, 45 * f / (a.frames - 1), 320, 240)])
    sequence(f"leave{tag}", lambda f, t: [(A, 0.8, 0, 320 + 520 * math.sin(math.pi * f / (a.frames - 1)), 240)])
    sequence(f"cross{tag}", lambda f, t: [(A, 0.55, 0, 120 + 400 * f / (a.frames - 1), 240), (B, 0.55, 0, 520 - 400 * f / (a.frames - 1), 250)])
print(f"{6 * a.pairs} sequences of {a.frames} frames -> {a.out}")
