#!/usr/bin/env python3
"""GET a /metrics (or any) path N times on one keep-alive connection; prints p50, p99 and the body size.

    scripts/metrics-latency.py 127.0.0.1 4500 /metrics 2000
"""
import http.client, sys, time
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
c = http.client.HTTPConnection(host, port)
lat = []; size = 0
for i in range(n + 50):
    t = time.perf_counter()
    c.request("GET", path)
    r = c.getresponse(); body = r.read()
    d = time.perf_counter() - t
    if i >= 50: lat.append(d * 1000)
    size = len(body)
lat.sort()
print(f"p50 {lat[len(lat)//2]:.3f} ms, p99 {lat[int(len(lat)*0.99)]:.3f} ms, {size} bytes, {n} requests")
