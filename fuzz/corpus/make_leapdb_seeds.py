#!/usr/bin/python3
"""Write the seed corpus for fuzz/fuzz_leapdb.c into fuzz/corpus/leapdb/.

The first byte picks the parser (odd: TZif, even: leap-seconds.list). The
seeds: a list with the IERS table (that of tests/system/test_leap_sources.py),
and TZif files zic compiles from it (version 2 and version 1 with -b fat/slim
as this zic writes them). Needs zic. Run from anywhere:
python3 make_leapdb_seeds.py
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "system"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))
from test_leap_sources import LEAP_TABLE, NTP_UNIX, UPDATED, leap_list  # noqa: E402

import datetime  # noqa: E402

OUT = os.path.join(HERE, "leapdb")


def zic(tmp, fmt):
    src = os.path.join(tmp, "zone.src")
    leaps = os.path.join(tmp, "leapseconds")
    with open(src, "w") as f:
        f.write("Zone\tright-seed\t0\t-\tUTC\n")
    rows = []
    for (t, tai), (_, prev) in zip(LEAP_TABLE[1:], LEAP_TABLE):
        day = datetime.datetime.fromtimestamp(t - NTP_UNIX - 1, datetime.timezone.utc)
        rows.append("Leap\t%d\t%s\t%d\t23:59:60\t%s\tS" % (
            day.year, day.strftime("%b"), day.day, "+" if tai > prev else "-"))
    with open(leaps, "w") as f:
        f.write("\n".join(rows) + "\n")
    out = os.path.join(tmp, fmt)
    subprocess.run(["zic", "-b", fmt, "-d", out, "-L", leaps, src], check=True)
    with open(os.path.join(out, "right-seed"), "rb") as f:
        return f.read()


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {"list": b"\0" + leap_list(UPDATED + 10**9).encode()}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("fat", "slim"):
            seeds["tzif_" + fmt] = b"\1" + zic(tmp, fmt)
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
