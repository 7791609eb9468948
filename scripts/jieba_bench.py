#!/usr/bin/python3
"""Segments the seed documents with Python jieba (Debian python3-jieba),
the comparison for the analyzer's BenchmarkSegment and BenchmarkAnalyze on
the same corpus. Prints documents per second and MB/s on one core, the
median of several rounds.

    /usr/bin/python3 scripts/jieba_bench.py [SEEDS_DIR]
"""
import glob
import os
import statistics
import sys
import time

import jieba

seeds = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "seeds")
docs = [open(p, encoding="utf-8").read() for p in sorted(glob.glob(os.path.join(seeds, "*.txt")))]
if not docs:
    sys.exit("no seed documents in " + seeds)
size = sum(len(d.encode("utf-8")) for d in docs)
jieba.initialize()
rates = []
for _ in range(7):
    start = time.perf_counter()
    for _ in range(10):
        for d in docs:
            list(jieba.cut(d, HMM=True))
    elapsed = time.perf_counter() - start
    rates.append((10 * len(docs) / elapsed, 10 * size / elapsed / 1e6))
docs_s = statistics.median(r[0] for r in rates)
mb_s = statistics.median(r[1] for r in rates)
print(f"jieba {jieba.__version__} (HMM on): {docs_s:.1f} docs/s, {mb_s:.2f} MB/s on {len(docs)} documents of {size / len(docs) / 1000:.1f} KB average")
