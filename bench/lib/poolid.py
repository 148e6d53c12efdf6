#!/usr/bin/env python3
"""The pool id jailctl derives from a pool path (src/lib/context.c, pool_id_for): the top
48 bits of the 64-bit FNV-1a hash of the path, as 12 hex digits. A jail's cgroups are
<hierarchy>/jailctl/jailctl-<pool_id>-<NAME>, its record /run/jailctl/<pool_id>/NAME.json.

  poolid.py PATH      prints the id
"""
import sys


def pool_id(path):
    h = 0xcbf29ce484222325
    for b in path.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h >> 16:012x}"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    print(pool_id(sys.argv[1]))
