#!/usr/bin/env python3
# needles.py: scans the store benchmark's NDJSON input once and picks the values the
# queries look for, deterministically: a source IP that occurs in a few events, a uid that
# occurs exactly once (taken from the middle of the file), and checks that the phrase
# occurs. Also records the event count, raw bytes and time span. Writes JSON.
# usage: needles.py EVENTS.ndjson PHRASE OUT.json
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import iter_chunks, log  # noqa: E402

IP_RE = re.compile(rb'"sourceipaddress":"([^"]+)"')
UID_RE = re.compile(rb'"uid":"([^"]+)"')
TS_RE = re.compile(rb'"utctimestamp":"([^"]+)"')


def main():
    path, phrase, out = sys.argv[1], sys.argv[2], sys.argv[3]
    size = os.path.getsize(path)
    # uid candidates: conn records of unanswered connections (S0/REJ scans) near the
    # middle of the file usually have a uid no other log shares.
    cands = []
    with open(path, "rb") as f:
        f.seek(size // 2)
        f.readline()
        for _ in range(20000):
            line = f.readline()
            if not line:
                break
            if b'"source":"conn"' in line and (b'"conn_state":"S0"' in line or b'"conn_state":"REJ"' in line):
                m = UID_RE.search(line)
                if m:
                    cands.append(m.group(1))
            if len(cands) >= 200:
                break
    cand_set = set(cands)
    ips = collections.Counter()
    uids = collections.Counter()
    lines = 0
    phrase_b = phrase.encode().lower()
    phrase_lines = 0
    first_ts = last_ts = None
    for piece, n in iter_chunks(path):
        lines += n
        ips.update(IP_RE.findall(piece))
        uids.update(u for u in UID_RE.findall(piece) if u in cand_set)
        if phrase_b in piece.lower():
            for line in piece.split(b"\n"):
                i = line.find(b'"summary":"')
                if i >= 0 and phrase_b in line[i + 11 : line.find(b'"', i + 11)].lower():
                    phrase_lines += 1
        if first_ts is None:
            first_ts = TS_RE.search(piece).group(1).decode()
        last_ts = TS_RE.findall(piece[piece.rfind(b"\n", 0, len(piece) - 1) :])[-1].decode()
    # A source IP in a few events: the most frequent one with 3..10 events (ties: the
    # smallest text), else the least frequent one with more.
    few = sorted((ip for ip, c in ips.items() if 3 <= c <= 10), key=lambda ip: (-ips[ip], ip))
    ip = few[0] if few else min(ips, key=lambda k: (ips[k], k))
    uid = next((u for u in cands if uids[u] == 1), None)
    if uid is None:
        sys.exit("needles: no uid occurring once among %d candidates" % len(cands))
    res = {
        "events": lines,
        "raw_bytes": size,
        "first_ts": first_ts,
        "last_ts": last_ts,
        "ip": ip.decode(),
        "ip_events": ips[ip],
        "uid": uid.decode(),
        "uid_events": 1,
        "phrase": phrase,
        "phrase_events": phrase_lines,
        "distinct_source_ips": len(ips),
    }
    with open(out, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    log("needles: ip %s (%d events), uid %s (1 event), phrase %r (%d events), %d events, %s .. %s"
        % (res["ip"], res["ip_events"], res["uid"], phrase, phrase_lines, lines, first_ts, last_ts))


if __name__ == "__main__":
    main()
