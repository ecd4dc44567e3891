"""Count every test of every suite of `make check` and print one line:
"N passed, N failed[, N skipped]". Exit status 1 if anything failed.

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


def main():
    results = sys.argv[1]
    suites = {
        "unit": unit_counts(os.path.join(results, "unit")),
        "unit (asan+ubsan)": unit_counts(os.path.join(results, "asan")),
        "fuzz smoke": fuzz_counts(os.path.join(results, "fuzz.txt")),
        "sim+system+interop": junit_counts(os.path.join(results, "pytest.xml"))
        if os.path.exists(os.path.join(results, "pytest.xml")) else (0, 1, 0),
        "interop with -F 1": junit_counts(os.path.join(results, "pytest-seccomp.xml"))
        if os.path.exists(os.path.join(results, "pytest-seccomp.xml")) else (0, 1, 0),
        "long (background)": junit_counts(os.path.join(results, "pytest-long.xml"))
        if os.path.exists(os.path.join(results, "pytest-long.xml")) else (0, 1, 0),
    }
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
