"""binddevice, bindacqdevice and bindcmddevice: the server's, the client's
and the command sockets bound to an interface (SO_BINDTODEVICE), as
chronyd's. Bound to lo, loopback traffic reaches them; bound to another
interface (a veth one), it does not.

Runs in a private network namespace (`unshare -n`, root only) with its
loopback up and a veth pair d0-d1: the checks run there, as a Python
script of this file's (run_checks), so nothing touches the host's
interfaces."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ntptest import BUILD, require_stratumd

RUN_TIMEOUT = 120
WAIT = 3.0                   # s: long enough for a loopback answer, on a loaded machine


def require_netns():
    if os.geteuid() != 0:
        pytest.skip("a network namespace with a veth interface needs root")
    if not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("unshare(1) or ip(8) missing")
    r = subprocess.run(["unshare", "-n", "sh", "-c", "ip link add d0 type veth peer name d1"],
                       capture_output=True, timeout=RUN_TIMEOUT)
    if r.returncode != 0:
        pytest.skip("cannot create a veth interface in a network namespace: %r" % r.stderr)


def start(stratumd, workdir, name, lines):
    conf = workdir / (name + ".conf")
    conf.write_text("\n".join(lines + ["pidfile %s/%s.pid" % (workdir, name),
                                       "bindcmdaddress %s/%s.sock" % (workdir, name)]) + "\n")
    log = open(workdir / (name + ".log"), "w")
    return subprocess.Popen([stratumd, "-x", "-d", "-f", str(conf)], stdout=log,
                            stderr=subprocess.STDOUT)


def stop(p):
    p.terminate()
    p.wait(timeout=10)


def ntp_answered(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(WAIT)
        s.sendto(b"\x23" + b"\0" * 39 + os.urandom(8), ("127.0.0.1", port))
        try:
            return len(s.recv(1024)) >= 48
        except socket.timeout:
            return False


def request_seen(srv):
    srv.settimeout(WAIT)
    try:
        return len(srv.recv(1024)) >= 48
    except socket.timeout:
        return False


def run_checks(stratumd, stratumc, workdir):
    """In the namespace (lo and a veth pair d0-d1 brought up here):
    {check: outcome}."""
    workdir = Path(workdir)
    for cmd in ("ip link set lo up", "ip link add d0 type veth peer name d1",
                "ip link set d0 up", "ip link set d1 up"):
        subprocess.run(cmd.split(), check=True, timeout=30)
    out = {}
    for dev in ("lo", "d0"):
        port = 12300 + (dev == "d0")
        p = start(stratumd, workdir, "srv-" + dev,
                  ["port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1",
                   "local stratum 3", "cmdport 0", "binddevice " + dev])
        time.sleep(0.5)
        out["binddevice " + dev] = ntp_answered(port)
        stop(p)

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as srv:
            srv.bind(("127.0.0.1", 0))
            p = start(stratumd, workdir, "cli-" + dev,
                      ["port 0", "cmdport 0", "server 127.0.0.1 port %d iburst"
                       % srv.getsockname()[1], "bindacqdevice " + dev])
            out["bindacqdevice " + dev] = request_seen(srv)
            stop(p)

        cmdport = 12310 + (dev == "d0")
        p = start(stratumd, workdir, "cmd-" + dev,
                  ["port 0", "cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1",
                   "bindcmddevice " + dev])
        time.sleep(0.5)
        r = subprocess.run([stratumc, "-n", "-h", "127.0.0.1", "-p", str(cmdport), "tracking"],
                           capture_output=True, text=True, timeout=30)
        out["bindcmddevice " + dev] = "Reference ID" in r.stdout
        stop(p)
    return out


def test_sockets_bound_to_their_interface(tmp_path):
    require_netns()
    stratumd = require_stratumd()
    stratumc = BUILD / "stratumc"
    paths = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]
    code = ("import json, sys; sys.path[:0] = %r; import test_bind_devices as t; "
            "print(json.dumps(t.run_checks(%r, %r, %r)))"
            % (paths, str(stratumd), str(stratumc), str(tmp_path)))
    r = subprocess.run(["unshare", "-n", sys.executable, "-c", code], capture_output=True,
                       text=True, timeout=RUN_TIMEOUT)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    want = {"%s %s" % (d, dev): dev == "lo"
            for d in ("binddevice", "bindacqdevice", "bindcmddevice") for dev in ("lo", "d0")}
    assert got == want, (got, [(f.name, f.read_text()) for f in tmp_path.glob("*.log")])
