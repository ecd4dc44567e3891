"""Dump files (dumpdir) and -r: stratumd (always -x) synchronised to a
stratumd server writes its source's measurement history at SIGTERM (with the
drift file, exiting 0 within 1 s); restarted with -r it loads them and
updates its reference at its first new sample, where a cold start needs
several. The files are chronyd's (SRC0). Bad dump files are ignored with a
warning; every dump file is removed after start."""
import signal
import time

from ntptest import Daemon, start_server, wait_for

from test_logfiles import data_lines

SAMPLES_BEFORE_STOP = 6


def config(port, dumpdir, logdir, extra=()):
    return "\n".join(["port 0", "server 127.0.0.1 port %d iburst minpoll 2 maxpoll 2" % port,
                      "dumpdir %s" % dumpdir, "logdir %s" % logdir,
                      "log measurements tracking"] + list(extra)) + "\n"


def count(logdir, name):
    path = logdir / ("%s.log" % name)
    return len(data_lines(path.read_text(), name)) if path.exists() else 0


def measurements_at_first_update(logdir, timeout=20):
    """The number of good samples (all four of chrony's tests passed, ABCD
    1111) logged up to the first reference update: those whose time is no
    later than the first tracking line's (samples come >= 1 s apart, so the
    times, to the second, tell them apart; this looks every 0.1 s). On a
    busy machine a sample may fail the delay tests (its round trip took
    longer than the history's) and is not used."""
    assert wait_for(lambda: count(logdir, "tracking") > 0, timeout)
    text = (logdir / "tracking.log").read_text()
    first_update = data_lines(text, "tracking")[0][:19]
    rows = data_lines((logdir / "measurements.log").read_text(), "measurements")
    return sum(1 for r in rows if r[:19] <= first_update and r.split()[7] == "1111")


def stop_within_a_second(d):
    t0 = time.monotonic()
    d.signal(signal.SIGTERM)
    status = d.wait(1.0)
    elapsed = time.monotonic() - t0
    d.stop()
    return status, elapsed


def test_restart_with_r_is_synchronised_at_first_sample(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    dumpdir = tmp_path / "dumps"          # created by the daemon
    drift = tmp_path / "drift"
    logs1, logs2 = tmp_path / "logs1", tmp_path / "logs2"
    logs1.mkdir()
    logs2.mkdir()
    dump = dumpdir / "127.0.0.1.dat"
    first = Daemon(tmp_path / "first", config(port, dumpdir, logs1, ["driftfile %s" % drift]))
    second = Daemon(tmp_path / "second", config(port, dumpdir, logs2, ["driftfile %s" % drift]),
                    args=["-r"])
    try:
        first.start()
        cold = measurements_at_first_update(logs1)
        assert cold >= 3, "a cold start needs a regression of 3 samples"
        assert wait_for(lambda: count(logs1, "measurements") >= SAMPLES_BEFORE_STOP, 30)
        status, elapsed = stop_within_a_second(first)
        assert status == 0 and elapsed < 1.0, (status, elapsed, first.log())
        assert dump.exists() and drift.exists()
        lines = dump.read_text().splitlines()
        assert lines[:2] == ["SRC0", "127.0.0.1"]
        auth, reach, reach_size, stratum, leap = lines[2].split()
        assert (auth, leap) == ("0", "0") and int(reach, 8) > 0 and 3 <= int(reach_size) <= 8
        n = int(lines[3].split()[0])
        assert n >= 3 and len(lines) == 4 + n
        assert dump.stat().st_mode & 0o777 == 0o644

        second.start()
        assert measurements_at_first_update(logs2) == 1, second.log()
        assert "Loaded dump file for 127.0.0.1" in second.log()
        assert not dump.exists(), "dump files are removed after start"
        status, elapsed = stop_within_a_second(second)
        assert status == 0 and elapsed < 1.0, (status, elapsed)
        assert dump.exists()
    finally:
        first.stop()
        second.stop()
        server.stop()
    print(first.log(), second.log())
    print("cold start: first update at sample %d; with -r: at sample 1" % cold)


def test_without_r_dumps_are_removed_not_loaded(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    dumpdir = tmp_path / "dumps"
    dumpdir.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    good = dumpdir / "127.0.0.1.dat"
    good.write_text("SRC0\n127.0.0.1\n0 377 8 3 0\n1 0\n%d.000000000 0 0 0 0 0 0\n"
                    % (time.time() - 60))
    other = dumpdir / "notes.dat"          # not a dump file name: kept
    other.write_text("x\n")
    d = Daemon(tmp_path / "client", config(port, dumpdir, logs))
    try:
        d.start()
        assert wait_for(lambda: not good.exists(), 2.0)
        assert other.exists()
        assert measurements_at_first_update(logs) >= 3
    finally:
        d.stop()
        server.stop()
    assert "Loaded dump file" not in d.log()


def test_bad_dump_files_are_ignored_with_a_warning(tmp_path):
    """Another version, a corrupt file, another source's file: warned about,
    ignored (a cold start), the daemon runs."""
    server, (addr, port) = start_server(tmp_path / "server")
    dumpdir = tmp_path / "dumps"
    dumpdir.mkdir()
    dump = dumpdir / "127.0.0.1.dat"
    t = "%d.000000000" % (time.time() - 60)
    cases = [
        ("stratumd-dump 1\nsource 127.0.0.1\n", "(%s: not chronyd's format SRC0)"),
        ("SRC0\n127.0.0.1\n0 377 8 3 0\n2 0\n%s 0 0 0 0 0 0\n" % t, "(%s: bad line 6)"),
        ("SRC0\n127.0.0.2\n0 377 8 3 0\n1 0\n%s 0 0 0 0 0 0\n" % t,
         "(%s: of another source)"),
        ("SRC0\n127.0.0.1\n0 377 8 3 0\n1 0\n1000000000.000000000 0 0 0 0 0 0\n",
         "(%s: too old or from the future)"),
    ]
    for i, (text, warning) in enumerate(cases):
        dump.write_text(text)
        logs = tmp_path / ("logs%d" % i)
        logs.mkdir()
        d = Daemon(tmp_path / ("client%d" % i), config(port, dumpdir, logs), args=["-r"])
        try:
            d.start()
            assert measurements_at_first_update(logs) >= 3
            assert ("Could not load dump file for 127.0.0.1 " + warning % dump) in d.log()
        finally:
            d.stop()
    server.stop()
