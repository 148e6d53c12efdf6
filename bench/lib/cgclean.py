#!/usr/bin/env python3
"""Removes the cgroups a bench run left on the host, after its namespaces are gone.

  cgclean.py WORK_DIR RUN_ID

Removed (depth first, only empty cgroups can go): every cgroup named jb<RUN_ID> (the peers'
and the bench's own) and every <hierarchy>/jailctl/jailctl-<pool_id>-* of the run's pools
(pool_id as jailctl derives it from WORK_DIR/pool-*, poolid.py). Nothing else is touched.
"""
import glob
import os
import sys

from poolid import pool_id


def rmtree_cg(path):
    for sub, dirs, _ in os.walk(path, topdown=False):
        try:
            os.rmdir(sub)
        except OSError as e:
            print(f"cgclean: {sub}: {e.strerror}", file=sys.stderr)


def main(work, run_id):
    pool_ids = [pool_id(p) for p in glob.glob(os.path.join(work, "pool-*"))]
    mark = f"jb{run_id}"
    for h in glob.glob("/sys/fs/cgroup/*"):
        if not os.path.isdir(h):
            continue
        for sub, dirs, _ in os.walk(h):
            rel_depth = sub[len(h):].count("/")
            for d in list(dirs):
                if d == mark:
                    rmtree_cg(os.path.join(sub, d))
                    dirs.remove(d)
                elif os.path.basename(sub) == "jailctl" and any(
                        d.startswith(f"jailctl-{pid}-") for pid in pool_ids):
                    rmtree_cg(os.path.join(sub, d))
                    dirs.remove(d)
            if rel_depth >= 3:
                dirs.clear()   # the bench's cgroups sit at most a few levels down
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
