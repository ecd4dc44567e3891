"""-u nobody without -x: the daemon keeps CAP_SYS_TIME, and only it.

Checking this needs a daemon that controls the clock (no -x), and tests
must never change the system clock. So the daemon runs in a user namespace
of its own (uid and gid 0 and 65534 mapped to themselves): there it starts
as root with every capability of that namespace and switches to nobody as
usual, but the kernel checks CAP_SYS_TIME against the initial user
namespace for adjtimex, clock_adjtime and clock_settime, so whatever the
daemon tried, the system clock cannot change. (It has no source and no
makestep, so it would not try anyway.) The capability sets read from
/proc/PID/status are those the daemon holds in its namespace: the same
sets -u leaves in the initial namespace (test_server.py checks -u with -x
there: no capability at all)."""
import os
import pwd
import subprocess

import pytest

from ntptest import free_udp_port, query, require_stratumd, server_config, udp_ports_of, wait_for

CAP_SYS_TIME = 25


def start_in_user_namespace(stratumd, args, workdir):
    """stratumd (argv tail `args`) in a new user namespace, its maps written
    from here before it runs; returns the Popen (its pid is stratumd's)."""
    log = open(workdir / "stratumd.stderr", "wb")
    p = subprocess.Popen(["unshare", "--user", "--", "sh", "-c",
                          'read go && exec "$0" "$@"', str(stratumd)] + args,
                         stdin=subprocess.PIPE, stdout=log, stderr=log, start_new_session=True)
    ours = os.readlink("/proc/self/ns/user")
    try:
        if not wait_for(lambda: os.readlink("/proc/%d/ns/user" % p.pid) != ours, 5):
            raise OSError("no new user namespace")
        for name in ("uid_map", "gid_map"):
            with open("/proc/%d/%s" % (p.pid, name), "w") as f:
                f.write("0 0 1\n65534 65534 1\n")
    except OSError as e:
        p.kill()
        p.wait(5)
        pytest.skip("user namespaces unavailable: %s" % e)
    p.stdin.write(b"go\n")
    p.stdin.close()
    return p


@pytest.mark.parametrize("workers", [0, 2])
def test_user_nobody_keeps_only_cap_sys_time(tmp_path, workers):
    """Every thread: the server workers start after the switch."""
    stratumd = require_stratumd()
    if os.geteuid() != 0:
        pytest.skip("writing the namespace's uid map for nobody needs root")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody'")
    if nobody.pw_uid != 65534:
        pytest.skip("nobody is not uid 65534")
    port = free_udp_port()
    conf = tmp_path / "stratumd.conf"
    conf.write_text(server_config(port) + "pidfile %s\ncmdport 0\nbindcmdaddress /\n"
                    "serverworkers %d\n" % (tmp_path / "stratumd.pid", workers))
    p = start_in_user_namespace(stratumd, ["-d", "-u", "nobody", "-f", str(conf)], tmp_path)
    try:
        def status(tid=p.pid):
            with open("/proc/%d/task/%d/status" % (p.pid, tid)) as f:
                return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)

        assert wait_for(lambda: (4, port) in udp_ports_of(p.pid) and
                        set(status()["Uid"].split()) == {str(nobody.pw_uid)}, 5), \
            (tmp_path / "stratumd.stderr").read_text()
        assert wait_for(lambda: len(os.listdir("/proc/%d/task" % p.pid)) == 1 + workers, 5)
        for tid in map(int, os.listdir("/proc/%d/task" % p.pid)):
            s = status(tid)
            assert set(s["Uid"].split()) == {str(nobody.pw_uid)}
            assert int(s["CapEff"], 16) == 1 << CAP_SYS_TIME, s["CapEff"]
            assert int(s["CapPrm"], 16) == 1 << CAP_SYS_TIME, s["CapPrm"]
            assert int(s["CapInh"], 16) == 0 and int(s["CapAmb"], 16) == 0
        assert status()["Name"] == "stratumd"
        assert query(("127.0.0.1", port), timeout=2.0)[1] is not None
    finally:
        p.terminate()
        try:
            p.wait(3)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
    log = (tmp_path / "stratumd.stderr").read_text()
    assert "Disabled control of system clock" not in log   # really without -x
    assert p.returncode == 0, log
