#!/usr/bin/env python3
"""bench/peers: libtdcm against scikit-learn and FAISS on the same rows, in one run.

For each N and D the C program `peers` writes a seeded Gaussian mixture as
float32 rows to a file; then, for each thread count, it times libtdcm through
the C API, and a Python worker (this file, --worker) times scikit-learn's
KMeans and FAISS on the very same rows, each in a process of its own so that
its peak memory is its own. Every process also measures the machine it runs
on: the sgemm peak of its BLAS at that thread count and, for libtdcm, the
read bandwidth. The table gives ratios (peer time / libtdcm time: above 1,
libtdcm is faster), the roofline of each shape and how far from it
scikit-learn runs.

  python3 bench/peers/peers.py --peers build/bench/peers --tdcm build/tdcm
  python3 bench/peers/peers.py ... --smoke --libtdcm-only   (seconds; ctest's)

Only the standard library is needed for libtdcm's side; the peers need numpy,
scikit-learn and threadpoolctl, and FAISS where present (./run.sh peers
installs Debian's python3-sklearn and python3-faiss).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

LINE = re.compile(r"^peers (\S+) (\S+) (.*)$")
FIELD = re.compile(r'(\w+)=("[^"]*"|\S+)')


def parse(text):
    """The measurement lines of a side's output, as dicts."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        rec = {"side": m.group(1), "what": m.group(2)}
        for key, value in FIELD.findall(m.group(3)):
            rec[key] = value.strip('"')
        for key in ("n", "d", "k", "threads"):
            rec[key] = int(rec[key])
        rec["ms"] = float(rec["ms"])
        out.append(rec)
    return out


def emit(side, what, n, d, k, threads, seconds, **extra):
    fields = "".join(f" {key}={value}" for key, value in extra.items())
    print(f"peers {side} {what} n={n} d={d} k={k} threads={threads} ms={seconds * 1e3:.4f}{fields}",
          flush=True)


def best_of(reps, fn):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# --- the worker: scikit-learn and FAISS in their own process ---------------------------

def worker(path, n, d, ks, threads, reps):
    import resource
    import warnings

    import numpy as np
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_info, threadpool_limits

    warnings.simplefilter("ignore")
    x = np.fromfile(path, dtype=np.float32).reshape(n, d)
    try:
        import faiss
        faiss.omp_set_num_threads(threads)
    except ImportError:
        faiss = None
    with threadpool_limits(limits=threads):
        for k in ks:
            c = np.ascontiguousarray(x[:k])
            # A model whose centres are the first k rows, the start every peer gets.
            km = KMeans(n_clusters=k, init=c, n_init=1, max_iter=1).fit(x[:max(k, 1000)])
            km.cluster_centers_ = c.copy()
            labels = km.predict(x)
            t = best_of(reps, lambda: km.predict(x))
            emit("sklearn", "assign", n, d, k, threads, t, label_sum=int(labels.sum()))

            def fit_time(iterations):
                model = KMeans(n_clusters=k, init=c, n_init=1, max_iter=iterations, tol=0,
                               algorithm="lloyd")
                return best_of(reps + 2, lambda: model.fit(x))  # as libtdcm's Lloyd timings
            one, five = fit_time(1), fit_time(5)
            emit("sklearn", "lloyd", n, d, k, threads, max(0.0, (five - one) / 4))

            if faiss is None:
                continue
            index = faiss.IndexFlatL2(d)
            index.add(c)
            _, found = index.search(x, 1)
            t = best_of(reps, lambda: index.search(x, 1))
            emit("faiss", "assign", n, d, k, threads, t, label_sum=int(found.sum()))

            def train_time(iterations):
                def train():
                    clus = faiss.Clustering(d, k)
                    clus.niter = iterations
                    clus.max_points_per_centroid = n  # every row, no subsample
                    clus.min_points_per_centroid = 1
                    faiss.copy_array_to_vector(c.ravel(), clus.centroids)
                    clus.train(x, faiss.IndexFlatL2(d))
                return best_of(reps + 2, train)
            one, five = train_time(1), train_time(5)
            emit("faiss", "lloyd", n, d, k, threads, max(0.0, (five - one) / 4))
        # The machine last, as on libtdcm's side.
        a = np.full((1536, 1536), 0.5, dtype=np.float32)
        gemm = best_of(4, lambda: a @ a)
        blas = ", ".join(f"{p['internal_api']} {p.get('version', '')} ({p['num_threads']} threads)"
                         for p in threadpool_info() if p["user_api"] == "blas")
        emit("sklearn", "machine", n, d, 0, threads, 0,
             sgemm_gflops=f"{2 * 1536 ** 3 / gemm * 1e-9:.1f}", blas=f'"{blas}"')
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit("sklearn", "peak_rss", n, d, 0, threads, 0, mib=f"{rss:.1f}")


# --- the driver --------------------------------------------------------------------------

def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"peers: {' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return parse(done.stdout)


def have_peers():
    try:
        import numpy  # noqa: F401
        import sklearn  # noqa: F401
        import threadpoolctl  # noqa: F401
        return True
    except ImportError:
        return False


def fmt(v, digits=1):
    return "–" if v is None or v != v else f"{v:.{digits}f}"


def find(recs, side, what, n, d, k, t):
    for r in recs:
        if (r["side"], r["what"], r["n"], r["d"], r["k"], r["threads"]) == (side, what, n, d, k, t):
            return r
    return None


def ms(recs, *key):
    r = find(recs, *key)
    return None if r is None else r["ms"]


def ratio(peer, ours):
    return None if peer is None or not ours else peer / ours


def report(recs, o, startup_ms):
    machine = [r for r in recs if r["what"] == "machine"]
    lib = next((r for r in machine if r["side"] == "libtdcm"), None)
    if lib:
        print(f"# machine: {lib.get('cpu')}, {os.cpu_count()} cores | libtdcm's BLAS: {lib.get('blas')}")
    py = next((r for r in machine if r["side"] == "sklearn"), None)
    if py:
        print(f"# scikit-learn's BLAS (threadpoolctl): {py.get('blas')}")
    failures = []
    tdcm_below, tdcm_at_1m = [], 0
    for t in o.threads:
        peaks = [r for r in machine if r["threads"] == t]
        lib_peak = max((float(r["sgemm_gflops"]) for r in peaks if r["side"] == "libtdcm"), default=None)
        py_peak = max((float(r["sgemm_gflops"]) for r in peaks if r["side"] == "sklearn"), default=None)
        bw = max((float(r["read_gbs"]) for r in peaks if r["side"] == "libtdcm"), default=None)
        print(f"\n## k-means, {t} thread(s): sgemm peak {fmt(lib_peak)} GFLOP/s in libtdcm's process, "
              f"{fmt(py_peak)} in scikit-learn's; read bandwidth {fmt(bw)} GB/s")
        print("(times in ms; ratio = scikit-learn / libtdcm; roofline = max(bytes / bandwidth, "
              "2NDK / sgemm peak); need = 2 where scikit-learn runs below 25% of the roofline)")
        print("| N | D | K | sklearn predict | FAISS search | libtdcm assign | ratio | roofline | "
              "sklearn % roof | need | sklearn Lloyd it | FAISS Lloyd it | libtdcm Lloyd it | ratio | need |")
        print("|---" * 15 + "|")
        for n in o.ns:
            for d in o.ds:
                for k in o.ks:
                    a_s, a_f, a_l = (ms(recs, side, "assign", n, d, k, t)
                                     for side in ("sklearn", "faiss", "libtdcm"))
                    l_s, l_f, l_l = (ms(recs, side, "lloyd", n, d, k, t)
                                     for side in ("sklearn", "faiss", "libtdcm"))
                    roof = None
                    if lib_peak and bw:
                        roof = max((n * d * 4 + n * 4) / (bw * 1e9), 2 * n * d * k / (lib_peak * 1e9)) * 1e3
                    cells = []
                    for peer, ours in ((a_s, a_l), (l_s, l_l)):
                        r = ratio(peer, ours)
                        share = None if roof is None or peer is None else roof / peer
                        need = 2.0 if share is not None and share < 0.25 else 1.0
                        ok = r is not None and r >= need
                        if peer is not None and not ok:
                            failures.append((t, n, d, k))
                        cells.append((r, share, need, ok))
                    (ra, sa, na, oka), (rl, _, nl, okl) = cells
                    mark = lambda r, ok: "–" if r is None else f"{r:.2f}×" + ("" if ok else " ✗")
                    print(f"| {n:,} | {d} | {k} | {fmt(a_s)} | {fmt(a_f)} | {fmt(a_l)} | {mark(ra, oka)} | "
                          f"{fmt(roof, 2)} | {fmt(None if sa is None else 100 * sa, 0)}% | {na:g} | "
                          f"{fmt(l_s)} | {fmt(l_f)} | {fmt(l_l)} | {mark(rl, okl)} | {nl:g} |")
        print(f"\n## TDCM, {t} thread(s): Gaussian blocks (fitted and adapted on the first 20,000 rows)")
        print("(predict: labels of all N rows against the adapted mixture in float32, counted as "
              "2 N b^2 K flops, the products of its whitening; assign: the one-pass tdcm_assign, "
              "adaptation included)")
        print("| N | D | K | b | predict ms | GFLOP/s | % of sgemm peak | assign ms |")
        print("|---" * 8 + "|")
        for n in o.ns:
            for d in o.ds:
                for k in o.ks:
                    p = find(recs, "libtdcm", "tdcm_predict", n, d, k, t)
                    a = find(recs, "libtdcm", "tdcm_assign", n, d, k, t)
                    if p is None:
                        continue
                    if "skipped" in p:
                        print(f"| {n:,} | {d} | {k} | – | skipped ({p['skipped']}) | – | – | – |")
                        continue
                    gf = float(p["gflop"]) / (p["ms"] * 1e-3)
                    pct = None if not lib_peak else 100 * gf / lib_peak
                    if n >= 1000000:
                        tdcm_at_1m += 1
                        if pct is None or pct < 50:
                            tdcm_below.append((t, n, d, k))
                    a_ms = "skipped" if a is None or "skipped" in a else fmt(a["ms"])
                    print(f"| {n:,} | {d} | {k} | {p['b']} | {fmt(p['ms'])} | {fmt(gf)} | "
                          f"{fmt(pct, 0)}% | {a_ms} |")
        print(f"\n## TDCM training epoch (encoder=mlp, batch 256), {t} thread(s)")
        for n in o.ns:
            for d in o.ds:
                e = find(recs, "libtdcm", "tdcm_epoch", n, d, o.ks[0], t)
                if e:
                    print(f"N={n:,} D={d}: {fmt(e['ms'])} ms per epoch")
        rss = [r for r in recs if r["what"] == "peak_rss" and r["threads"] == t]
        print(f"\n## peak RSS, {t} thread(s) (MiB, per process: one N, D and thread count)")
        for r in rss:
            print(f"{r['side']:8} N={r['n']:,} D={r['d']}: {r['mib']}")
    lat = [r for r in recs if r["what"].startswith("latency_")]
    if lat:
        print("\n## small calls (µs per call, best of 5)")
        for r in lat:
            print(f"{r['what'][8:]:22} N rows of D={r['d']}, K={r['k']}, {r['threads']} thread(s): "
                  f"{r['ms'] * 1e3:.1f} µs")
    if startup_ms is not None:
        print(f"\n`tdcm --version` start-up: {startup_ms:.0f} ms (best of 5)")
    if not o.libtdcm_only and have_peers():
        print("\n" + ("every k-means cell meets its need" if not failures else
                      f"{len(failures)} k-means cell(s) below their need: {failures}"))
    if tdcm_at_1m:
        print("\n" + ("every TDCM predict at N = 1M is at >= 50% of the sgemm peak" if not tdcm_below
                      else f"{len(tdcm_below)} TDCM predict cell(s) at N = 1M below 50% of the "
                           f"sgemm peak: {tdcm_below}"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peers", help="the peers program (build/bench/peers)")
    ap.add_argument("--tdcm", help="the tdcm command, for its start-up time")
    ap.add_argument("--ns", default="100000,1000000")
    ap.add_argument("--ds", default="2,16,64")
    ap.add_argument("--ks", default="10,100")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tdcm-assign-flops", default="2e9",
                    help="run the full tdcm_assign only where 2 N b^2 K is at most this")
    ap.add_argument("--no-tdcm", action="store_true", help="k-means only (no TDCM blocks or epoch)")
    ap.add_argument("--smoke", action="store_true", help="tiny shapes, one repetition")
    ap.add_argument("--libtdcm-only", action="store_true", help="no peers, even where installed")
    ap.add_argument("--worker", nargs=6, metavar=("FILE", "N", "D", "KS", "THREADS", "REPS"),
                    help=argparse.SUPPRESS)
    o = ap.parse_args()
    if o.worker:
        path, n, d, ks, threads, reps = o.worker
        worker(path, int(n), int(d), [int(k) for k in ks.split(",")], int(threads), int(reps))
        return
    if not o.peers:
        ap.error("--peers is required")
    if o.smoke:
        o.ns, o.ds, o.ks, o.threads, o.reps = "3000", "2,8", "3", "1", 1
    o.ns, o.ds, o.ks, o.threads = ([int(v) for v in s.split(",")] for s in (o.ns, o.ds, o.ks, o.threads))
    peers_too = not o.libtdcm_only and have_peers()
    if not peers_too and not o.libtdcm_only:
        print("# scikit-learn is not installed: libtdcm's side only (./run.sh peers installs it)")
    recs = []
    tmp = tempfile.mkdtemp(prefix="tdcm-peers-")
    try:
        for n in o.ns:
            for d in o.ds:
                path = os.path.join(tmp, f"rows-{n}x{d}.f32")
                subprocess.run([o.peers, "write", path, str(n), str(d), "1"], check=True)
                # Calls of a few milliseconds are repeated more, on both sides: on a shared
                # machine the best of 3 such calls moves by a third from run to run.
                reps = o.reps * min(10, max(1, 1_000_000 // n))
                for t in o.threads:
                    extra = ["--reps", str(reps), "--tdcm-assign-flops", o.tdcm_assign_flops]
                    if n == o.ns[0] and d == o.ds[-1]:
                        extra.append("--latency")
                    if o.no_tdcm:
                        extra.append("--no-tdcm")
                    ks = ",".join(map(str, o.ks))
                    recs += run([o.peers, "run", path, str(n), str(d), ks, str(t)] + extra)
                    if peers_too:
                        recs += run([sys.executable, os.path.abspath(__file__), "--worker", path,
                                     str(n), str(d), ks, str(t), str(reps)])
                os.remove(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    startup = None
    if o.tdcm:
        startup = best_of(5, lambda: subprocess.run([o.tdcm, "--version"], check=True,
                                                    capture_output=True)) * 1e3
    report(recs, o, startup)


if __name__ == "__main__":
    main()
