#!/usr/bin/env python3
"""Eye and mouth aspect ratios of predicted points against the labelled ones (300-W test XML), Spearman and mean abs. difference.
  ear_vs_labels.py PRED.csv [LABELS.xml]   (PRED: keypointml predict --faces ... --data ibug-test; the face nearest the labels is used)"""
import csv, math, os, statistics, sys, xml.etree.ElementTree as ET
def ratios(p):
    D=lambda a,b: math.dist(p[a],p[b])
    eye=lambda f:(D(f+1,f+5)+D(f+2,f+4))/(2*D(f,f+3))
    return eye(36), eye(42), (D(61,67)+D(62,66)+D(63,65))/(3*D(60,64))
lab={}
for im in ET.parse(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/ibug_300w/labels_ibug_300W_test.xml")).getroot().iter('image'):
    b=im.find('box'); lab[im.get('file')]=[(float(q.get('x')),float(q.get('y'))) for q in sorted(b.findall('part'),key=lambda q:int(q.get('name')))]
pred={}
for r in csv.DictReader(open(sys.argv[1])):
    pts=[(float(r[f'x{k}']),float(r[f'y{k}'])) for k in range(68)]
    t=lab[r['image']]
    e=statistics.mean(math.dist(a,b) for a,b in zip(pts,t))
    if r['image'] not in pred or e<pred[r['image']][0]: pred[r['image']]=(e,pts)
def rank(v):
    o=sorted(range(len(v)),key=lambda i:v[i]); r=[0]*len(v)
    for k,i in enumerate(o): r[i]=k
    return r
def spearman(a,b):
    ra,rb=rank(a),rank(b); ma,mb=statistics.mean(ra),statistics.mean(rb)
    return sum((x-ma)*(y-mb) for x,y in zip(ra,rb))/math.sqrt(sum((x-ma)**2 for x in ra)*sum((y-mb)**2 for y in rb))
keys=[k for k in lab if k in pred]
P=[ratios(pred[k][1]) for k in keys]; L=[ratios(lab[k]) for k in keys]
for i,name in enumerate(["right eye EAR","left eye EAR","mouth MAR"]):
    p=[x[i] for x in P]; l=[x[i] for x in L]
    print(f"{name}: {len(keys)} faces, Spearman {spearman(p,l):.3f}, mean |difference| {statistics.mean(abs(a-b) for a,b in zip(p,l)):.4f}, labelled median {statistics.median(l):.3f} (10th-90th percentile {sorted(l)[len(l)//10]:.3f}-{sorted(l)[9*len(l)//10]:.3f})")
