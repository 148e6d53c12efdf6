"""Merge hyperfine JSON exports of one benchmark measured in rounds (bm_rounds in common.sh):
the times of all rounds, with the statistics recomputed over them.
usage: merge_rounds.py DEST ROUND.json..."""
import json
import statistics
import sys

dest, parts = sys.argv[1], sys.argv[2:]
rounds = [json.load(open(p))["results"][0] for p in parts]
merged = dict(rounds[0])
times = [x for r in rounds for x in r["times"]]
merged["times"] = times
merged["exit_codes"] = [c for r in rounds for c in r.get("exit_codes", [])]
merged["mean"] = statistics.fmean(times)
merged["stddev"] = statistics.stdev(times) if len(times) > 1 else 0.0
merged["median"] = statistics.median(times)
merged["min"], merged["max"] = min(times), max(times)
for key in ("user", "system"):
    merged[key] = sum(r[key] * len(r["times"]) for r in rounds) / len(times)
merged["rounds"] = len(rounds)
with open(dest, "w") as f:
    json.dump({"results": [merged]}, f, indent=1)
