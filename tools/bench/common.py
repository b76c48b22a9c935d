# common.py: shared helpers for the store benchmark (tools/bench-store.sh): timing of
# warm queries, reading the NDJSON input in line-aligned chunks, result files, and the
# normalisation that makes every system's answers comparable. Python 3 standard library.
import json
import os
import statistics
import sys
import time

RUNS = 5  # each query runs this many times ...
KEEP = 3  # ... and the median of the last KEEP runs is reported (warm)

# The queries every system answers, in report order: (key, description).
QUERIES = [
    ("needle_ip", "needle: events of one source IP (count + fetch)"),
    ("needle_uid", "needle: events of one uid (count + fetch)"),
    ("count_by_source", "count by source"),
    ("top10_ip", "top 10 details.sourceipaddress"),
    ("timechart_1h", "time histogram, 1 h buckets"),
    ("phrase", "phrase in summary (count)"),
]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def timed(fn, runs=RUNS, keep=KEEP):
    """Runs fn() `runs` times; returns (median ms of the last `keep`, last result)."""
    times, res = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        res = fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times[-keep:]), res


def iter_chunks(path, chunk_bytes=64 << 20, max_events=0):
    """Yields (bytes, nlines) pieces of an NDJSON file, each ending at a newline.
    max_events > 0 stops after that many lines."""
    done = 0
    with open(path, "rb") as f:
        rest = b""
        while True:
            buf = f.read(chunk_bytes)
            if not buf:
                if rest:
                    yield rest + b"\n", 1
                return
            buf = rest + buf
            cut = buf.rfind(b"\n") + 1
            if cut == 0:
                rest = buf
                continue
            piece, rest = buf[:cut], buf[cut:]
            n = piece.count(b"\n")
            if max_events and done + n >= max_events:
                keep = max_events - done
                pos = 0
                for _ in range(keep):
                    pos = piece.index(b"\n", pos) + 1
                yield piece[:pos], keep
                return
            done += n
            yield piece, n


def du_bytes(path):
    """Bytes allocated on disk under path (like du -s --block-size=1)."""
    total = 0
    if os.path.isfile(path):
        return os.stat(path).st_blocks * 512
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def epoch_s(iso):
    """'2026-01-01T05:00:00.123+00:00' -> whole epoch seconds (UTC offsets only)."""
    import calendar
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def hist_range(nd):
    """The time histogram's range: whole hours around the data, epoch seconds [from, to)."""
    return epoch_s(nd["first_ts"]) // 3600 * 3600, epoch_s(nd["last_ts"]) // 3600 * 3600 + 3600


def hour_key(v):
    """'2026-01-01T05:00:00...' / '2026-01-01 05:00:00' / epoch s|ms|us -> '2026-01-01T05'."""
    if isinstance(v, (int, float)):
        x = float(v)
        if x > 1e14:
            x /= 1e6
        elif x > 1e11:
            x /= 1e3
        return time.strftime("%Y-%m-%dT%H", time.gmtime(x))
    s = str(v)
    return s[:10] + "T" + s[11:13]


def norm_counts(pairs):
    """[(key, count)] -> {str(key): int(count)} (count-by results)."""
    return {str(k): int(c) for k, c in pairs}


def norm_top(pairs):
    """[(key, count)] -> list sorted by count desc then key (tie order is not compared)."""
    return sorted(([str(k), int(c)] for k, c in pairs), key=lambda p: (-p[1], p[0]))


def norm_hist(pairs):
    out = {}
    for k, c in pairs:
        h = hour_key(k)
        out[h] = out.get(h, 0) + int(c)
    return dict(sorted(out.items()))


def write_result(path, res):
    with open(path, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)


def load_json(path):
    with open(path) as f:
        return json.load(f)
