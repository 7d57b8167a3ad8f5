#!/usr/bin/env python3
"""Chips: the five template points found again on the chips against the template and against where the fitted similarity put them.
  chips_vs_template.py E2E.csv CHIPS.csv   (E2E: predict --faces --data ibug-test --chips DIR; CHIPS: predict --faces --data DIR)"""
import sys
import csv, math, statistics
T=[(38.2946,51.6963),(73.5318,51.5014),(56.0252,71.7366),(41.5493,92.3655),(70.7299,92.2041)]
def fit(P,Q):
    n=len(P); mx=sum(p[0] for p in P)/n; my=sum(p[1] for p in P)/n; ux=sum(q[0] for q in Q)/n; uy=sum(q[1] for q in Q)/n
    sxx=dot=cross=0
    for (x,y),(u,v) in zip(P,Q):
        x-=mx;y-=my;u-=ux;v-=uy; sxx+=x*x+y*y; dot+=x*u+y*v; cross+=x*v-y*u
    a=dot/sxx;b=cross/sxx
    return lambda x,y:(a*x-b*y+ux-(a*mx-b*my), b*x+a*y+uy-(b*mx+a*my))
res=[]
for r in csv.DictReader(open(sys.argv[1])):
    if r['face']!='0': continue
    x=lambda k: float(r[f'x{k}']); y=lambda k: float(r[f'y{k}'])
    five=[(sum(x(k) for k in range(36,42))/6, sum(y(k) for k in range(36,42))/6),(sum(x(k) for k in range(42,48))/6, sum(y(k) for k in range(42,48))/6),(x(30),y(30)),(x(48),y(48)),(x(54),y(54))]
    f=fit(five,T)
    res.append(statistics.mean(math.dist(f(*p),t) for p,t in zip(five,T)))
print("similarity residual: median %.2f px" % statistics.median(res))
chips={}
for r in csv.DictReader(open(sys.argv[2])):
    x=lambda k: float(r[f'x{k}']); y=lambda k: float(r[f'y{k}'])
    five=[(sum(x(k) for k in range(36,42))/6, sum(y(k) for k in range(36,42))/6),(sum(x(k) for k in range(42,48))/6, sum(y(k) for k in range(42,48))/6),(x(30),y(30)),(x(48),y(48)),(x(54),y(54))]
    d=statistics.mean(math.dist(a,b) for a,b in zip(five,T))
    key=r['image']
    if key not in chips or d<chips[key][0]: chips[key]=(d,five)
warp=[];tmpl=[];points=[]
for r in csv.DictReader(open(sys.argv[1])):
    name=r['image'].replace('/','__').rsplit('.',1)[0]+f"__{r['face']}.png"
    if name not in chips: continue
    x=lambda k: float(r[f'x{k}']); y=lambda k: float(r[f'y{k}'])
    five=[(sum(x(k) for k in range(36,42))/6, sum(y(k) for k in range(36,42))/6),(sum(x(k) for k in range(42,48))/6, sum(y(k) for k in range(42,48))/6),(x(30),y(30)),(x(48),y(48)),(x(54),y(54))]
    f=fit(five,T)
    warp.append(statistics.mean(math.dist(f(*p),q) for p,q in zip(five,chips[name][1])))
    tmpl.append(chips[name][0])
    points.extend(math.dist(a,b) for a,b in zip(chips[name][1],T))
print(f"{len(warp)} chips: re-measured five points vs where the fitted similarity puts them: median {statistics.median(warp):.2f} px; vs the template: median {statistics.median(tmpl):.2f} px (of each chip's mean over its five points), median {statistics.median(points):.2f} px over all {len(points)} points")
