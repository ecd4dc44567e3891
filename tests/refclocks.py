"""Reference clock feeders and report readers for the refclock tests.

Feeders write samples of exact offsets the way gpsd and other time sources
write them for chronyd:

  - sock_sample(): one datagram of chrony's SOCK protocol (struct
    sock_sample on 64-bit Linux: "=qqdiiii", magic 0x534f434b)
  - SockFeeder: a thread sending one sample a second to Unix datagram
    sockets (several daemons get the same sample at once)
  - ShmSegment: the NTP shared memory segment (struct shmTime, key
    0x4e545030 + unit) through libc's shmget/shmat, written in mode 1 as
    gpsd writes it
  - as a program (`python3 refclocks.py shm UNIT OFFSET SIZE -- CMD...`):
    creates segment UNIT of SIZE bytes, runs CMD and, when SIZE is a
    segment's size, writes a sample a second until CMD exits (SIGTERM and
    SIGINT are passed on to CMD); exit status CMD's.  Tests run it under
    `unshare --ipc` so the segment lives in a private IPC namespace shared
    with CMD (a daemon) and nothing else.

gpsd's input, for tests running Debian's gpsd:
  - nmea_cycles(): the 1 Hz cycles of an NMEA log (checksums checked)
  - NmeaReplay: writes the cycles (looping) to terminals once a second, each
    sentence restamped with the second it is sent in, `delay` seconds after
    that second starts (as a receiver sends its fix shortly after the
    second); records how late each write actually was

Readers of what the daemons report (stratumd and chronyd print the same):
  - sources_rows(), sourcestats_rows(), selectdata_rows(), tracking_fields():
    the rows of `stratumc`/`chronyc` sources, sourcestats, selectdata, tracking
  - tracking_log(): the rows of tracking.log (chrony's layout)
  - half_unit(): half a unit in the last printed digit of a logged number

with_prefix(): a daemon started through another program (a namespace).
query_mode(): `stratumd -Q` against a server on 127.0.0.1.

Everything is bounded: the feeders stop when told or when their child exits.
"""

import ctypes
import ctypes.util
import math
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from ntptest import STRATUMD

SOCK_FORMAT = "=qqdiiii"
SOCK_MAGIC = 0x534F434B
SOCK_SIZE = struct.calcsize(SOCK_FORMAT)

SHM_KEY = 0x4E545030
SHM_SIZE = 96
IPC_CREAT = 0o1000


def sock_sample(t, offset, pulse=0, leap=0, magic=SOCK_MAGIC):
    """A SOCK datagram: system time t (float seconds), the reference's
    offset from it, pulse flag, leap (0 normal, 1 insert, 2 delete)."""
    sec = math.floor(t)
    usec = min(int((t - sec) * 1e6), 999999)
    return struct.pack(SOCK_FORMAT, sec, usec, offset, pulse, leap, 0, magic)


class SockFeeder:
    """Sends sock_sample(now, offset()) to every path once per `interval`
    seconds from a thread; `offset` is a number or a function of the number
    of samples sent so far.  `extra(n)`, when given, returns a list of more
    datagrams (bad ones, for instance) sent after sample n.  stop() it."""

    def __init__(self, paths, offset, interval=1.0, extra=None):
        self.paths = [str(p) for p in paths]
        self.offset = offset if callable(offset) else (lambda n, o=offset: o)
        self.interval = interval
        self.extra = extra
        self.sent = 0
        self.errors = {}
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _send(self, data):
        for p in self.paths:
            try:
                self.sock.sendto(data, p)
            except OSError as e:    # not bound yet, or the daemon is gone
                self.errors[p] = e

    def _run(self):
        while not self.done.is_set():
            self._send(sock_sample(time.time(), self.offset(self.sent)))
            if self.extra:
                for data in self.extra(self.sent):
                    self._send(data)
            self.sent += 1
            self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.thread.join(timeout=10)
        self.sock.close()


class ShmSegment:
    """The NTP SHM segment of `unit` in this process's IPC namespace,
    created (IPC_CREAT, mode perm) if missing."""

    def __init__(self, unit, perm=0o600, size=SHM_SIZE):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
        libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
        libc.shmat.restype = ctypes.c_void_p
        self.id = libc.shmget(SHM_KEY + unit, size, IPC_CREAT | perm)
        if self.id < 0:
            raise OSError(ctypes.get_errno(), "shmget(unit %d)" % unit)
        addr = libc.shmat(self.id, None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "shmat(unit %d)" % unit)
        self.mem = (ctypes.c_char * size).from_address(addr)
        self.count = 0

    def _put(self, fmt, off, *values):
        struct.pack_into(fmt, self.mem, off, *values)

    def write(self, receive, offset, leap=0):
        """A sample in mode 1: count, the times, count again, then valid
        (the order gpsd uses); clock time = receive time + offset."""
        clock = receive + offset
        cs, rs = math.floor(clock), math.floor(receive)
        cns, rns = int((clock - cs) * 1e9), int((receive - rs) * 1e9)
        self.count += 1
        self._put("=ii", 0, 1, self.count)
        self._put("=qi", 8, cs, cns // 1000)
        self._put("=qiiiii", 24, rs, rns // 1000, leap, -20, 0, 0)
        self._put("=II", 52, cns, rns)
        self.count += 1
        self._put("=i", 4, self.count)
        self._put("=i", 48, 1)


def nmea_checksum(body):
    c = 0
    for ch in body.encode():
        c ^= ch
    return "%02X" % c


def nmea_cycles(path):
    """Sentence bodies (no $ and checksum) grouped by their time field."""
    cycles = []
    for line in Path(path).read_text().splitlines():
        m = re.fullmatch(r"\$([^*]+)\*([0-9A-F]{2})", line.strip())
        assert m and nmea_checksum(m.group(1)) == m.group(2), "bad NMEA line %r" % line
        stamp = m.group(1).split(",")[1]
        if not cycles or cycles[-1][0] != stamp:
            cycles.append((stamp, []))
        cycles[-1][1].append(m.group(1))
    return [sentences for _, sentences in cycles]


def nmea_restamp(body, t):
    """The sentence with the time (and RMC's date) of second t."""
    f = body.split(",")
    tm = time.gmtime(t)
    f[1] = time.strftime("%H%M%S", tm) + ".00"
    if f[0].endswith("RMC"):
        f[9] = time.strftime("%d%m%y", tm)
    body = ",".join(f)
    return "$%s*%s\r\n" % (body, nmea_checksum(body))


class NmeaReplay:
    """A thread writing NMEA cycles to file descriptors `fds` at 1 Hz,
    `delay` s after each second; `lateness` lists how late after the second
    each cycle's last byte was written.  stop() it."""

    def __init__(self, fds, cycles, delay):
        self.fds, self.cycles, self.delay = list(fds), cycles, delay
        self.lateness = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        n = 0
        while not self.done.is_set():
            second = math.floor(time.time()) + 1
            if self.done.wait(max(0.0, second + self.delay - time.time())):
                break
            data = "".join(nmea_restamp(b, second) for b in self.cycles[n % len(self.cycles)])
            for fd in self.fds:
                os.write(fd, data.encode())
            self.lateness.append(time.time() - second)
            n += 1

    def stop(self):
        self.done.set()
        self.thread.join(timeout=10)


def query_mode(port):
    """stratumd -Q against our server: (stratum, offset, delay)."""
    r = subprocess.run([str(STRATUMD), "-x", "-d", "-Q", "-f", "/dev/null",
                        "server 127.0.0.1 port %d iburst" % port], capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    m = re.search(r"\): stratum (\d+), offset ([+-]\d+\.\d+) s, delay (\d+\.\d+) s", r.stdout)
    assert m, out
    return int(m.group(1)), float(m.group(2)), float(m.group(3))


def with_prefix(daemon, prefix):
    """Start `daemon` (an ntptest.Daemon) as the last arguments of `prefix`
    (a program that runs it, passing signals on or exec'ing it)."""
    argv = daemon.argv
    daemon.argv = lambda: list(prefix) + argv()
    return daemon


SOURCES_ROW = re.compile(r"^([#^=])([*+\-?x~ ])\s+(\S+)\s+(\d+)\s+(-?\d+)\s+([0-7]+)\s+(\S+)"
                         r"\s+(.*)$", re.M)


def sources_rows(text):
    """{name: (mode, state, stratum, poll, reach (int), last rx, rest)}."""
    return {m.group(3): (m.group(1), m.group(2), int(m.group(4)), int(m.group(5)),
                         int(m.group(6), 8), m.group(7), m.group(8).strip())
            for m in SOURCES_ROW.finditer(text)}


_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def duration(text):
    """'+13ns', '-1.2us', '12ms' -> seconds."""
    m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)(ns|us|ms|s)", text)
    assert m, "not a duration: %r" % text
    return float(m.group(1)) * _UNITS[m.group(2)]


def sourcestats_rows(text):
    """{name: (NP, NR, span, offset (s), std dev (s))}."""
    rows = {}
    for m in re.finditer(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s+(\S+)\s+(\S+)\s*$",
                         text, re.M):
        rows[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)),
                            duration(m.group(5)), duration(m.group(6)))
    return rows


def selectdata_rows(text):
    """{name: (state, auth, score)}."""
    return {m.group(2): (m.group(1), m.group(3), float(m.group(4)))
            for m in re.finditer(r"^(\S) (\S+)\s+([NY])\s+\S+\s+\S+\s+\S+\s+(\d+\.\d+)\s",
                                 text, re.M)}


def tracking_fields(text):
    """{'Reference ID': '47505300 (GPS)', 'Stratum': '1', ...}."""
    return {m.group(1).strip(): m.group(2).strip()
            for m in re.finditer(r"^([A-Za-z. ]+?)\s*: (.*)$", text, re.M)}


def tracking_log(path):
    """Rows of a tracking.log: dicts with name, stratum, offset, offset_sd,
    max_error (floats) and the printed offset text."""
    rows = []
    try:
        text = path.read_text()
    except OSError:
        return rows
    for line in text.splitlines():
        f = line.split()
        if len(f) == 14 and re.fullmatch(r"\d{4}-\d\d-\d\d", f[0]):
            rows.append({"name": f[2], "stratum": int(f[3]), "offset": float(f[6]),
                         "offset_text": f[6], "offset_sd": float(f[9]),
                         "max_error": float(f[13])})
    return rows


def half_unit(printed):
    """Half a unit in the last digit of a number printed as %.Ne."""
    mant, exp = printed.lower().split("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return 0.5 * 10.0 ** (int(exp) - decimals)


def _shm_main(argv):
    unit, offset, size, cmd = int(argv[0]), float(argv[1]), int(argv[2]), argv[4:]
    assert argv[3] == "--" and cmd
    seg = ShmSegment(unit, size=size)
    child = subprocess.Popen(cmd)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, _f: child.send_signal(s))
    while child.poll() is None:
        if size == SHM_SIZE:
            seg.write(time.time(), offset)
        try:
            child.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
    return child.returncode


if __name__ == "__main__":
    if len(sys.argv) < 7 or sys.argv[1] != "shm":
        sys.exit("usage: refclocks.py shm UNIT OFFSET SIZE -- CMD...")
    sys.exit(_shm_main(sys.argv[2:]))
