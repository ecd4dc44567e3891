"""Count every test of every suite of `make check` (or those named) and print
one line: "N passed, N failed[, N skipped]". Exit status 1 if anything
failed, or if a suite left no results (it counts as one failure).

Unit tests are counted per cmocka test case (from its JUnit XML); a test
binary that failed without recording a failed case (a crash, a sanitizer
report) counts as one more failure. Fuzz targets count one test each.
"""
import glob
import json
import os
import sys
import xml.etree.ElementTree as ET


def junit_counts(path):
    """passed, failed, skipped of one JUnit XML file (cmocka or pytest)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return 0, 1, 0
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    passed = failed = skipped = 0
    for s in suites:
        for case in s.findall("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def unit_counts(directory):
    if os.path.exists(os.path.join(directory, "BUILD_FAILED")):
        return 0, 1, 0
    passed = failed = skipped = 0
    for xml in sorted(glob.glob(os.path.join(directory, "*.xml"))):
        p, f, s = junit_counts(xml)
        passed, failed, skipped = passed + p, failed + f, skipped + s
    # Binaries that failed although their XML shows no failed case, and
    # binaries whose cases were not reported: each test_NAME.c must name its
    # cmocka group NAME (cmocka_run_group_tests_name), or its cases would be
    # written over another binary's and go uncounted.
    log = os.path.join(directory, "testlog.json")
    crashed = 0
    if os.path.exists(log):
        with open(log) as fh:
            for line in fh:
                entry = json.loads(line)
                if entry.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL"):
                    crashed += 1
                elif not os.path.exists(os.path.join(directory, entry["name"] + ".xml")):
                    print("  unit test %s reported no cases: name its cmocka group %s"
                          % (entry["name"], entry["name"]))
                    failed += 1
    else:
        crashed = 1
    if crashed > failed:
        failed = crashed
    return passed, failed, skipped


def fuzz_counts(path):
    passed = failed = 0
    if not os.path.exists(path):
        return 0, 1, 0
    with open(path) as fh:
        for line in fh:
            fields = line.split()
            if len(fields) >= 2 and fields[1] == "pass":
                passed += 1
            else:
                failed += 1
    return passed, failed, 0


def pytest_counts(path):
    return junit_counts(path) if os.path.exists(path) else (0, 1, 0)


# Each suite: its name in the summary and how to count it from the results
# directory. `make check` counts the first five; `make check-long`, "long".
SUITES = {
    "unit": ("unit", lambda d: unit_counts(os.path.join(d, "unit"))),
    "asan": ("unit (asan+ubsan)", lambda d: unit_counts(os.path.join(d, "asan"))),
    "fuzz": ("fuzz smoke", lambda d: fuzz_counts(os.path.join(d, "fuzz.txt"))),
    "pytest": ("sim+system+interop", lambda d: pytest_counts(os.path.join(d, "pytest.xml"))),
    "seccomp": ("interop with -F 1",
                lambda d: pytest_counts(os.path.join(d, "pytest-seccomp.xml"))),
    "long": ("long", lambda d: pytest_counts(os.path.join(d, "pytest-long.xml"))),
}
CHECK = ["unit", "asan", "fuzz", "pytest", "seccomp"]


def main():
    """summary.py RESULTS_DIR [SUITE...] (default: those of `make check`)."""
    results = sys.argv[1]
    suites = {SUITES[k][0]: SUITES[k][1](results) for k in (sys.argv[2:] or CHECK)}
    total = [0, 0, 0]
    for name, (p, f, s) in suites.items():
        print(f"  {name}: {p} passed, {f} failed, {s} skipped")
        total = [total[0] + p, total[1] + f, total[2] + s]
    line = f"{total[0]} passed, {total[1]} failed"
    if total[2]:
        line += f", {total[2]} skipped"
    print(line)
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main())
