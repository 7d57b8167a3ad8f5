#!/usr/bin/env python3
"""Head-pose roll against a known in-plane turn: make_variants.py roll 0|30|60|90 into DIR/trollN, predict --faces into DIR/trollN/kp.csv.
  pose_roll.py DIR"""
import csv, sys, statistics, xml.etree.ElementTree as ET
def load(v):
    lab={}
    for im in ET.parse(f'{sys.argv[1]}/{v}/labels.xml').getroot().iter('image'):
        b=im.find('box'); ps=[(float(q.get('x')),float(q.get('y'))) for q in b.findall('part')]
        xs=[p[0] for p in ps]; ys=[p[1] for p in ps]; lab[im.get('file')]=(min(xs),min(ys),max(xs)-min(xs),max(ys)-min(ys))
    best={}
    for r in csv.DictReader(open(f'{sys.argv[1]}/{v}/kp.csv')):
        xs=[float(r[f'x{k}']) for k in range(68)]; ys=[float(r[f'y{k}']) for k in range(68)]
        b=(min(xs),min(ys),max(xs)-min(xs),max(ys)-min(ys)); l=lab[r['image']]
        ix=min(b[0]+b[2],l[0]+l[2])-max(b[0],l[0]); iy=min(b[1]+b[3],l[1]+l[3])-max(b[1],l[1])
        iou=0 if ix<=0 or iy<=0 else ix*iy/(b[2]*b[3]+l[2]*l[3]-ix*iy)
        if iou>=0.5 and iou>best.get(r['image'],(0,))[0]: best[r['image']]=(iou,float(r['roll']),float(r['yaw']),float(r['pitch']))
    return best
base=load('troll0')
for deg in (30,60,90):
    v=load(f'troll{deg}')
    d=[(v[k][1]-base[k][1]) for k in v if k in base]
    err=[abs(x+deg) for x in d]
    print(f"roll {deg}: {len(d)} faces, median change {statistics.median(d):.1f} (expected {-deg}), median |error| {statistics.median(err):.1f}, yaw change median {statistics.median([abs(v[k][2]-base[k][2]) for k in v if k in base]):.1f}")
