#!/usr/bin/python3
"""Print stratum-sim's JSON lines as a table (make bench).

    build/stratum-sim | scripts/sim_table.py
    scripts/sim_table.py results.jsonl ...

Offsets are shown in microseconds, frequency errors in ppm (as stratum-sim
reports them), times in seconds; "-" where a value is null.  Lines that are
not JSON objects are passed to stderr unchanged.  Exit status 1 when no
scenario line was read.
"""

import json
import sys

COLUMNS = [
    # header, key, format
    ("scenario", "scenario", "{}"),
    ("seed", "seed", "{}"),
    ("length s", "duration", "{:.0f}"),
    ("sync s", "sync_time", "{:.0f}"),
    ("steady s", "steady_from", "{:.0f}"),
    ("max off us", "max_offset", "{:.1f}", 1e6),
    ("rms off us", "rms_offset", "{:.1f}", 1e6),
    ("max frq ppm", "max_freq_error", "{:.4f}"),
    ("rms frq ppm", "rms_freq_error", "{:.4f}"),
    ("late rms off us", "late_rms_offset", "{:.1f}", 1e6),
    ("late rms frq ppm", "late_rms_freq_error", "{:.4f}"),
    ("steps", "steps", "{}"),
    ("selected", "selected", "{}"),
    ("false sel", "falseticker_selected", "{}"),
    ("reach", "reach", None),
    ("events", "events", "{}"),
    ("cpu s", "cpu_seconds", "{:.2f}"),
]


def cell(row, col):
    key, fmt = col[1], col[2]
    value = row.get(key)
    if value is None:
        return "-"
    if key == "reach":
        return ",".join("%o" % r for r in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if len(col) > 3 and isinstance(value, (int, float)):
        value = value * col[3]
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def read_rows(streams):
    rows = []
    for stream in streams:
        for line in stream:
            text = line.strip()
            if not text:
                continue
            try:
                row = json.loads(text)
            except ValueError:
                row = None
            if isinstance(row, dict) and "scenario" in row:
                rows.append(row)
            else:
                sys.stderr.write(line if line.endswith("\n") else line + "\n")
    return rows


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    streams = [open(path, encoding="utf-8") for path in argv[1:]] or [sys.stdin]
    try:
        rows = read_rows(streams)
    finally:
        for s in streams:
            if s is not sys.stdin:
                s.close()
    if not rows:
        sys.stderr.write("sim_table: no scenario results read\n")
        return 1
    table = [[c[0] for c in COLUMNS]] + [[cell(r, c) for c in COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    for n, line in enumerate(table):
        print("  ".join(v.ljust(w) if i in (0, 12) else v.rjust(w)
                        for i, (v, w) in enumerate(zip(line, widths))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
