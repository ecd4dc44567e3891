#!/usr/bin/python3
"""Print stratum-sim's JSON lines as a table (make bench).

    build/stratum-sim | scripts/sim_table.py
    scripts/sim_table.py [--limits] results.jsonl ...
    scripts/sim_table.py --run SEED > results.jsonl

Offsets are shown in microseconds, frequency errors in ppm (as stratum-sim
reports them), times in seconds; "-" where a value is null.  Lines that are
not JSON objects are passed to stderr unchanged.  Exit status 1 when no
scenario line was read.

With --limits, a second table holds each line's figures beside the limits
tests/sim holds that scenario to (chrony's test/simulation limits, or what
the scenario's physics allows, each explained there; LIMITS in
test_scenarios.py, test_refclock_scenarios.py, test_option_scenarios.py and
test_chrony_simulation.py), as "figure / limit" ("/ never" for a sync time
chrony's test expects none of), and whether all are met ("over" names those
that are not; a run held to other checks only says which).

--run SEED runs every scenario (build/stratum-sim, STRATUM_BUILD overrides)
and prints its line, each with its max and rms figures from where tests/sim
takes them: chrony's max_sync_time for chrony's tests (stratum-sim
--stats-from), so the limits table says what the tests say (make bench).
"""

import importlib.util
import json
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests" / "sim"

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


# The figures held to limits: header, key in the JSON and in the limits,
# format, scale.
LIMITED = [
    ("sync s", "sync_time", "{:.0f}", 1),
    ("max off us", "max_offset", "{:.1f}", 1e6),
    ("rms off us", "rms_offset", "{:.1f}", 1e6),
    ("max frq ppm", "max_freq_error", "{:.3g}", 1),
    ("rms frq ppm", "rms_freq_error", "{:.3g}", 1),
    ("late rms off us", "late_rms_offset", "{:.1f}", 1e6),
    ("late rms frq ppm", "late_rms_freq_error", "{:.3g}", 1),
]


def load_module(name):
    # They import each other's helpers, as pytest lets them.
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    spec = importlib.util.spec_from_file_location(name, TESTS / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_limits():
    """{scenario: {key: limit}}, as the tests hold them."""
    base = load_module("test_scenarios")
    refclock = load_module("test_refclock_scenarios")
    options = load_module("test_option_scenarios")
    chrony = load_module("test_chrony_simulation")
    limits = {name: dict(lim) for name, lim in base.LIMITS.items()}
    for name in base.LEAP_SCENARIOS + base.SMEAR_SCENARIOS:
        limits[name] = dict(base.LEAP_LIMITS)
    # Theirs give a sync window: its end is the limit.
    for name, lim in (list(refclock.LIMITS.items()) + list(options.LIMITS.items()) +
                      list(chrony.LIMITS.items()) + list(chrony.LIMITS5.items()) +
                      list(chrony.LIMITS6.items())):
        lim = dict(lim)
        window = lim.pop("sync", None)
        lim["sync_time"] = window[1] if window else None
        limits[name] = lim
    return limits


def run_lines(seed):
    """Every scenario's JSON line for one seed, in --list order, measured as
    tests/sim measures it."""
    base = load_module("test_scenarios")
    chrony = load_module("test_chrony_simulation")
    stats_from = {}
    for limits in (load_module("test_refclock_scenarios").LIMITS,
                   load_module("test_option_scenarios").LIMITS, chrony.LIMITS, chrony.LIMITS5,
                   chrony.LIMITS6):
        stats_from.update(base.max_sync_times(limits))
    names = [line.split()[0] for line in base.run_sim("--list").stdout.splitlines()]
    rows = base.rows_by_seed(names, [seed], stats_from)
    return [json.dumps(rows[(name, seed)]) for name in names]


def limits_table(rows, limits):
    """Each row's limited figures as "figure / limit", and the verdict."""
    table = [["scenario", "seed"] + [c[0] for c in LIMITED] + ["verdict"]]
    for row in rows:
        lim = limits.get(row["scenario"], {})
        line, over = [row["scenario"], str(row["seed"])], []
        for header, key, fmt, scale in LIMITED:
            value, limit = row.get(key), lim.get(key)
            text = "-" if value is None else fmt.format(value * scale)
            if limit is not None:
                text += " / " + fmt.format(limit * scale)
                if value is None or value > limit:
                    over.append(header)
            elif key == "sync_time" and lim.get("never_sync"):
                text += " / never"
                if value is not None:
                    over.append(header)
            line.append(text)
        verdict = "no limits" if not lim else "over: " + ", ".join(over) if over else "ok"
        # A run whose test checks other things only (tests/sim says which).
        if lim.get("checks"):
            verdict = lim["checks"] + " (see tests)"
        table.append(line + [verdict])
    return table


def print_table(table, left):
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for n, line in enumerate(table):
        print("  ".join(v.ljust(w) if i in left else v.rjust(w)
                        for i, (v, w) in enumerate(zip(line, widths))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) == 3 and argv[1] == "--run":
        print("\n".join(run_lines(int(argv[2]))))
        return 0
    with_limits = len(argv) > 1 and argv[1] == "--limits"
    if with_limits:
        argv = argv[:1] + argv[2:]
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
    # Several seeds' lines: each scenario's together, in the order first read.
    order = {}
    for row in rows:
        order.setdefault(row["scenario"], len(order))
    rows.sort(key=lambda row: order[row["scenario"]])
    table = [[c[0] for c in COLUMNS]] + [[cell(r, c) for c in COLUMNS] for r in rows]
    print_table(table, (0, 12))
    if with_limits:
        print()
        print_table(limits_table(rows, test_limits()), (0, len(LIMITED) + 2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
