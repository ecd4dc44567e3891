"""Starting detached (no -d, -n): the waiting parent prints the child's
fatal reason on its stderr and exits 1, as chronyd's does (the reason would
otherwise go only to syslog); a daemon that started keeps none of the
descriptors its parent left open, as chronyd closes them."""
import os
import signal
import socket
import subprocess

from ntptest import free_udp_port, require_stratumd, server_config, wait_for


def detached(conf, pass_fds=()):
    return subprocess.run([str(require_stratumd()), "-x", "-f", str(conf)], capture_output=True,
                          text=True, timeout=20, stdin=subprocess.DEVNULL, pass_fds=pass_fds)


def test_a_failed_detached_start_says_why_on_the_terminal(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        conf = tmp_path / "s.conf"
        conf.write_text(server_config(port, extra=["pidfile %s" % (tmp_path / "s.pid"),
                                                   "cmdport 0", "bindcmdaddress /"]))
        r = detached(conf)
    assert r.returncode == 1
    assert "Could not open any NTP server socket" in r.stderr, r.stderr


def test_a_started_daemon_keeps_no_inherited_descriptor(tmp_path):
    port = free_udp_port()
    pidfile = tmp_path / "s.pid"
    conf = tmp_path / "s.conf"
    conf.write_text(server_config(port, extra=["pidfile %s" % pidfile, "cmdport 0",
                                               "bindcmdaddress /"]))
    leaked = open(tmp_path / "inherited", "w")
    try:
        r = detached(conf, pass_fds=(leaked.fileno(),))
    finally:
        leaked.close()
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert wait_for(lambda: pidfile.exists() and pidfile.read_text().strip().isdigit(), 5)
    pid = int(pidfile.read_text())
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
        targets = [os.readlink("/proc/%d/fd/%s" % (pid, fd)) for fd in fds]
        assert str(tmp_path / "inherited") not in targets, targets
        assert all(t == "/dev/null" for fd, t in zip(fds, targets) if int(fd) <= 2), targets
    finally:
        os.kill(pid, signal.SIGTERM)
        assert wait_for(lambda: not os.path.exists("/proc/%d" % pid), 5)
