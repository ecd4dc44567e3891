"""The daemon's helper processes (ntsprocesses' NTS-KE helpers, mailonchange's
mail helper) are waited for when they end: one killed while the daemon runs
is reaped (no <defunct> child is left) and its end logged, under the system
call filter (-F 1) too. stratumd -x, loopback only."""
import os
import signal

import pytest

from ntptest import (Daemon, free_tcp_port, free_udp_port, make_test_pki, require_stratumd,
                     server_config, wait_for)

WAIT = 5.0           # s: bound of each wait (a loaded machine)


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(c) for c in f.read().split()]


def state(pid):
    """The process's state letter (Z: a zombie), None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def nts_daemon(tmp_path, processes, args=()):
    cert, key, _, _ = make_test_pki(tmp_path)
    return Daemon(tmp_path / "d", server_config(free_udp_port(), extra=[
        "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % free_tcp_port(),
        "ntsprocesses %d" % processes]), args=args)


def mail_daemon(tmp_path, args=()):
    return Daemon(tmp_path / "d", "mailonchange ops@example.org 0.5\n", args=args)


@pytest.mark.parametrize("args", [(), ("-F", "1")])
@pytest.mark.parametrize("kind,make,name", [
    ("nts", lambda p, a: nts_daemon(p, 2, a), "NTS-KE helper"),
    ("mail", mail_daemon, "Mail helper")])
def test_killed_helper_is_reaped_and_logged(tmp_path, kind, make, name, args):
    require_stratumd()
    d = make(tmp_path, args)
    try:
        d.start()
        helpers = children(d.proc.pid)
        assert len(helpers) == (2 if kind == "nts" else 1), helpers
        victim = helpers[0]
        os.kill(victim, signal.SIGKILL)
        # Not reaped, it would stay a zombie ("Z") for as long as the daemon runs.
        assert wait_for(lambda: state(victim) is None, WAIT), (state(victim), d.log())
        assert "%s (pid %d) killed by signal %d" % (name, victim, signal.SIGKILL) in d.log()
        assert d.alive()
        assert all(state(p) not in (None, "Z") for p in helpers[1:])
    finally:
        code = d.stop()
    assert code == 0, d.log()

