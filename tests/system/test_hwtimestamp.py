"""hwtimestamp on a machine whose interfaces have no hardware timestamps
(loopback never has them): as chronyd, `hwtimestamp *` skips them without a
word and the daemon serves and measures with kernel timestamps; a named
interface that cannot be set up stops the daemon with chronyd's message,
compared with Debian's chronyd 4.3 given the same line."""
import re
import shutil
import subprocess

import pytest

from ntptest import (Daemon, chronyd_daemon, chronyd_path, free_udp_port, parse, query,
                     require_stratumd, stratumc, username, wait_for)

MESSAGE = "Could not enable HW timestamping on %s"


def hardware_interfaces():
    """Interfaces ethtool says stamp in hardware (None: no ethtool)."""
    if not shutil.which("ethtool"):
        return None
    found = []
    for name in open("/proc/net/dev").read().split("\n")[2:]:
        name = name.split(":")[0].strip()
        if name:
            r = subprocess.run(["ethtool", "-T", name], capture_output=True, text=True, timeout=10)
            if "hardware-raw-clock" in r.stdout:
                found.append(name)
    return found


def test_all_interfaces_without_hardware_stamps_serve_with_kernel_stamps(daemons, tmp_path):
    if hardware_interfaces():
        pytest.skip("this machine has hardware timestamping: %s" % hardware_interfaces())
    port = free_udp_port()
    server = daemons("hwtimestamp *\nport %d\nbindaddress 127.0.0.1\nallow 127.0.0.1\n"
                     "local stratum 3\n" % port, wait_ports=[(4, port)])
    _, reply, _ = query(("127.0.0.1", port))
    assert reply is not None and parse(reply).stratum == 3, server.log()
    sock = tmp_path / "client.sock"
    client = daemons("hwtimestamp * rxfilter all\nhwtstimeout 0.01\nport 0\n"
                     "bindcmdaddress %s\nserver 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst\n"
                     % (sock, port))

    def good_replies():
        rc, out = stratumc(sock, "ntpdata")
        m = re.search(r"^Total good RX\s*: (\d+)$", out, re.M)
        return int(m.group(1)) if rc == 0 and m else 0

    assert wait_for(lambda: good_replies() >= 3, 20), client.log()
    rc, out = stratumc(sock, "ntpdata")
    assert rc == 0, out
    assert re.search(r"^TX timestamping : Kernel$", out, re.M), out
    assert re.search(r"^RX timestamping : Kernel$", out, re.M), out
    for d in (server, client):
        assert "HW timestamping" not in d.log() and "not implemented" not in d.log(), d.log()


def exits_with(daemon):
    """(exit status, log) of a daemon expected to stop by itself."""
    daemon.spawn()
    rc = daemon.wait(10)
    daemon.stop()
    assert rc is not None, "still running:\n" + daemon.log()
    return rc, daemon.log()


@pytest.mark.parametrize("iface", ["lo", "nosuchif0"])
def test_named_interface_without_hardware_stamps_is_fatal(tmp_path, iface):
    line = "hwtimestamp %s" % iface
    rc, log = exits_with(Daemon(tmp_path / "stratumd", line + "\nport 0\n"))
    assert rc == 1, log
    assert log.rstrip().splitlines()[-1].endswith(" Fatal error : " + MESSAGE % iface), log


@pytest.mark.parametrize("iface", ["lo", "nosuchif0"])
def test_chronyd_gives_the_same_message(tmp_path, iface):
    chronyd = chronyd_daemon(tmp_path / "chronyd", ["hwtimestamp %s" % iface, "port 0"])
    rc, log = exits_with(chronyd)
    assert rc == 1, log
    assert log.rstrip().splitlines()[-1].endswith("Fatal error : " + MESSAGE % iface), log


@pytest.mark.parametrize("binary", ["stratumd", "chronyd"])
def test_query_mode_named_interface_is_fatal(tmp_path, binary):
    """-Q sets hardware timestamping up as the daemon does: chronyd's
    message there too, before any request."""
    prog = require_stratumd() if binary == "stratumd" else chronyd_path()
    conf = tmp_path / "q.conf"
    conf.write_text("hwtimestamp lo\nserver 127.0.0.1 port %d\npidfile %s\n"
                    % (free_udp_port(), tmp_path / "q.pid"))
    extra = ["-u", username()] if binary == "chronyd" else []
    r = subprocess.run([str(prog), "-x", "-d", "-t", "3", "-Q", "-f", str(conf)] + extra,
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 1, r.stderr
    assert re.search(r"Fatal error : " + MESSAGE % "lo" + "$", r.stderr, re.M), r.stderr
    assert "no valid reply" not in r.stdout, r.stdout
