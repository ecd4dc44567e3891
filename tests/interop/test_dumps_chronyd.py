"""Dump files both ways between stratumd and Debian's chronyd 4.3 (both -x,
the same server, the same dumpdir): a file stratumd writes at SIGTERM is
loaded by chronyd -r ("Loaded dump file for 127.0.0.1"), and one chronyd
writes is loaded by stratumd -r; each then updates its reference at its
first new sample."""
import signal

from ntptest import Daemon, chronyd_daemon, start_server, wait_for


def client_lines(port, dumpdir):
    return ["port 0", "server 127.0.0.1 port %d iburst minpoll -2 maxpoll -2" % port,
            "dumpdir %s" % dumpdir]


def samples_in(dump):
    lines = dump.read_text().splitlines() if dump.exists() else []
    return int(lines[3].split()[0]) if len(lines) > 4 and lines[0] == "SRC0" else 0


def run_until_dumped(d, dump, n=6, timeout=30):
    """Start d, let it collect n samples, stop it with SIGTERM: its dump."""
    d.start()
    try:
        # At poll -2 a sample comes every 0.25 s; chronyd needs no command
        # to dump: it writes the file at exit.
        assert wait_for(lambda: "Selected source" in d.log(), timeout), d.log()
        wait_for(lambda: False, n * 0.25 + 1.0)
        d.signal(signal.SIGTERM)
        assert d.wait(5.0) == 0, d.log()
    finally:
        d.stop()
    assert samples_in(dump) >= 3, (dump.read_text() if dump.exists() else "no dump", d.log())
    return dump.read_text()


def test_chronyd_loads_stratumds_dump(tmp_path):
    server, (_, port) = start_server(tmp_path / "server")
    dumpdir = tmp_path / "dumps"
    dumpdir.mkdir(mode=0o750)
    dump = dumpdir / "127.0.0.1.dat"
    try:
        text = run_until_dumped(Daemon(tmp_path / "stratumd",
                                       "\n".join(client_lines(port, dumpdir)) + "\n"), dump)
        chronyd = chronyd_daemon(tmp_path / "chronyd", client_lines(port, dumpdir))
        chronyd.args.append("-r")
        chronyd.start()
        try:
            assert wait_for(lambda: "Loaded dump file for 127.0.0.1" in chronyd.log(), 5), \
                chronyd.log()
            assert "Could not load dump file" not in chronyd.log()
        finally:
            chronyd.stop()
    finally:
        server.stop()
    print(text.splitlines()[:5], chronyd.log())


def test_stratumd_loads_chronyds_dump(tmp_path):
    server, (_, port) = start_server(tmp_path / "server")
    dumpdir = tmp_path / "dumps"
    dumpdir.mkdir(mode=0o750)
    dump = dumpdir / "127.0.0.1.dat"
    try:
        text = run_until_dumped(chronyd_daemon(tmp_path / "chronyd", client_lines(port, dumpdir)),
                                dump)
        d = Daemon(tmp_path / "stratumd", "\n".join(client_lines(port, dumpdir)) + "\n",
                   args=["-r"])
        d.start()
        try:
            assert wait_for(lambda: "Loaded dump file for 127.0.0.1" in d.log(), 5), d.log()
            assert "Could not load dump file" not in d.log()
            assert not dump.exists(), "loaded dump files are removed"
        finally:
            d.stop()
    finally:
        server.stop()
    print(text.splitlines()[:5], d.log())
