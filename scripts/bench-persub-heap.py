#!/usr/bin/env python3
"""Groups a heaptrack flame-graph file (cost type "leaked": what was live when the server was
killed) by the code that asked for the memory: of the innermost four frames outside the
standard library, the first that matches one of GROUPS. Called by scripts/bench-persub-heap.sh.

    scripts/bench-persub-heap.py STACKS SUBSCRIBERS [LABEL]
"""

import re
import sys
from collections import defaultdict

SKIP = re.compile(
    r"^(_RNv.*(alloc|core|std)|__rust|alloc::|core::|std::|<?_?\$LT\$(alloc|core|std)|"
    r"hashbrown::raw|bytes::bytes_mut|bytes::bytes::|malloc|calloc|realloc|operator new)"
)
GROUPS = [
    ("rustls: receive buffer (deframer, 4 KiB READ_SIZE)", r"DeframerVecBuffer"),
    ("rustls: session cache", r"ServerSessionMemoryCache|ServerSessionValue|rustls::server::handy"),
    ("rustls: AEAD keys (aws-lc contexts)", r"aws_lc"),
    ("rustls: handshake deframer, record queues, traffic state", r"rustls::|futures_rustls"),
    ("tungstenite: output buffer", r"FrameCodec.*(buffer_frame|write_out_buffer)"),
    ("tungstenite: read buffer", r"FrameCodec|ReadBuffer|http1..conn..Connection..handle_read|http1::conn::Connection::handle_read"),
    ("the socket shared by reader and writer (ws_io; over TLS with rustls' connection)", r"ws_io::split"),
    ("async-tungstenite: the split websocket (over TLS with rustls' connection)", r"async_tungstenite.*split"),
    ("async-tungstenite: waker proxies, other", r"tungstenite"),
    ("outbox (driver to connection)", r"psmonitor_server::driver::outbox|psmonitor_server::outbox"),
    ("wakers, event listeners", r"event_listener|atomic_waker|Waker"),
    ("task (its future)", r"async_task::|async_executor::Executor.*spawn"),
    ("async-io: socket and timer registration", r"async_io::"),
    ("hub: per-subscriber state", r"psmonitor_core::hub::websocket|handle_connect"),
    ("driver: outbox map", r"psmonitor_server::driver"),
    ("executor: task list", r"slab::"),
]


def main():
    stacks, count = sys.argv[1], int(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else ""
    total = 0
    by_group = defaultdict(int)
    by_stack = defaultdict(int)
    for line in open(stacks):
        frames, _, n = line.rstrip("\n").rpartition(" ")
        n = int(n)
        total += n
        meaningful = [f for f in reversed(frames.split(";")) if not SKIP.search(f)]
        group = None
        for f in meaningful[:4]:
            group = next((name for name, pat in GROUPS if re.search(pat, f)), None)
            if group:
                break
        group = group or "other (not per connection: hub queue, SQLite, assets...)"
        short = " <- ".join(re.sub(r"::h[0-9a-f]{16}$", "", f)[:90] for f in meaningful[:3])
        by_group[group] += n
        by_stack[(group, short)] += n
    per = f", {total / 1024 / count:.2f} KiB per subscriber" if count else ""
    print(f"live heap at the kill {label}: {total / 1024:.0f} KiB with {count} subscribers{per}")
    print()
    print("| what | KiB live | KiB per subscriber |")
    print("|---|---|---|")
    for name, n in sorted(by_group.items(), key=lambda kv: -kv[1]):
        each = f"{n / 1024 / count:.3f}" if count else ""
        print(f"| {name} | {n / 1024:.0f} | {each} |")
    print()
    print("largest stacks (first three frames outside the standard library, innermost first):")
    for (group, short), n in sorted(by_stack.items(), key=lambda kv: -kv[1])[:30]:
        print(f"{n / 1024:10.1f} KiB  [{group}] {short}")


if __name__ == "__main__":
    main()
