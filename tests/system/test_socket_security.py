"""The command socket and the daemon's directories against another local
user (issue: a local user could stop a root stratumd).

Every directory stratumd creates gets the narrowest mode (the socket's 0770,
the others 0750, owned by the daemon's user), an existing socket directory
must be exactly that (chronyd's check and messages), the others must not be
writable by other users, and datagrams from unbound sockets are refused.

The attacker is uid 65534 (setpriv) sending chrony's 28-byte REQ_SHUTDOWN
from an unbound and from a bound socket. The tests live in a base directory
that uid 65534 can traverse (pytest's tmp_path cannot be), and a control
case shows the attacker does reach a socket that is left open to it."""
import grp
import os
import pwd
import re
import shutil
import socket
import stat
import struct
import subprocess

import pytest

from ntptest import (Daemon, chronyd_daemon, free_udp_port, require_stratumd, server_config,
                     traversable_dir, wait_for)

NOBODY = 65534
SHUTDOWN = struct.pack("!BBBBHHIII", 6, 1, 0, 0, 62, 0, 1, 0, 0) + bytes(8)

# Sends SHUTDOWN to argv[1] from an unbound, then from a bound (autobind)
# socket; one line each: "sent" or "errno N".
ATTACKER = r"""
import socket, sys
for bind in (None, ""):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if bind is not None:
        s.bind(bind)
    try:
        s.sendto(bytes.fromhex(sys.argv[2]), sys.argv[1])
        print("sent")
    except OSError as e:
        print("errno", e.errno)
"""


def attack(path):
    """What uid/gid 65534 got sending SHUTDOWN to path: two lines."""
    r = subprocess.run(["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                        "--clear-groups", "/usr/bin/python3", "-c", ATTACKER, str(path),
                        SHUTDOWN.hex()], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout.split("\n")[:2]


@pytest.fixture
def base():
    """A private directory that uid 65534 may traverse (0755, root's)."""
    require_stratumd()
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to act as another user")
    try:
        pwd.getpwuid(NOBODY)
        grp.getgrgid(NOBODY)
    except KeyError:
        pytest.skip("no user and group %d" % NOBODY)
    with traversable_dir() as d:
        yield d


def start(workdir, lines, args=()):
    port = free_udp_port()
    d = Daemon(workdir, server_config(port, extra=["cmdport 0"] + lines), args=args)
    d.start(wait_ports=[(4, port)])
    return d


def mode_owner(path):
    st = os.stat(path)
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def bound_request(path, request=SHUTDOWN):
    """Send as root from a bound socket; the reply (bytes) or None."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind("")
        s.settimeout(2)
        s.sendto(request, str(path))
        try:
            return s.recv(1024)
        except socket.timeout:
            return None


def test_the_attacker_reaches_a_socket_open_to_it(base):
    """Control: in `base`, a 0666 socket in a 0755 directory is reachable."""
    (base / "open").mkdir(mode=0o755)
    path = base / "open" / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind(str(path))
        os.chmod(path, 0o666)
        assert attack(path) == ["sent", "sent"]


@pytest.mark.parametrize("pidfile,sock", [
    ("new/dir/s.pid", "new/dir/s.sock"),        # the layout
    ("run/s.pid", "sock/deep/er/s.sock"),
    ("p/s.pid", "p/s.sock")])
def test_directories_stratumd_creates_keep_others_out(base, pidfile, sock):
    d = start(base / "w", ["bindcmdaddress %s" % (base / sock), "pidfile %s" % (base / pidfile)])
    try:
        sockdir = (base / sock).parent
        assert mode_owner(sockdir) == (0o770, 0, 0)
        assert mode_owner((base / pidfile).parent)[0] in (0o750, 0o770)
        for parent in list(sockdir.parents) + list((base / pidfile).parents):
            if parent in (base, *base.parents):
                break
            assert mode_owner(parent)[0] & 0o007 == 0, parent
        assert attack(base / sock) == ["errno 13", "errno 13"]
        assert d.alive(), d.log()
        # The same request from root, bound, is honoured: the attack was real.
        assert bound_request(base / sock) is not None
        assert wait_for(lambda: not d.alive(), 5), d.log()
        assert "Shutdown requested" in d.log()
        assert not (base / sock).exists() and not (base / pidfile).exists()
    finally:
        d.stop()


@pytest.mark.parametrize("mode,uid,gid,message", [
    (0o755, 0, 0, "Wrong permissions on {dir}"),
    (0o1777, 0, 0, "Wrong permissions on {dir}"),
    (0o770, NOBODY, 0, "Wrong owner of {dir} (UID != 0)"),
    (0o770, 0, NOBODY, "Wrong owner of {dir} (GID != 0)")])
def test_an_existing_wrong_socket_directory_disables_the_socket(base, mode, uid, gid, message):
    """chronyd's check and words; chronyd in the same layout says the same."""
    sockdir = base / "existing"
    sockdir.mkdir()
    os.chown(sockdir, uid, gid)
    os.chmod(sockdir, mode)
    want = message.format(dir=sockdir)
    d = start(base / "w", ["bindcmdaddress %s" % (sockdir / "s.sock")])
    try:
        assert want in d.log() and "Disabled command socket %s" % (sockdir / "s.sock") in d.log()
        assert not (sockdir / "s.sock").exists()
        assert attack(sockdir / "s.sock") == ["errno 2", "errno 2"]
        assert d.alive()
    finally:
        d.stop()
    port = free_udp_port()
    c = chronyd_daemon(base / "c", ["port %d" % port, "bindaddress 127.0.0.1", "cmdport 0",
                                    "allow 127.0.0.1", "local stratum 3",
                                    "bindcmdaddress %s" % (sockdir / "c.sock")])
    try:
        c.start(wait_ports=[(4, port)])
        assert want in c.log(), c.log()
    finally:
        c.stop()


@pytest.mark.parametrize("mode", [0o770, 0o700])
def test_an_existing_right_socket_directory_is_used(base, mode):
    sockdir = base / "ok"
    sockdir.mkdir(mode=mode)
    os.chmod(sockdir, mode)
    d = start(base / "w", ["bindcmdaddress %s" % (sockdir / "s.sock")])
    try:
        assert attack(sockdir / "s.sock") == ["errno 13", "errno 13"]
        assert mode_owner(sockdir) == (mode, 0, 0)
        assert bound_request(sockdir / "s.sock") is not None
        assert wait_for(lambda: not d.alive(), 5), d.log()
    finally:
        d.stop()


def test_requests_from_unbound_sockets_are_refused(base):
    path = base / "s" / "s.sock"
    d = start(base / "w", ["bindcmdaddress %s" % path])
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(SHUTDOWN, str(path))
        assert wait_for(lambda: "Refused command from unbound socket" in d.log(), 5), d.log()
        assert d.alive() and "Shutdown requested" not in d.log()
        assert bound_request(path) is not None
        assert wait_for(lambda: not d.alive(), 5), d.log()
    finally:
        d.stop()


def test_user_nobody_gets_its_directories_and_leaves_nothing_behind(base):
    """-u nobody: created directories are nobody's; at exit the socket and
    the pidfile in its own directory are removed; a pidfile in root's
    directory cannot be, and is left empty."""
    lines = ["bindcmdaddress %s" % (base / "run" / "s.sock"), "pidfile %s" % (base / "s.pid"),
             "logdir %s" % (base / "log" / "stratum"), "dumpdir %s" % (base / "dump"),
             "log tracking"]
    d = start(base / "w", lines, args=["-u", "nobody"])
    try:
        assert mode_owner(base / "run") == (0o770, NOBODY, NOBODY)
        assert mode_owner(base / "log" / "stratum") == (0o750, NOBODY, NOBODY)
        assert mode_owner(base / "log") == (0o750, 0, NOBODY)
        assert mode_owner(base / "dump") == (0o750, NOBODY, NOBODY)
    finally:
        rc = d.stop()
    assert rc == 0, d.log()
    assert not (base / "run" / "s.sock").exists()
    assert (base / "s.pid").read_text() == "", d.log()
    d = start(base / "w2", ["pidfile %s" % (base / "own" / "s.pid")], args=["-u", "nobody"])
    assert d.stop() == 0 and not (base / "own" / "s.pid").exists(), d.log()


@pytest.mark.parametrize("directive,what", [("logdir", "log directory"),
                                            ("dumpdir", "dump directory")])
def test_a_data_directory_others_can_write_is_not_used(base, directive, what):
    data = base / "data"
    data.mkdir()
    os.chmod(data, 0o777)
    d = start(base / "w", ["%s %s" % (directive, data), "log measurements"])
    try:
        assert "Wrong permissions on %s" % data in d.log()
        assert "Disabled %s %s" % (what, data) in d.log()
    finally:
        d.stop()


def test_a_pidfile_placed_by_another_user_is_refused(base):
    pid = base / "p" / "s.pid"
    pid.parent.mkdir()
    pid.write_text("1\n")
    os.chown(pid, NOBODY, NOBODY)
    d = Daemon(base / "w", server_config(free_udp_port(), extra=["pidfile %s" % pid]))
    d.spawn()
    assert d.proc.wait(10) == 1
    assert re.search(r"Wrong owner of %s" % re.escape(str(pid)), d.log()), d.log()
    assert pid.read_text() == "1\n"


def test_a_pidfile_in_a_directory_others_can_write_is_refused(base):
    shared = base / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    d = Daemon(base / "w", server_config(free_udp_port(), extra=["pidfile %s" % (shared / "p")]))
    d.spawn()
    assert d.proc.wait(10) == 1
    assert "Wrong permissions on %s" % shared in d.log()
    assert not (shared / "p").exists()
