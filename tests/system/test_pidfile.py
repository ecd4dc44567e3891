"""The PID file (pidfile): written with the daemon's pid and locked while it
runs, so a second stratumd on the same file exits 1 with chronyd's message
(the first keeps serving); a stale file is taken over; the directory is
created; a symlink is not followed; the file is removed at SIGTERM.
stratumd always runs with -x; everything is in pytest's temporary
directories."""
import signal
import subprocess
import time

from ntptest import Daemon, free_udp_port, query, require_stratumd, server_config, wait_for


def run(args, timeout=10):
    return subprocess.run([str(require_stratumd())] + list(args), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_second_daemon_refuses_to_start_and_first_keeps_running(tmp_path):
    pidfile = tmp_path / "run" / "stratumd.pid"
    port = free_udp_port()
    first = Daemon(tmp_path / "first", server_config(port, extra=["pidfile %s" % pidfile]))
    try:
        first.start(wait_ports=[(4, port)])
        assert wait_for(pidfile.exists, 2.0)
        assert pidfile.read_text() == "%d\n" % first.proc.pid
        message = ("Another stratumd may already be running (pid=%d), check %s"
                   % (first.proc.pid, pidfile))
        conf = tmp_path / "second.conf"
        conf.write_text(server_config(free_udp_port(), extra=["pidfile %s" % pidfile]))
        # In the foreground (-d), and detaching (the message reaches the
        # terminal before the fork, as chronyd's does).
        for args in (["-x", "-d", "-f", str(conf)], ["-x", "-f", str(conf)]):
            r = run(args)
            assert r.returncode == 1, (args, r.stderr)
            assert message in r.stderr, (args, r.stderr)
        assert first.alive()
        assert pidfile.read_text() == "%d\n" % first.proc.pid
        assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
        t0 = time.monotonic()
        first.signal(signal.SIGTERM)
        assert first.wait(1.0) == 0, first.log()
        assert time.monotonic() - t0 < 1.0
    finally:
        first.stop()
    assert not pidfile.exists()
    assert "stratumd exiting" in first.log()


def test_stale_pid_file_is_taken_over(tmp_path):
    """A file left by a crash (nobody holds its lock) is rewritten."""
    pidfile = tmp_path / "stratumd.pid"
    pidfile.write_text("999999\nleftover\n")
    port = free_udp_port()
    d = Daemon(tmp_path / "d", server_config(port, extra=["pidfile %s" % pidfile]))
    try:
        d.start(wait_ports=[(4, port)])
        assert pidfile.read_text() == "%d\n" % d.proc.pid
        assert pidfile.stat().st_mode & 0o777 == 0o644
    finally:
        assert d.stop() == 0
    assert not pidfile.exists()


def test_missing_directories_are_created(tmp_path):
    pidfile = tmp_path / "a" / "b" / "stratumd.pid"
    port = free_udp_port()
    d = Daemon(tmp_path / "d", server_config(port, extra=["pidfile %s" % pidfile]))
    try:
        d.start(wait_ports=[(4, port)])
        assert pidfile.read_text() == "%d\n" % d.proc.pid
        # Never world-accessible, whatever the umask (test_socket_security.py
        # has the owners and the other users' view).
        assert (tmp_path / "a" / "b").stat().st_mode & 0o777 == 0o750
        assert (tmp_path / "a").stat().st_mode & 0o777 == 0o750
    finally:
        d.stop()


def test_symlink_is_not_followed(tmp_path):
    target = tmp_path / "target"
    target.write_text("precious\n")
    link = tmp_path / "stratumd.pid"
    link.symlink_to(target)
    conf = tmp_path / "s.conf"
    conf.write_text(server_config(free_udp_port(), extra=["pidfile %s" % link]))
    r = run(["-x", "-d", "-f", str(conf)])
    assert r.returncode == 1
    assert "Could not write %s" % link in r.stderr, r.stderr
    assert target.read_text() == "precious\n"
    assert link.is_symlink()


def test_slash_disables_the_pid_file(tmp_path):
    """`pidfile /` (as chronyd): no file, and two daemons may run."""
    ports = [free_udp_port(), free_udp_port()]
    ds = [Daemon(tmp_path / ("d%d" % i), server_config(p, extra=["pidfile /"]))
          for i, p in enumerate(ports)]
    try:
        for d, p in zip(ds, ports):
            d.start(wait_ports=[(4, p)])
        assert all(d.alive() for d in ds)
    finally:
        for d in ds:
            assert d.stop() == 0
