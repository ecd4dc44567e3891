"""Shared helpers for Stratum's system and interop tests (pytest).

Everything here is bounded in time: every wait has a timeout and every loop
a bound.  Traffic stays on loopback (127.0.0.0/8, ::1).

Contents:
  - paths: REPO, BUILD (STRATUM_BUILD overrides), STRATUMD (STRATUMD overrides)
  - free_udp_port(): a free unprivileged UDP port (bind port 0)
  - a tiny NTP packet builder/parser (struct), extension fields, MAC trailers
  - exchange(): send one datagram, collect every reply within a timeout
  - FakeServer: a stratum 1 server in Python that counts requests and can
    announce a leap second
  - stratumc(): run build/stratumc against a daemon's command socket
  - Daemon: run stratumd (always with -x -d, a PID file in its workdir,
    plus the options of $STRATUMD_EXTRA_ARGS) with guaranteed cleanup;
    chronyd_daemon(): the same for the extracted chronyd
  - peers_root(), chronyd_path(), ntpdig_cmd(): locate the real peers,
    preparing them with scripts/peers.sh when needed (skip if impossible)
  - monitoring_root(): Debian's collectd and node_exporter chrony collector,
    extracted by scripts/monitoring.sh; prometheus_bin(): Debian's promtool
    and prometheus, extracted by scripts/prometheus.sh (skip if impossible)
  - base_units(): the host's systemd units copied into a root for
    systemd-analyze verify --root
  - fixtures: daemons (factory), local_server, unsync_server, stratumd_bin
  - make_test_pki(): a CA and a server certificate for IP:127.0.0.1 (openssl)
"""

import contextlib
import os
import pwd
import random
import re
import select
import signal
import socket
import struct
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("STRATUM_BUILD", str(REPO / "build")))
STRATUMD = Path(os.environ.get("STRATUMD", str(BUILD / "stratumd")))
PEERS_DIR = Path(os.environ.get("PEERS_DIR", str(REPO / ".cache" / "peers")))
PEERS_SCRIPT = REPO / "scripts" / "peers.sh"
DATA = REPO / "tests" / "data"

# NTP epoch (1900) to Unix epoch (1970).
NTP_UNIX_DELTA = 2208988800

# Modes
MODE_UNSPEC, MODE_ACTIVE, MODE_PASSIVE, MODE_CLIENT, MODE_SERVER = 0, 1, 2, 3, 4
MODE_BROADCAST, MODE_CONTROL, MODE_PRIVATE = 5, 6, 7

LEAP_NONE, LEAP_UNSYNC = 0, 3


# ---------------------------------------------------------------- stratumd

def require_stratumd():
    """Skip the calling test when build/stratumd is missing (not built yet)."""
    if not (STRATUMD.is_file() and os.access(STRATUMD, os.X_OK)):
        pytest.skip("%s not built (run `make`, or set STRATUM_BUILD/STRATUMD)" % STRATUMD)
    return STRATUMD


def is_root():
    return os.geteuid() == 0


def username():
    return pwd.getpwuid(os.geteuid()).pw_name


# ---------------------------------------------------------------- ports

def free_udp_port(addr="127.0.0.1"):
    """A currently free UDP port on addr (the kernel picks one for port 0)."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def free_tcp_port(addr="127.0.0.1"):
    """A port for a TCP server (NTS-KE) on addr, free for TCP and UDP, taken
    below the kernel's ephemeral range: a port the kernel picks for bind(0)
    may be the local port of another test's outgoing connection a moment
    later ("Address already in use" when the server binds it)."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        try:
            with socket.socket(family, socket.SOCK_STREAM) as t, \
                    socket.socket(family, socket.SOCK_DGRAM) as u:
                t.bind((addr, port))
                u.bind((addr, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free TCP port below %d on %s" % (low, addr))


def _socket_inodes(pid):
    """Inodes of the sockets open in process pid."""
    inodes = set()
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return inodes
    for fd in fds[:4096]:
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]", link)
        if m:
            inodes.add(m.group(1))
    return inodes


def udp_ports_of(pid):
    """Set of (family, local port) of the UDP sockets process pid has bound."""
    inodes = _socket_inodes(pid)
    found = set()
    for family, table in ((4, "/proc/net/udp"), (6, "/proc/net/udp6")):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10:
                continue
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if fields[9] in inodes and port:
                found.add((family, port))
    return found


# ---------------------------------------------------------------- packets

def ntp_now():
    """Current time as a 64-bit NTP timestamp (int)."""
    t = time.time() + NTP_UNIX_DELTA
    return int(t * (1 << 32)) & 0xFFFFFFFFFFFFFFFF


def ntp_to_unix(ts):
    """64-bit NTP timestamp (era 0, valid until 2036) -> Unix seconds."""
    return ts / float(1 << 32) - NTP_UNIX_DELTA


def random_ts():
    return random.getrandbits(64)


def header(li=0, vn=4, mode=MODE_CLIENT, stratum=0, poll=0, precision=0,
           root_delay=0, root_disp=0, refid=0, ref=0, org=0, rec=0, xmt=None):
    """A 48-byte NTP header; timestamps are 64-bit ints; xmt defaults to a
    random value (as chrony's clients send)."""
    if xmt is None:
        xmt = random_ts()
    lvm = ((li & 3) << 6) | ((vn & 7) << 3) | (mode & 7)
    return struct.pack("!BBbbIII4Q", lvm, stratum & 0xFF, poll, precision,
                       root_delay, root_disp, refid, ref, org, rec, xmt)


def client_request(vn=4, xmt=None):
    return header(vn=vn, mode=MODE_CLIENT, xmt=xmt)


def ext_field(ftype, length, declared=None, fill=b"\x00"):
    """An RFC 7822 extension field of `length` bytes on the wire whose length
    field says `declared` (default: length).  Body filled with `fill`."""
    declared = length if declared is None else declared
    assert length >= 4
    return struct.pack("!HH", ftype, declared & 0xFFFF) + (fill * length)[:length - 4]


def mac_trailer(key_id, digest_len=16):
    """A symmetric-key MAC trailer: 4-byte key id + digest (random bytes)."""
    return struct.pack("!I", key_id) + bytes(random.getrandbits(8) for _ in range(digest_len))


@dataclass
class NtpPacket:
    li: int
    vn: int
    mode: int
    stratum: int
    poll: int
    precision: int
    root_delay: int
    root_disp: int
    refid: int
    ref: int
    org: int
    rec: int
    xmt: int
    length: int


def parse(data):
    """Parse the 48-byte header of data (None if shorter than 48 bytes)."""
    if len(data) < 48:
        return None
    (lvm, stratum, poll, precision, root_delay, root_disp, refid,
     ref, org, rec, xmt) = struct.unpack("!BBbbIII4Q", data[:48])
    return NtpPacket(lvm >> 6, (lvm >> 3) & 7, lvm & 7, stratum, poll, precision,
                     root_delay, root_disp, refid, ref, org, rec, xmt, len(data))


F323_MAGIC = 0xF5BEDD9A


def f323(packet):
    """The F323 field's (root delay, root dispersion, monotonic rx, epoch)
    if the packet carries a well-formed one after its header, else None."""
    at = 48
    while at + 4 <= len(packet):
        kind, length = struct.unpack("!HH", packet[at:at + 4])
        if length < 16 or at + length > len(packet):
            return None
        if kind == 0xF323 and length == 28:
            magic, delay, disp, mono, epoch = struct.unpack("!IIIQI", packet[at + 4:at + 28])
            return (delay, disp, mono, epoch) if magic == F323_MAGIC else None
        at += length
    return None


# ---------------------------------------------------------------- exchanges

def _family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def exchange(dst, payload, src=None, timeout=0.3, max_replies=8, settle=None):
    """Send payload to dst=(addr, port) from a fresh socket bound to src
    (address only, default the wildcard of dst's family) and return the list of
    (data, sender) received within timeout seconds (all of them, to catch
    duplicate replies).  With settle, stop waiting `settle` seconds after the
    first reply."""
    family = _family(dst[0])
    replies = []
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((src or ("::" if family == socket.AF_INET6 else "0.0.0.0"), 0))
        s.sendto(payload, dst)
        deadline = time.monotonic() + timeout
        while len(replies) < max_replies:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([s], [], [], left)
            if not r:
                break
            data, sender = s.recvfrom(65535)
            replies.append((data, sender[:2]))
            if settle is not None:
                deadline = min(deadline, time.monotonic() + settle)
    return replies


def xleave_ask(server, src="127.0.0.1", org=0, rec=0):
    """One client request from src naming org and rec; returns (request
    xmt, parsed reply). The reply is interleaved if its origin is rec."""
    xmt = random_ts()
    replies = exchange(server, header(org=org, rec=rec, xmt=xmt), src=src, timeout=1.0,
                       max_replies=1)
    assert len(replies) == 1, "no reply from %s" % src
    return xmt, parse(replies[0][0])


def xleave_ask_saved(server, src):
    """A client's first two exchanges, both basic: as chronyd, the server
    saves nothing of a request with origin 0, so the second request, which
    names the first, finds nothing; its own exchange is saved. Returns its
    reply."""
    x0, r0 = xleave_ask(server, src)
    assert r0.org == x0
    x1, r1 = xleave_ask(server, src, org=r0.rec, rec=random_ts())
    assert r1.org == x1, "the second exchange was interleaved: %s" % r1
    return r1


def query(dst, payload=None, src=None, timeout=1.0, tries=3):
    """Send a (default: v4 client) request, retrying up to `tries` times;
    return (request, reply bytes, sender) of the first reply, or (request,
    None, None)."""
    req = payload
    for _ in range(tries):
        req = payload if payload is not None else client_request()
        replies = exchange(dst, req, src=src, timeout=timeout / tries, max_replies=1)
        if replies:
            return req, replies[0][0], replies[0][1]
    return req, None, None


# ---------------------------------------------------------------- the daemon

class Daemon:
    """stratumd run with -x -d (never touches the clock, logs to stderr) and
    -f CONFIG (a temp file; never the system's default config)."""

    def __init__(self, workdir, config="", args=(), binary=None, conf_name="stratumd.conf"):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / conf_name
        if binary is None:
            # Every test daemon has its own PID file, never the system's, and
            # no command sockets unless the test asks for them (port 323 and
            # the default Unix socket are the system daemon's).
            extra = []
            if not re.search(r"(?im)^\s*pidfile\b", config):
                extra.append("pidfile %s" % (self.workdir / "stratumd.pid"))
            if not re.search(r"(?im)^\s*cmdport\b", config):
                extra.append("cmdport 0")
            if not re.search(r"(?im)^\s*bindcmdaddress\s+/", config):
                extra.append("bindcmdaddress /")
            if extra:
                config += ("\n" if config and not config.endswith("\n") else "") + \
                    "\n".join(extra) + "\n"
        self.conf.write_text(config)
        self.binary = str(binary or STRATUMD)
        # STRATUMD_EXTRA_ARGS (e.g. "-F 1"): options added to every stratumd
        # the tests start through this class (never to chronyd), to run a
        # suite with the system call filter on.
        extra_args = os.environ.get("STRATUMD_EXTRA_ARGS", "").split() if binary is None else []
        self.args = extra_args + list(args)
        self.proc = None
        self.log_path = self.workdir / "stratumd.stderr"
        self.out_path = self.workdir / "stratumd.stdout"
        self._log = None
        self._out = None

    def argv(self):
        # -U: as chronyd, stratumd refuses to run as another user than root
        # unless told (tests never need root's privileges with -x).
        check = [] if is_root() or self.binary != str(STRATUMD) else ["-U"]
        return [self.binary, "-x", "-d", "-f", str(self.conf)] + check + self.args

    def spawn(self, notify=None):
        """Launch without waiting for anything (for daemons expected to exit).
        `notify`: abstract name of a Unix datagram socket given to the daemon
        as $NOTIFY_SOCKET."""
        self._log = open(self.log_path, "wb")
        self._out = open(self.out_path, "wb")
        env = dict(os.environ, NOTIFY_SOCKET="@" + notify) if notify else None
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._log,
                                     start_new_session=True, env=env)
        return self

    def start(self, wait_ports=(), timeout=5.0, wait_ready=True):
        """Start; wait until the process has bound UDP `wait_ports` (list of
        (family 4|6, port)) and, when `wait_ready` and the test has not set
        $NOTIFY_SOCKET itself, until stratumd sends READY=1 (which comes after
        the command sockets, worker threads and system call filter are in
        place). Fails (with the log) if it exits or the wait times out."""
        ready = None
        if wait_ready and self.binary == str(STRATUMD) and "NOTIFY_SOCKET" not in os.environ:
            ready = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            name = "stratum-test-%d-%d" % (os.getpid(), time.monotonic_ns())
            ready.bind("\0" + name)
            ready.setblocking(False)
        try:
            self.spawn(notify=name if ready else None)
            self._wait_started(set(wait_ports), ready, timeout)
        finally:
            if ready:
                ready.close()
        return self

    def _wait_started(self, want, ready, timeout):
        deadline = time.monotonic() + timeout
        got_ready = ready is None
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("stratumd exited with %s during start-up:\n%s"
                                     % (self.proc.returncode, self.log()))
            while not got_ready:
                try:
                    got_ready = "READY=1" in ready.recv(4096).decode(errors="replace").split("\n")
                except BlockingIOError:
                    break
            if got_ready and want <= udp_ports_of(self.proc.pid):
                return
            if time.monotonic() > deadline:
                raise AssertionError("stratumd did not start within %.1f s (READY=1 %s; wanted "
                                     "ports %s, bound %s):\n%s"
                                     % (timeout, "seen" if got_ready else "not seen", sorted(want),
                                        sorted(udp_ports_of(self.proc.pid)), self.log()))
            time.sleep(0.02)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """Exit status, or None if still running after timeout seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=2.0):
        """SIGTERM, then SIGKILL after timeout; return the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for f in (self._log, self._out):
            if f:
                f.close()
        return self.proc.returncode

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def stratumc(sock, *args, timeout=10):
    """Run build/stratumc -h sock ARGS...; (exit status, stdout + stderr)."""
    r = subprocess.run([str(BUILD / "stratumc"), "-h", str(sock)] + list(args),
                       capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def ipv6_loopback():
    """Whether ::1 can be bound here (some containers have no IPv6)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class FakeServer:
    """A stratum 1 server on 127.0.0.1:port written in Python: answers
    every request at once with the time of this host plus `offset` seconds
    (and `leap` as LI), recording when each request arrived. close() it."""

    def __init__(self, leap=LEAP_NONE, offset=0.0):
        self.leap = leap
        self.offset = int(offset * 2**32)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.times = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.is_set():
            try:
                data, src = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            self.times.append(time.monotonic())
            if len(data) >= 48:
                now = ntp_now() + self.offset
                self.sock.sendto(header(li=self.leap, mode=MODE_SERVER, stratum=1,
                                        poll=struct.unpack("b", data[2:3])[0],  # signed
                                        precision=-20, refid=0x47505300,
                                        ref=now, org=int.from_bytes(data[40:48], "big"),
                                        rec=now, xmt=now), src)

    def count(self, seconds):
        """Requests that arrive in the next `seconds`."""
        before = len(self.times)
        time.sleep(seconds)
        return len(self.times) - before

    def close(self):
        self.done.set()
        self.thread.join()
        self.sock.close()


def server_config(port, bind="127.0.0.1", allow=("127.0.0.1",), local_stratum=3,
                  extra=()):
    lines = ["port %d" % port]
    if bind:
        lines.append("bindaddress %s" % bind)
    for a in allow:
        lines.append("allow %s" % a)
    if local_stratum is not None:
        lines.append("local stratum %d" % local_stratum)
    lines.extend(extra)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- peers

_peers_prepared = None


def peers_root():
    """Root of the extracted peer packages, preparing it with scripts/peers.sh
    when needed (once per run).  Skips the test (with the reason) when the
    peers cannot be had."""
    global _peers_prepared
    root = PEERS_DIR / "root"
    chronyd = root / "usr" / "sbin" / "chronyd"
    ntpdig = root / "usr" / "bin" / "ntpdig"
    lib = root / "usr" / "lib" / "python3" / "dist-packages" / "ntp" / "libntpc.so"
    if chronyd.is_file() and ntpdig.is_file() and lib.exists():
        return root
    if _peers_prepared is None:
        if not PEERS_SCRIPT.is_file():
            _peers_prepared = "missing %s" % PEERS_SCRIPT
        else:
            try:
                r = subprocess.run(["bash", str(PEERS_SCRIPT)], capture_output=True,
                                   text=True, timeout=600,
                                   env=dict(os.environ, PEERS_DIR=str(PEERS_DIR)))
                _peers_prepared = ("" if r.returncode == 0 else
                                   "scripts/peers.sh failed (%d): %s"
                                   % (r.returncode, (r.stderr or r.stdout)[-500:]))
            except subprocess.TimeoutExpired:
                _peers_prepared = "scripts/peers.sh timed out"
    if _peers_prepared:
        pytest.skip("real peers unavailable: " + _peers_prepared)
    return root


_monitoring_prepared = None


def monitoring_root():
    """Root of Debian's monitoring tools extracted by scripts/monitoring.sh
    (collectd with its chrony plugin, the node_exporter chrony collector and
    python3-prometheus-client), preparing it when needed (once per run).
    Skips the test when they cannot be had."""
    global _monitoring_prepared
    root = PEERS_DIR / "monitoring"
    script = REPO / "scripts" / "monitoring.sh"
    if _monitoring_prepared is None:
        try:
            r = subprocess.run(["bash", str(script)], capture_output=True, text=True,
                               timeout=600, env=dict(os.environ, PEERS_DIR=str(PEERS_DIR)))
            _monitoring_prepared = ("" if r.returncode == 0 else
                                    "scripts/monitoring.sh failed (%d): %s"
                                    % (r.returncode, (r.stderr or r.stdout)[-500:]))
        except subprocess.TimeoutExpired:
            _monitoring_prepared = "scripts/monitoring.sh timed out"
    if _monitoring_prepared:
        pytest.skip("monitoring tools unavailable: " + _monitoring_prepared)
    return root


_promtool_prepared = None


def prometheus_bin(name):
    """A binary of Debian's prometheus package extracted by
    scripts/prometheus.sh (promtool, prometheus), preparing it when needed;
    skips the test when it cannot be had."""
    global _promtool_prepared
    path = PEERS_DIR / "prometheus" / "usr" / "bin" / name
    if not path.is_file() and _promtool_prepared is None:
        try:
            r = subprocess.run(["bash", str(REPO / "scripts" / "prometheus.sh")],
                               capture_output=True, text=True, timeout=600,
                               env=dict(os.environ, PEERS_DIR=str(PEERS_DIR)))
            _promtool_prepared = "" if r.returncode == 0 else r.stderr[-500:]
        except subprocess.TimeoutExpired:
            _promtool_prepared = "scripts/prometheus.sh timed out"
    if not path.is_file():
        pytest.skip("Debian's prometheus unavailable: %s" % _promtool_prepared)
    return path



class UdpRelay:
    """Forwards datagrams from clients on 127.0.0.1:port to `server` and
    the server's back: a subclass's request(data, src) says whether a
    request goes on, its reply(data) to whom a reply goes (None: nowhere).
    Polls every 50 ms until close()."""

    def __init__(self, server):
        self.server = server
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.front.settimeout(0.05)
        self.back.settimeout(0.05)
        while not self.done.is_set():
            for sock in (self.front, self.back):
                try:
                    data, src = sock.recvfrom(2048)
                except socket.timeout:
                    continue
                if sock is self.front:
                    if self.request(data, src):
                        self.back.sendto(data, self.server)
                else:
                    to = self.reply(data)
                    if to:
                        self.front.sendto(data, to)

    def close(self):
        self.done.set()
        self.thread.join()
        self.front.close()
        self.back.close()


def chronyd_path():
    p = peers_root() / "usr" / "sbin" / "chronyd"
    if not p.is_file():
        pytest.skip("chronyd not found in %s" % p)
    return p


def chronyc_path():
    p = peers_root() / "usr" / "bin" / "chronyc"
    if not p.is_file():
        pytest.skip("chronyc not found in %s" % p)
    return p


def chronyc_rc(sock, *args, timeout=10):
    """Debian's chronyc -h SOCK ARGS: (exit status, stdout + stderr)."""
    r = subprocess.run([str(chronyc_path()), "-h", str(sock)] + list(args), capture_output=True,
                       text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def chronyc_n(sock, *args):
    """chronyc -h SOCK -n ARGS, which must succeed: its output."""
    rc, out = chronyc_rc(sock, "-n", *args)
    assert rc == 0, out
    return out


def ntpdig_cmd():
    """argv prefix and env to run the extracted ntpdig."""
    root = peers_root()
    script = root / "usr" / "bin" / "ntpdig"
    if not script.is_file():
        pytest.skip("ntpdig not found in %s" % script)
    env = dict(os.environ, PYTHONPATH=str(root / "usr" / "lib" / "python3" / "dist-packages"))
    return ["/usr/bin/python3", str(script)], env


# ---------------------------------------------------------------- fixtures
# Imported by tests/system/conftest.py and tests/interop/conftest.py.

@pytest.fixture
def stratumd_bin():
    return require_stratumd()


@pytest.fixture
def daemons(tmp_path):
    """Factory: daemons(config, args=(), wait_ports=()) -> started Daemon.
    Every daemon started is stopped (SIGTERM, then SIGKILL) at teardown and
    its log printed (shown by pytest when the test fails)."""
    require_stratumd()
    started = []

    def start(config, args=(), wait_ports=(), timeout=5.0, wait_ready=True):
        d = Daemon(tmp_path / ("stratumd%d" % len(started)), config, args)
        started.append(d)
        return d.start(wait_ports=wait_ports, timeout=timeout, wait_ready=wait_ready)

    yield start
    for d in started:
        d.stop()
        print("---- %s (exit %s)\n%s" % (" ".join(d.argv()), d.proc.returncode, d.log()))


def start_server(workdir, **kw):
    """Start stratumd serving on 127.0.0.1:<free port>; return (daemon, (addr, port))."""
    require_stratumd()
    port = free_udp_port()
    d = Daemon(workdir, server_config(port, **kw))
    try:
        d.start(wait_ports=[(4, port)])
    except BaseException:
        d.stop()
        raise
    return d, ("127.0.0.1", port)


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    """A stratumd with `local stratum 3` and `allow 127.0.0.1`, bound to
    127.0.0.1 on a free port, shared by a module's tests."""
    d, addr = start_server(tmp_path_factory.mktemp("local-server"))
    yield addr
    rc = d.stop()
    print("---- stratumd (exit %s)\n%s" % (rc, d.log()))


@pytest.fixture(scope="module")
def unsync_server(tmp_path_factory):
    """A stratumd with no reference at all (no `local`, no sources)."""
    d, addr = start_server(tmp_path_factory.mktemp("unsync-server"), local_stratum=None)
    yield addr
    rc = d.stop()
    print("---- stratumd (exit %s)\n%s" % (rc, d.log()))


def chronyd_daemon(workdir, config_lines):
    """A Daemon running the extracted chronyd (-x -d -f CONF -u <us>) with
    `config_lines` plus what keeps it off the system's files: a pidfile in
    workdir and no command sockets unless config_lines set cmdport."""
    chronyd = chronyd_path()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    lines = list(config_lines) + ["pidfile %s" % (workdir / "chronyd.pid")]
    if not any(l.startswith("cmdport") for l in lines):
        lines += ["cmdport 0", "bindcmdaddress /"]
    # -u <us>: never look up Debian's _chrony user; -U: as non-root, skip
    # chronyd's superuser check (it needs no privilege with -x, ports > 1023)
    args = ["-u", username()] + ([] if is_root() else ["-U"])
    return Daemon(workdir, "\n".join(lines) + "\n", args=args,
                  binary=chronyd, conf_name="chrony.conf")


def serving_chronyd(workdir, stratum, extra=()):
    """Generator for module fixtures: a chronyd (-x) serving `local stratum
    N` on 127.0.0.1:<free port>; yields (addr, port), stops it afterwards."""
    port = free_udp_port()
    d = chronyd_daemon(workdir, ["port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1",
                                 "local stratum %d" % stratum] + list(extra))
    try:
        d.start(wait_ports=[(4, port)])
    except BaseException:
        d.stop()
        raise
    yield ("127.0.0.1", port)
    rc = d.stop()
    print("---- chronyd (exit %s)\n%s" % (rc, d.log()))


def wait_log_rows(daemon, log, pattern, want_rows, timeout):
    """Poll the log file (written by the running daemon) every 0.25 s until
    pattern (a compiled regex) finds want_rows matches or timeout seconds
    pass; the matches. Fails if the daemon exits meanwhile."""
    rows = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(rows) < want_rows:
        assert daemon.alive(), daemon.log()
        time.sleep(0.25)
        if log.exists():
            rows = pattern.findall(log.read_text())
    return rows


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def traversable_dir():
    """A new private directory (0755, root's) that other users may enter,
    which pytest's tmp_path (under 0700 parents) is not; removed after."""
    d = Path(tempfile.mkdtemp(prefix="stratum-test-"))
    try:
        os.chmod(d, 0o755)
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def base_units(root):
    """systemd-analyze --root needs the base targets (sysinit.target...) in
    the root: copy the host's vendor units next to the installed ones."""
    for src in ("/usr/lib/systemd/system", "/lib/systemd/system"):
        if os.path.isfile(os.path.join(src, "sysinit.target")):
            shutil.copytree(src, str(Path(root) / "usr" / "lib" / "systemd" / "system"),
                            symlinks=True, dirs_exist_ok=True)
            return
    pytest.skip("no systemd base units (sysinit.target) on this machine to verify against")


def wait_for(pred, timeout):
    """Poll pred every 0.1 s for up to timeout seconds; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def _openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True,
                   timeout=30, stdin=subprocess.DEVNULL)


def make_test_ca(d, name):
    """A self-signed EC CA in d: name.pem (certificate) and name.key."""
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", "%s.key" % name, "-out", "%s.pem" % name, "-days", "2",
             "-subj", "/CN=%s" % name, cwd=d)
    return d / ("%s.pem" % name)


def make_test_pki(d):
    """In directory d: a CA (ca.pem), another CA (other-ca.pem) and a server
    certificate signed by the first for IP:127.0.0.1 (server.pem,
    server.key). Returns (server cert, server key, CA, other CA)."""
    make_test_ca(d, "ca")
    make_test_ca(d, "other-ca")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
             cwd=d)
    return d / "server.pem", d / "server.key", d / "ca.pem", d / "other-ca.pem"
