"""Debian's ntpsec ntpd (1.2.2) as an NTS client of stratumd (RFC 8915).

ntpd always uses UDP port 123 and calls ntp_adjtime() at start whatever
its configuration says (`disable ntp` and `disable kernel` only keep it
from steering afterwards), so both daemons run in a network namespace made
here (`unshare -n`, a loopback of their own) and ntpd runs without
CAP_SYS_TIME (`setpriv --bounding-set -sys_time`): it logs that
ntp_adjtime is not permitted and cannot touch the clock. Hence root only.

ntpd trusts the test CA (`ca` option) and checks the server certificate
for IP:127.0.0.1. Passing: its NTS-KE with stratumd succeeds ("NTSc: Got 8
cookies" in its log; stratumd's "NTS-KE connections accepted") and the
replies it takes are authenticated: its peerstats status word has the
authentic bit (0x2000), stratumd answered NTS requests and sent no NAK.
ntpq is not used: ntpd 1.2.2 here answers no mode 6 query (they time
out). Every wait is bounded."""
import re
import shutil
import subprocess

import pytest

from ntptest import (Daemon, free_tcp_port, free_udp_port, is_root, make_test_pki, peers_root,
                     require_stratumd, server_config, wait_for)

SYNC_TIMEOUT = 30.0
AUTHENTIC = 0x2000          # peer status word: the last packet was authentic
STATUS_FIELD = 3            # of a peerstats line: MJD seconds address status ...


class Netns:
    """A network namespace with loopback up, held by a sleeping process;
    prefix() runs a command in it."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["unshare", "-n", "--", "sh", "-c", "ip link set lo up && echo up && exec sleep 3600"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        if self.proc.stdout.readline().strip() != "up":
            self.close()
            pytest.skip("cannot make a network namespace here")

    def prefix(self):
        return ["nsenter", "-t", str(self.proc.pid), "-n", "--"]

    def close(self):
        self.proc.kill()
        self.proc.wait(timeout=5)
        self.proc.stdout.close()


class NsDaemon(Daemon):
    """A Daemon (stratumd -x, or another binary) run in a Netns."""

    def __init__(self, ns, workdir, config="", args=(), binary=None, conf_name="stratumd.conf"):
        super().__init__(workdir, config, args, binary, conf_name)
        self.ns = ns

    def argv(self):
        return self.ns.prefix() + super().argv()


def udp_bound(pid, port):
    """Whether process pid has bound UDP port (in its own namespace)."""
    try:
        with open("/proc/%d/net/udp" % pid) as f:
            return any(":%04X " % port in l for l in f.read().splitlines()[1:])
    except OSError:
        return False


def ntpd_argv(ns, root, conf, workdir):
    """ntpd in the foreground (-n), its log, pid file and configuration in
    workdir, without CAP_SYS_TIME."""
    return ns.prefix() + ["setpriv", "--bounding-set", "-sys_time", "--",
                          str(root / "usr" / "sbin" / "ntpd"), "-n", "-g", "-c", str(conf),
                          "-p", str(workdir / "ntpd.pid"), "-l", str(workdir / "ntpd.log")]


def statuses(path):
    """The peer status words of ntpd's peerstats file."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    return [int(l.split()[STATUS_FIELD], 16) for l in lines if len(l.split()) > STATUS_FIELD]


def test_ntpsec_takes_authenticated_time_from_stratumd(tmp_path):
    require_stratumd()
    root = peers_root()
    if not (root / "usr" / "sbin" / "ntpd").is_file():
        pytest.skip("ntpd not found in %s" % root)
    if not is_root():
        pytest.skip("needs root: a network namespace (ntpd binds port 123)")
    for tool in ("unshare", "nsenter", "setpriv", "ip"):
        if not shutil.which(tool):
            pytest.skip("%s missing" % tool)
    cert, key, ca, _ = make_test_pki(tmp_path)
    port, keport = free_udp_port(), free_tcp_port()
    cdir = tmp_path / "ntpd"
    stats = cdir / "stats"
    stats.mkdir(parents=True)
    conf = cdir / "ntp.conf"
    conf.write_text("\n".join([
        "server 127.0.0.1:%d nts ca %s iburst minpoll 1 maxpoll 1" % (keport, ca),
        "disable ntp", "disable kernel",
        "statsdir %s/" % stats, "statistics peerstats",
        "filegen peerstats file peerstats type none enable"]) + "\n")
    ns = Netns()
    srv = NsDaemon(ns, tmp_path / "stratumd", server_config(port, extra=[
        "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport]))
    log = cdir / "ntpd.log"
    ntpd = None
    try:
        srv.start(wait_ready=False)     # READY=1 would be sent in its namespace
        assert wait_for(lambda: udp_bound(srv.proc.pid, port) or not srv.alive(), 5), srv.log()
        ntpd = subprocess.Popen(ntpd_argv(ns, root, conf, cdir), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

        def authentic():
            return sum(1 for s in statuses(stats / "peerstats") if s & AUTHENTIC)
        assert wait_for(lambda: authentic() >= 3 or ntpd.poll() is not None, SYNC_TIMEOUT), \
            log.read_text(errors="replace") if log.exists() else "no ntpd log"
        text = log.read_text(errors="replace")
        assert "certificate is valid" in text and "Using port %d" % port in text, text
        assert re.search(r"NTSc: Got [1-9]\d* cookies", text), text
        assert "ntp_adjtime: Operation not permitted" in text, text
        # every sample it took came authenticated
        assert all(s & AUTHENTIC for s in statuses(stats / "peerstats")), \
            (stats / "peerstats").read_text()
    finally:
        if ntpd:
            ntpd.terminate()
            try:
                ntpd.wait(timeout=5)
            except subprocess.TimeoutExpired:
                ntpd.kill()
                ntpd.wait(timeout=5)
        code = srv.stop()
        ns.close()
        print("---- ntpd\n%s" % (log.read_text(errors="replace") if log.exists() else ""))
        print("---- stratumd (exit %s)\n%s" % (code, srv.log()))
    out = srv.log()
    assert re.search(r"NTS-KE connections accepted [1-9].*\n.*NTS packets answered [1-9]\d*, "
                     r"NAKs 0", out), out
