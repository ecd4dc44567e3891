"""Hostile input against the running daemon: configuration and files.

Every case feeds stratumd (always -x: the system clock is never touched) a
hostile file and checks with a figure that it "survived and lost nothing":

  - configuration files (-f, include, confdir): rejected with exit status 1
    within EXIT_WAIT seconds, never by a signal, never with a sanitizer
    report, the message naming the file (and the line where there is one);
    or, where chronyd would accept the file, the daemon starts and serves;
  - files read while running (sourcedir + `reload sources`, keyfile +
    `rekey`) and at start-up (driftfile, dump files with -r), with the daemon
    serving NTP on a loopback port and a Unix command socket: afterwards it is
    alive, answers ANSWERED_OF of ANSWERED_OF requests from loopback,
    `stratumc tracking` and `sources` work, the sources and keys the file did
    not spoil are still there, and every bad line was logged once, naming the
    file and the line.

Figures are printed (`pytest -s` shows them).  Garbage is deterministic (a
seeded generator), so the expected counts are exact.  Every wait is bounded
and traffic goes to 127.0.0.0/8 only.  A FIFO nobody writes to is unblocked
(opened for writing) at teardown, so a daemon stuck opening one can exit.

A configuration that is not a regular file (-f /dev/zero, a FIFO...) is
checked with -p: were it ever accepted, the daemon must not start with the
default pidfile, command sockets and NTP port of the system's own daemon.

Bugs this suite found, now fixed and guarded here: a FIFO anywhere the
daemon read a file hung it in open(); `reload sources` was quadratic in the
number of lines (3000 lines blocked the loop for seconds); messages quoted a
bad line's control characters raw; -r loaded a dump dated 285 million years
ago, which kept its source from being selected; stratumc could not talk to a
daemon whose socket's directory path was long (its own socket's path did not
fit a socket address).
"""
import hashlib
import os
import random
import re
import struct
import subprocess
import time

import pytest

from ntptest import (BUILD, MODE_SERVER, Daemon, client_request, exchange, free_udp_port,
                     is_root, parse, require_stratumd, server_config, start_server, wait_for)

STRATUMC = BUILD / "stratumc"
EXIT_WAIT = 2.0          # a rejected configuration: the daemon is gone within this
ANSWERED_OF = 100        # NTP requests sent after each hostile file
ANSWER_DEADLINE = 2.0    # ... all within this many seconds
CMD_TIMEOUT = 3.0        # one stratumc run
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       r"runtime error:|Segmentation fault|core dumped")



# ------------------------------------------------------------------ helpers

def rng(seed):
    return random.Random(seed)


def random_bytes(n, seed):
    r = rng(seed)
    return bytes(r.getrandbits(8) for _ in range(n))


def junk_line(r, n, first, nul):
    """n random bytes without a newline, starting with `first`; with nul, a
    NUL byte somewhere after the first byte, without, none at all."""
    body = bytearray(r.choice([b for b in range(256) if b not in (0x0A, 0x00)])
                     for _ in range(n - 1))
    if nul:
        body[r.randrange(len(body))] = 0
    return bytes([first]) + bytes(body)


def lexer_reports(text, complete_only):
    """How many lines of `text` chrony.conf's lexer does not find blank (a
    model of src/conf/conf_lexer.c): each such garbage line gets exactly one
    message.  With complete_only, a last line without a newline is skipped
    (as in *.sources files)."""
    lines = text.split(b"\n")
    last_complete = text.endswith(b"\n")
    if last_complete or complete_only:
        lines = lines[:-1]
    count = 0
    for i, line in enumerate(lines):
        newline = i < len(lines) - 1 or last_complete
        n, status = len(line), "words"
        if n + (1 if newline else 0) >= 2048:
            status, n = "too-long", 2047
        nul = line.find(b"\0", 0, n)
        if nul >= 0:
            status, n = "nul", nul
        words = line[:n].split()   # bytes.split(): the lexer's white space
        if words and status != "too-long" and words[0][:1] in (b"!", b";", b"#", b"%"):
            continue
        if status == "words" and not words:
            continue
        count += 1
    return count


def assert_no_crash(status, log):
    assert status is None or status >= 0, "killed by signal %d:\n%s" % (-status, log[-3000:])
    m = SANITIZER.search(log)
    assert not m, "sanitizer/crash report in the log:\n%s" % log[max(0, m.start() - 200):][:3000]


def safe_lines(workdir):
    """What keeps a daemon off the system's files and ports if a config is
    accepted: its own pidfile, no command sockets, no NTP port."""
    return ("pidfile %s\ncmdport 0\nbindcmdaddress /\nport 0\n"
            % (workdir / "stratumd.pid")).encode()


def unblock_fifo(path):
    """Let a reader stuck in open() of the FIFO go on (it then reads EOF)."""
    try:
        fd = os.open(str(path), os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    os.close(fd)


def answered(server, n=ANSWERED_OF, deadline=ANSWER_DEADLINE):
    """How many of n client requests got a valid reply (mode 4, origin = our
    transmit timestamp), all within `deadline` seconds."""
    ok = 0
    end = time.monotonic() + deadline
    for _ in range(n):
        left = end - time.monotonic()
        if left <= 0:
            break
        req = client_request()
        for data, sender in exchange(server, req, timeout=min(0.25, left), max_replies=1):
            p = parse(data)
            if (sender == server and p and p.mode == MODE_SERVER
                    and p.org == struct.unpack("!Q", req[40:48])[0]):
                ok += 1
    return ok


def stratumc(sock, *commands, timeout=CMD_TIMEOUT):
    """Run stratumc -n -m with a short command timeout; (status, output),
    status None if it did not finish in time."""
    argv = [str(STRATUMC), "-n", "-h", str(sock), "-m", "timeout 300", "retries 2"]
    try:
        r = subprocess.run(argv + list(commands), capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        return None, "stratumc did not finish within %.1f s" % timeout
    return r.returncode, r.stdout + r.stderr


def source_names(sock):
    rc, out = stratumc(sock, "sources")
    assert rc == 0, out
    return sorted(m.group(1) for m in re.finditer(r"^[\^=#][*+\-?x~] (\S+)", out, re.M))


def log_lines(log, needle):
    # split at newlines only: garbage quoted in a message may hold \r, \f...
    return [line for line in log.split("\n") if needle in line]


class Running:
    """A stratumd serving NTP on 127.0.0.1:<free port> with a Unix command
    socket, plus `extra` configuration lines."""

    def __init__(self, workdir, extra=(), args=(), local_stratum=3):
        require_stratumd()
        if not (STRATUMC.is_file() and os.access(STRATUMC, os.X_OK)):
            pytest.skip("%s not built" % STRATUMC)
        self.port = free_udp_port()
        self.addr = ("127.0.0.1", self.port)
        sockdir = workdir / "sock"
        sockdir.mkdir(mode=0o770, parents=True)
        self.sock = sockdir / "stratumd.sock"
        conf = server_config(self.port, local_stratum=local_stratum,
                             extra=["bindcmdaddress %s" % self.sock] + list(extra))
        self.d = Daemon(workdir / "daemon", conf, args=args)

    def start(self):
        self.d.start(wait_ports=[(4, self.port)])
        # The command socket comes after the NTP socket.
        assert wait_for(self.sock.exists, 2.0), self.d.log()
        return self

    def survived(self, what, stratum=3):
        """The figure: alive, ANSWERED_OF of ANSWERED_OF answered, tracking."""
        n = answered(self.addr)
        print("answered %d/%d after %s" % (n, ANSWERED_OF, what))
        assert self.d.alive(), "the daemon died after %s:\n%s" % (what, self.d.log()[-3000:])
        assert n == ANSWERED_OF, "answered %d/%d after %s" % (n, ANSWERED_OF, what)
        rc, out = stratumc(self.sock, "tracking")
        assert rc == 0 and re.search(r"^Stratum\s+: %d$" % stratum, out, re.M), out
        assert_no_crash(None, self.d.log())
        return out


@pytest.fixture
def cleanup():
    """Collects daemons to stop and FIFOs to unblock at teardown."""
    items = {"daemons": [], "fifos": []}
    yield items
    for f in items["fifos"]:
        unblock_fifo(f)
    reports = []
    for d in items["daemons"]:
        if d.proc is None:
            continue
        rc = d.stop(timeout=1.0)
        print("---- %s (exit %s)\n%s" % (" ".join(d.argv()), rc, d.log()[-4000:]))
        if SANITIZER.search(d.log()):
            reports.append(d.log())
    # a sanitizer build reports leaks at exit, after the test's own checks
    assert not reports, "sanitizer report at exit:\n" + reports[0][-3000:]


def make_fifo(path, cleanup):
    os.mkfifo(str(path))
    cleanup["fifos"].append(path)
    return path


# ------------------------------------------------------------------ config files

def run_config(workdir, content, cleanup, name="stratumd.conf", args=()):
    """Spawn stratumd -x -d -f workdir/name holding `content` (bytes); return
    (exit status or None if still running after EXIT_WAIT, log, seconds)."""
    require_stratumd()
    d = Daemon(workdir, "", args=args, conf_name=name)
    d.conf.write_bytes(content)
    cleanup["daemons"].append(d)
    t0 = time.monotonic()
    d.spawn()
    status = d.wait(EXIT_WAIT)
    elapsed = time.monotonic() - t0
    if status is None:
        return None, d.log(), elapsed
    d.stop()
    return status, d.log(), elapsed


def assert_rejected(status, log, elapsed, patterns, what):
    assert status is not None, "still running %.1f s after %s (hang):\n%s" % (
        EXIT_WAIT, what, log[-2000:])
    assert_no_crash(status, log)
    assert status == 1, "exit status %s after %s:\n%s" % (status, what, log[-2000:])
    for p in patterns:
        assert re.search(p, log, re.M), "%r not in the log:\n%s" % (p, log[-2000:])
    print("%s: exit %d in %.3f s: %s" % (what, status, elapsed,
                                         log.strip().splitlines()[0][:160] if log.strip() else ""))


def test_config_binary_garbage(tmp_path, cleanup):
    """16 KiB of random bytes (NULs included) as the configuration: one
    error, "not a text file", naming the file, and exit 1 (it was one error
    per line: hundreds)."""
    garbage = random_bytes(16384, 1) + b"\0\n"
    status, log, elapsed = run_config(tmp_path, garbage + b"\n" + safe_lines(tmp_path), cleanup,
                                      name="garbage.conf")
    assert_rejected(status, log, elapsed,
                    [r"^\S*/garbage\.conf:1: not a text file \(it has NUL bytes\)$"],
                    "16 KiB of binary garbage")
    assert len(re.findall(r"garbage\.conf", log)) == 1, log[:2000]


def test_config_with_a_byte_order_mark(tmp_path, cleanup):
    """A file saved with a UTF-8 byte order mark: one error saying so (chronyd
    says "Invalid directive at line 1")."""
    status, log, elapsed = run_config(tmp_path, b"\xef\xbb\xbf" + safe_lines(tmp_path), cleanup,
                                      name="bom.conf")
    assert_rejected(status, log, elapsed,
                    [r"^\S*/bom\.conf:1: starts with a UTF-8 byte order mark"],
                    "a byte order mark")
    assert len(log.strip().splitlines()) == 1, log


def test_config_one_mebibyte_line(tmp_path, cleanup):
    content = b"server " + b"a" * (1 << 20) + b"\n" + safe_lines(tmp_path)
    status, log, elapsed = run_config(tmp_path, content, cleanup, name="huge.conf")
    assert_rejected(status, log, elapsed, [r"/huge\.conf:1: server: line too long"],
                    "a 1 MiB line")
    assert log.count("huge.conf:") == 1, log[-2000:]


def test_config_100k_comment_lines_start_and_serve(tmp_path, cleanup):
    """100 000 comment lines (2 MB) are a valid configuration: the daemon
    starts within the usual bound and serves."""
    require_stratumd()
    port = free_udp_port()
    comments = "".join("# comment line %d, %s\n" % (i, "x" * (i % 7)) for i in range(100000))
    d = Daemon(tmp_path, comments + server_config(port))
    cleanup["daemons"].append(d)
    t0 = time.monotonic()
    d.start(wait_ports=[(4, port)], timeout=5.0)
    started = time.monotonic() - t0
    n = answered(("127.0.0.1", port))
    print("100k comment lines (%d bytes): serving after %.3f s, answered %d/%d"
          % (len(comments), started, n, ANSWERED_OF))
    assert n == ANSWERED_OF
    assert_no_crash(None, d.log())


def test_config_file_over_4_mib_rejected(tmp_path, cleanup):
    content = b"# padding\n" * (450 * 1024) + safe_lines(tmp_path)
    status, log, elapsed = run_config(tmp_path, content, cleanup, name="big.conf")
    assert_rejected(status, log, elapsed, [r"big\.conf: File too large$"],
                    "a %d-byte configuration" % len(content))


def include_cases():
    """(id, setup(dir) -> main config text, patterns).  `dir` is the case's
    own directory; the main file is dir/main.conf."""
    def self_include(d):
        return "include %s/main.conf\n" % d

    def two_file_loop(d):
        (d / "b.conf").write_text("include %s/main.conf\n" % d)
        return "include %s/b.conf\n" % d

    def dev_zero(d):
        return "include /dev/zero\n"

    def directory(d):
        (d / "sub").mkdir()
        return "include %s/sub\n" % d

    def symlink_loop(d):
        os.symlink("loop2", str(d / "loop1"))
        os.symlink("loop1", str(d / "loop2"))
        return "include %s/loop1\n" % d

    def read_error(d):
        return "include /proc/self/mem\n"

    def confdir_zero_conf(d):
        (d / "conf.d").mkdir()
        os.symlink("/dev/zero", str(d / "conf.d" / "zero.conf"))
        return "confdir %s/conf.d\n" % d

    def confdir_dir_conf(d):
        (d / "conf.d" / "sub.conf").mkdir(parents=True)
        return "confdir %s/conf.d\n" % d

    def depth_12(d):
        for i in range(12):
            (d / ("%d.conf" % i)).write_text("include %s/%d.conf\n" % (d, i + 1))
        (d / "12.conf").write_text("local stratum 3\n")
        return "include %s/0.conf\n" % d

    def files_1100(d):
        (d / "many").mkdir()
        for i in range(1100):
            (d / "many" / ("%04d.conf" % i)).write_text("# %d\n" % i)
        return "include %s/many/*.conf\n" % d

    def include_bomb(d):
        # 20 files, each including all 20: without the 1000-file cap, 20^10
        # reads
        (d / "bomb").mkdir()
        for i in range(20):
            (d / "bomb" / ("%02d.conf" % i)).write_text("include %s/bomb/*.conf\n" % d)
        return "include %s/bomb/*.conf\n" % d

    return [
        ("include-self", self_include,
         [r"/main\.conf:1: include: '.*/main\.conf': include loop"]),
        ("include-loop-2-files", two_file_loop,
         [r"/b\.conf:1: include: '.*/main\.conf': include loop"]),
        ("include-dev-zero", dev_zero, [r"/main\.conf:1: include: '/dev/zero': File too large$"]),
        ("include-directory", directory, [r"/main\.conf:1: include: '.*/sub': Is a directory$"]),
        ("include-symlink-loop", symlink_loop,
         [r"/main\.conf:1: include: '.*/loop1': Too many levels of symbolic links$"]),
        ("include-read-error-EIO", read_error,
         [r"/main\.conf:1: include: '/proc/self/mem': Input/output error$"]),
        ("confdir-zero.conf-to-dev-zero", confdir_zero_conf,
         [r"/main\.conf:1: confdir: '.*/conf\.d/zero\.conf': File too large$"]),
        ("confdir-directory-named-.conf", confdir_dir_conf,
         [r"/main\.conf:1: confdir: '.*/conf\.d/sub\.conf': Is a directory$"]),
        ("include-depth-12", depth_12,
         [r"/8\.conf:1: include: '.*/9\.conf': too many nested includes"]),
        ("include-1100-files", files_1100,
         [r"/main\.conf:1: include: '.*/many/0999\.conf': too many configuration files "
          r"\(at most 1000\)$"]),
        ("include-bomb-20x20", include_bomb,
         [r"include loop", r"^too many messages, the rest are not shown$"]),
    ]


@pytest.mark.parametrize("setup,patterns", [(s, p) for _, s, p in include_cases()],
                         ids=[i for i, _, _ in include_cases()])
def test_config_hostile_include(tmp_path, cleanup, setup, patterns):
    main = setup(tmp_path).encode()
    status, log, elapsed = run_config(tmp_path, main + safe_lines(tmp_path), cleanup,
                                      name="main.conf")
    assert_rejected(status, log, elapsed, patterns, main.decode().strip())


def test_config_include_unreadable_file(tmp_path, cleanup):
    if is_root():
        pytest.skip("root reads a mode 0000 file")
    (tmp_path / "secret.conf").write_text("local stratum 3\n")
    os.chmod(str(tmp_path / "secret.conf"), 0)
    main = ("include %s/secret.conf\n" % tmp_path).encode()
    status, log, elapsed = run_config(tmp_path, main + safe_lines(tmp_path), cleanup,
                                      name="main.conf")
    assert_rejected(status, log, elapsed,
                    [r"/main\.conf:1: include: '.*/secret\.conf': Permission denied$"],
                    "an unreadable include")


def test_confdir_dev_zero_is_not_a_directory_accepted(tmp_path, cleanup):
    """chrony: confdir searches DIR/*.conf; /dev/zero has none, which is not an
    error.  The daemon starts and serves."""
    require_stratumd()
    port = free_udp_port()
    d = Daemon(tmp_path, "confdir /dev/zero\n" + server_config(port))
    cleanup["daemons"].append(d)
    d.start(wait_ports=[(4, port)])
    n = answered(("127.0.0.1", port))
    print("confdir /dev/zero: started, answered %d/%d" % (n, ANSWERED_OF))
    assert n == ANSWERED_OF
    assert_no_crash(None, d.log())


@pytest.mark.parametrize("how", ["include", "confdir"])
def test_config_include_fifo(tmp_path, cleanup, how):
    """`include FIFO` or a FIFO named x.conf in a confdir: the daemon must
    not hang (an error naming the FIFO, or reading it as empty)."""
    (tmp_path / "conf.d").mkdir()
    fifo = make_fifo(tmp_path / "conf.d" / "fifo.conf", cleanup)
    line = "include %s\n" % fifo if how == "include" else "confdir %s/conf.d\n" % tmp_path
    # -p: parse (includes too), print, exit; a hang in open() keeps it running.
    status, log, elapsed = run_config(tmp_path, line.encode() + safe_lines(tmp_path), cleanup,
                                      name="main.conf", args=["-p"])
    assert status is not None, "still running %.1f s after `%s` (hung in open())" % (
        EXIT_WAIT, line.strip())
    assert_no_crash(status, log)
    assert status in (0, 1)
    if status == 1:
        assert "fifo.conf" in log, log


@pytest.mark.parametrize("target,pattern", [
    ("/dev/zero", r"^/dev/zero: File too large$"),
    ("DIR", r"^.*/dir: Is a directory$"),
    ("LOOP", r"^.*/loop1: Too many levels of symbolic links$"),
], ids=["dev-zero", "directory", "symlink-loop"])
def test_main_config_not_a_file(tmp_path, target, pattern):
    """-f naming something else than a regular file (checked with -p: see
    the module's docstring)."""
    stratumd = require_stratumd()
    (tmp_path / "dir").mkdir()
    os.symlink("loop2", str(tmp_path / "loop1"))
    os.symlink("loop1", str(tmp_path / "loop2"))
    path = {"DIR": str(tmp_path / "dir"), "LOOP": str(tmp_path / "loop1")}.get(target, target)
    t0 = time.monotonic()
    r = subprocess.run([str(stratumd), "-x", "-d", "-p", "-f", path], capture_output=True,
                       text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert_no_crash(r.returncode, r.stderr)
    assert r.returncode == 1 and re.search(pattern, r.stderr, re.M), r.stderr
    print("-f %s: exit 1 in %.3f s: %s" % (path, time.monotonic() - t0, r.stderr.strip()))


def test_main_config_fifo(tmp_path, cleanup):
    stratumd = require_stratumd()
    fifo = make_fifo(tmp_path / "fifo.conf", cleanup)
    p = subprocess.Popen([str(stratumd), "-x", "-d", "-p", "-f", str(fifo)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        status = p.wait(EXIT_WAIT)
    except subprocess.TimeoutExpired:
        status = None
    finally:
        unblock_fifo(fifo)
        try:
            p.wait(2)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(2)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
    assert status is not None, "-p -f FIFO still running after %.1f s" % EXIT_WAIT
    assert_no_crash(status, err)
    assert status in (0, 1)


# ------------------------------------------------------------------ sourcedir + reload sources

def sources_garbage_lines():
    """40 garbage lines whose first word is junk, each worth exactly one
    warning, then a good line (127.0.0.5)."""
    r = rng(2)
    lines = [junk_line(r, r.randrange(8, 200), ord("g"), nul=False) for i in range(40)]
    return b"\n".join(lines) + b"\nserver 127.0.0.5 port 9\n", 40, ["127.0.0.5"]


def sources_random_binary():
    """A binary file: one warning, the whole file ignored."""
    return random_bytes(65536, 3), 1, []


def sources_one_mib_line():
    return (b"server 127.0.0.6 " + b"x" * (1 << 20) + b"\nserver 127.0.0.7 port 9\n", 1,
            ["127.0.0.7"])


def sources_nul_byte():
    """NUL bytes in the first 8000 bytes make a binary file (git's test)."""
    return (b"server 127.0.0.6\0 iburst\nserver 127.0.0.7 port 9\n\0\0\0\n", 1, [])


def sources_late_nul_byte():
    """A NUL byte past the first 8000 bytes: that line only."""
    head = b"".join(b"# comment line %04d padding the file beyond 8000 bytes....\n" % i
                    for i in range(150))
    return head + b"server 127.0.0.6\0 iburst\nserver 127.0.0.7 port 9\n", 1, ["127.0.0.7"]


SOURCES_CASES = [
    ("garbage-lines", sources_garbage_lines, "line too long or with a NUL byte|only server"),
    ("random-64KiB", sources_random_binary, "not a text file"),
    ("1MiB-line", sources_one_mib_line, "line too long or with a NUL byte"),
    ("NUL-bytes", sources_nul_byte, "not a text file"),
    ("late-NUL-byte", sources_late_nul_byte, "line too long or with a NUL byte"),
]


def running_with_sourcedir(tmp_path, cleanup, files=()):
    srcdir = tmp_path / "sources.d"
    srcdir.mkdir()
    # a good file, read first (name order): its source must survive every reload
    (srcdir / "a.sources").write_text("server 127.0.0.1 port 9\n")
    for name, data in files:
        (srcdir / name).write_bytes(data)
    r = Running(tmp_path, extra=["sourcedir %s" % srcdir])
    cleanup["daemons"].append(r.d)
    return r.start(), srcdir


def reload_sources(r):
    t0 = time.monotonic()
    rc, out = stratumc(r.sock, "reload sources")
    return rc, out, time.monotonic() - t0


@pytest.mark.parametrize("build,message", [(b, m) for _, b, m in SOURCES_CASES],
                         ids=[i for i, _, _ in SOURCES_CASES])
def test_sourcedir_garbage_then_reload(tmp_path, cleanup, build, message):
    r, srcdir = running_with_sourcedir(tmp_path, cleanup)
    assert source_names(r.sock) == ["127.0.0.1"]
    data, n_bad, added = build()
    bad = srcdir / "hostile.sources"
    bad.write_bytes(data)
    rc, out, took = reload_sources(r)
    assert rc == 0 and "200 OK" in out, out
    r.survived("reload of %s (%d bytes)" % (bad.name, len(data)))
    assert source_names(r.sock) == sorted(["127.0.0.1"] + added)
    warned = log_lines(r.d.log(), "%s:" % bad)
    lines = [int(re.search(re.escape(str(bad)) + r":(\d+): ", w).group(1)) for w in warned]
    assert len(warned) == n_bad, "%d warnings for %d bad lines:\n%s" % (
        len(warned), n_bad, "\n".join(warned[:20]))
    assert len(set(lines)) == n_bad, "a line warned about twice"
    if message:
        assert all(re.search(message, w) for w in warned), warned
    print("reload in %.3f s: %d bad lines, %d warnings naming %s:LINE; sources kept/added: %s"
          % (took, n_bad, len(warned), bad.name, ", ".join(sorted(["127.0.0.1"] + added))))


@pytest.mark.parametrize("kind", ["dev-zero", "directory", "symlink-loop"])
def test_sourcedir_not_a_file_then_reload(tmp_path, cleanup, kind):
    r, srcdir = running_with_sourcedir(tmp_path, cleanup)
    bad = srcdir / "hostile.sources"
    if kind == "dev-zero":
        os.symlink("/dev/zero", str(bad))
        message = "File too large"
    elif kind == "directory":
        bad.mkdir()
        message = "Is a directory"
    else:
        os.symlink("loop.sources", str(srcdir / "hostile.sources"))
        os.symlink("hostile.sources", str(srcdir / "loop.sources"))
        message = "Too many levels of symbolic links"
    rc, out, took = reload_sources(r)
    assert rc == 0 and "200 OK" in out, out
    r.survived("reload with %s as a sources file" % kind)
    assert source_names(r.sock) == ["127.0.0.1"]
    warned = log_lines(r.d.log(), "%s: " % bad)
    assert warned and all(w.endswith("%s: %s" % (bad, message)) for w in warned), warned
    assert len(warned) == 1, warned
    print("reload in %.3f s: %s" % (took, warned[0]))


def many_servers(n, first=1):
    return "".join("server 127.1.%d.%d port 9\n" % (i // 250, i % 250 + 1)
                   for i in range(first - 1, first - 1 + n)).encode()


def test_sourcedir_3000_servers_capped(tmp_path, cleanup):
    """3000 server lines: the client keeps 64 sources (its cap), the lines
    beyond it are refused, the first ten by name and the rest in one count,
    and nothing else is lost."""
    r, srcdir = running_with_sourcedir(tmp_path, cleanup)
    (srcdir / "many.sources").write_bytes(many_servers(3000))
    rc, out, took = reload_sources(r)
    assert rc == 0 and "200 OK" in out, out
    r.survived("reload of 3000 server lines")
    names = source_names(r.sock)
    refused = log_lines(r.d.log(), "Could not add source 127.1.")
    assert len(names) == 64 and "127.0.0.1" in names, names
    assert len(refused) == 10
    assert "Could not add %d more sources" % (3000 - 63 - 10) in r.d.log()
    print("3000 server lines: reload in %.3f s, %d sources kept (cap 64), %d refused"
          % (took, len(names), 3000 - 63))


def test_sourcedir_3000_servers_reload_is_quick(tmp_path, cleanup):
    """The 3000 lines read at start, then `reload sources` with nothing
    changed: it must answer within 0.5 s and NTP keeps being served."""
    r, srcdir = running_with_sourcedir(tmp_path, cleanup,
                                       files=[("many.sources", many_servers(3000))])
    assert len(source_names(r.sock)) == 64
    rc, out, took = reload_sources(r)
    n = answered(r.addr)
    print("reload of 3000 unchanged lines: status %s in %.3f s, then answered %d/%d"
          % (rc, took, n, ANSWERED_OF))
    assert rc == 0 and "200 OK" in out and took < 0.5, (rc, out, took)
    assert n == ANSWERED_OF


def test_sourcedir_fifo_then_reload(tmp_path, cleanup):
    r, srcdir = running_with_sourcedir(tmp_path, cleanup)
    make_fifo(srcdir / "fifo.sources", cleanup)
    rc, out, took = reload_sources(r)
    n = answered(r.addr)
    print("reload with a FIFO: stratumc status %s (%s), then answered %d/%d"
          % (rc, out.strip()[:60], n, ANSWERED_OF))
    assert rc == 0 and "200 OK" in out, out
    assert n == ANSWERED_OF


def test_sourcedir_control_characters_not_logged_raw(tmp_path, cleanup):
    """A sources file whose lines carry terminal escape sequences (set the
    window title, clear the screen, move the cursor) and a carriage return
    that would overwrite the start of the line: the warnings name the file
    and line, and carry no control character."""
    r, srcdir = running_with_sourcedir(tmp_path, cleanup)
    bad = srcdir / "escape.sources"
    bad.write_bytes(b"\x1b]0;owned\x07\x1b[2J\x1b[H server 127.0.0.8\n"
                    b"xx\rserver 127.0.0.9 accepted\n"
                    b"\x1b[1A\x1b[2K\x08\x08\x7f\n")
    rc, out, _ = reload_sources(r)
    assert rc == 0 and "200 OK" in out, out
    r.survived("reload of a sources file of escape sequences")
    warned = log_lines(r.d.log(), "%s:" % bad)
    raw = [w for w in warned if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", w)]
    print("%d warnings about %s, %d with raw control characters: %r"
          % (len(warned), bad.name, len(raw), [w.split(" ", 1)[1] for w in raw]))
    assert len(warned) == 3, warned
    assert raw == []


# ------------------------------------------------------------------ keyfile + rekey

KEY1 = bytes(range(1, 17))
KEY_LINE = "1 MD5 HEX:%s\n" % KEY1.hex()


def authenticated(server, key=KEY1, key_id=1, n=10):
    """How many of n MD5-authenticated requests got a reply whose MAC
    verifies with key."""
    ok = 0
    for _ in range(n):
        req = client_request()
        req += struct.pack("!I", key_id) + hashlib.md5(key + req).digest()
        for data, _ in exchange(server, req, timeout=0.25, max_replies=1):
            if (len(data) == 68 and struct.unpack("!I", data[48:52])[0] == key_id
                    and data[52:] == hashlib.md5(key + data[:48]).digest()
                    and parse(data).org == struct.unpack("!Q", req[40:48])[0]):
                ok += 1
    return ok


def running_with_keys(tmp_path, cleanup):
    keys = tmp_path / "keys"
    keys.write_text(KEY_LINE)
    os.chmod(str(keys), 0o600)
    r = Running(tmp_path, extra=["keyfile %s" % keys])
    cleanup["daemons"].append(r.d)
    r.start()
    assert authenticated(r.addr) == 10, "key 1 does not work to begin with:\n" + r.d.log()
    return r, keys


def rekey(r):
    rc, out = stratumc(r.sock, "rekey")
    assert rc == 0 and "200 OK" in out, out


def keyfile_garbage():
    """Bad lines of every kind, each worth one error, then key 1 again."""
    r = rng(4)
    bad = [
        b"0 MD5 HEX:00112233",                        # ID 0
        b"4294967296 MD5 HEX:00112233",              # ID beyond 32 bits
        b"2 MD5 HEX:0g",                             # not hex
        b"3 MD5 HEX:012",                            # odd number of digits
        b"4 AES128 HEX:0011",                        # AES key of the wrong length
        b"5 NOSUCHTYPE HEX:0011",
        b"6 MD5",                                    # type without key
        b"7",
        b"8 MD5 HEX:00 extra",
        b"9 MD5 HEX:" + b"0" * 4000,                 # line too long
        b"10 MD5 " + b"k" * (100 * 1024),            # a 100 KiB line
        b"11 MD5 HEX:00\0ff",                        # NUL byte
    ]
    bad += [junk_line(r, r.randrange(8, 120), ord("z"), nul=i % 2 == 0) for i in range(20)]
    return b"\n".join(bad) + b"\n" + KEY_LINE.encode(), len(bad)


def test_keyfile_garbage_then_rekey(tmp_path, cleanup):
    r, keys = running_with_keys(tmp_path, cleanup)
    data, n_bad = keyfile_garbage()
    keys.write_bytes(data)
    rekey(r)
    r.survived("rekey of a keyfile of %d garbage lines" % n_bad)
    auth = authenticated(r.addr)
    warned = log_lines(r.d.log(), "%s:" % keys)
    lines = sorted(int(re.search(re.escape(str(keys)) + r":(\d+): ", w).group(1)) for w in warned)
    print("rekey of %d garbage lines + key 1: %d errors naming keys:LINE, "
          "authenticated replies with key 1: %d/10" % (n_bad, len(warned), auth))
    assert lines == list(range(1, n_bad + 1)), warned
    assert auth == 10, "key 1 lost although its line is intact"


def test_keyfile_random_binary_then_rekey(tmp_path, cleanup):
    r, keys = running_with_keys(tmp_path, cleanup)
    data = random_bytes(32768, 5) + b"\n" + KEY_LINE.encode()
    keys.write_bytes(data)
    rekey(r)
    r.survived("rekey of 32 KiB of binary garbage")
    warned = log_lines(r.d.log(), "%s:" % keys)
    want = lexer_reports(data, complete_only=False) - 1   # the key line is fine
    auth = authenticated(r.addr)
    print("rekey of 32 KiB of random bytes: %d errors for %d non-blank garbage lines, "
          "key 1 answered %d/10" % (len(warned), want, auth))
    assert len(warned) == want
    assert auth == 10


def test_keyfile_too_large_then_rekey(tmp_path, cleanup):
    """A 2 MiB key file is refused as a whole (one error); the daemon goes on
    without keys, as the file says nothing usable."""
    r, keys = running_with_keys(tmp_path, cleanup)
    keys.write_bytes(KEY_LINE.encode() * (2 * 1024 * 1024 // len(KEY_LINE)))
    rekey(r)
    r.survived("rekey of a 2 MiB keyfile")
    warned = log_lines(r.d.log(), str(keys))
    assert warned == [w for w in warned if w.endswith(
        "%s: expected a key file of at most 1048576 bytes" % keys)] and len(warned) == 1, warned
    assert authenticated(r.addr) == 0
    print("2 MiB keyfile: one error (%s); unauthenticated %d/%d, key 1 gone"
          % (warned[0].split(" ", 1)[1], ANSWERED_OF, ANSWERED_OF))


def test_keyfile_fifo_then_rekey(tmp_path, cleanup):
    r, keys = running_with_keys(tmp_path, cleanup)
    keys.unlink()
    make_fifo(keys, cleanup)
    rc, out = stratumc(r.sock, "rekey")
    n = answered(r.addr)
    print("rekey with a FIFO: stratumc status %s, then answered %d/%d" % (rc, n, ANSWERED_OF))
    assert rc == 0 and "200 OK" in out, out
    assert n == ANSWERED_OF


# ------------------------------------------------------------------ driftfile at start-up

DRIFT_CASES = [
    ("binary-garbage", lambda: b"Z" + random_bytes(200, 6), "parse"),
    ("one-MiB", lambda: b"1.0 0.5\n" * (1 << 17), "File too large"),
    ("nan", lambda: b"nan nan\n", "parse"),
    ("inf", lambda: b"inf 1.0\n", "parse"),
    ("minus-inf", lambda: b"-inf 1.0\n", "parse"),
    ("overflow-1e400", lambda: b"1e400 1.0\n", "parse"),
    ("out-of-range-2e6", lambda: b"2000000 1.0\n", "parse"),
    ("negative-skew", lambda: b"1.0 -1.0\n", "parse"),
    ("one-number", lambda: b"12.5\n", "parse"),
    ("three-numbers", lambda: b"1 2 3\n", "parse"),
    ("hex-float", lambda: b"0x1p3 1\n 0x", "parse"),
    ("empty", lambda: b"", "parse"),
    ("NUL-bytes", lambda: b"\0" * 64, "parse"),
    ("NUL-after-numbers", lambda: b"1.0 0.5\0garbage\n", None),
]


def drift_running(tmp_path, cleanup, drift, extra=()):
    r = Running(tmp_path, extra=["driftfile %s" % drift] + list(extra))
    cleanup["daemons"].append(r.d)
    return r.start()


@pytest.mark.parametrize("build,outcome", [(b, o) for _, b, o in DRIFT_CASES],
                         ids=[i for i, _, _ in DRIFT_CASES])
def test_driftfile_hostile_at_start(tmp_path, cleanup, build, outcome):
    drift = tmp_path / "drift"
    data = build()
    drift.write_bytes(data)
    r = drift_running(tmp_path, cleanup, drift)
    tracking = r.survived("a driftfile of %d bytes (%r...)" % (len(data), data[:16]))
    log = r.d.log()
    if outcome is None:
        # the text ends at the NUL: "1.0 0.5" is the file chrony would read
        assert "Frequency 1.000 +/- 0.500 ppm read from %s" % drift in log, log
        assert re.search(r"^Frequency\s+: 1\.000 ppm", tracking, re.M), tracking
    else:
        want = ("Could not parse %s, ignored" % drift if outcome == "parse"
                else "Could not read %s : %s" % (drift, outcome))
        assert len(log_lines(log, str(drift))) == 1 and want in log, log
        assert re.search(r"^Frequency\s+: 0\.000 ppm", tracking, re.M), tracking
        print("logged: %s; tracking frequency 0.000 ppm" % want)
    status = r.d.stop()
    assert status == 0, log
    assert drift.read_bytes() == data, "the drift file was changed"


@pytest.mark.parametrize("kind", ["directory", "symlink-loop"])
def test_driftfile_not_a_file_at_start(tmp_path, cleanup, kind):
    drift = tmp_path / "drift"
    if kind == "directory":
        drift.mkdir()
        message = "Invalid argument"
    else:
        os.symlink("drift2", str(drift))
        os.symlink("drift", str(tmp_path / "drift2"))
        message = "Too many levels of symbolic links"
    r = drift_running(tmp_path, cleanup, drift)
    tracking = r.survived("a driftfile that is a %s" % kind)
    want = "Could not read %s : %s" % (drift, message)
    assert want in r.d.log() and len(log_lines(r.d.log(), str(drift))) == 1, r.d.log()
    assert re.search(r"^Frequency\s+: 0\.000 ppm", tracking, re.M), tracking
    print("logged: %s" % want)


def test_driftfile_fifo_at_start(tmp_path, cleanup):
    drift = make_fifo(tmp_path / "drift", cleanup)
    r = drift_running(tmp_path, cleanup, drift)
    n = answered(r.addr)
    print("driftfile FIFO: answered %d/%d" % (n, ANSWERED_OF))
    assert n == ANSWERED_OF


# ------------------------------------------------------------------ dump files (-r)

def good_dump(addr, n=3):
    """chronyd's format (SRC0), 3 samples of the last minute."""
    now = int(time.time())
    return ("SRC0\n%s\n0 377 8 3 0\n%d 0\n" % (addr, n) +
            "".join("%d.000000000 1.000000e-03 1.000000e-03 2.000000e-04 1.000000e-05 "
                    "1.000000e-03 1.000000e-03\n" % (now - 10 * (n - i))
                    for i in range(n))).encode()


def dump_cases():
    good = good_dump("127.0.0.1")
    head = b"SRC0\n127.0.0.1\n0 377 8 3 0\n"
    now = b"%d.000000000" % int(time.time())
    failed = "Could not load dump file for 127.0.0.1 ({p}: %s)"
    bad_line = failed % "bad line %d"
    return [
        ("binary-garbage-with-NUL", lambda: b"\0" + random_bytes(4000, 7), failed % "not text"),
        ("binary-garbage", lambda: bytes(b % 255 + 1 for b in random_bytes(4000, 8)),
         failed % "not chronyd's format SRC0"),
        ("truncated-mid-sample", lambda: good[:good.index(b"\n", len(head) + 12) + 20],
         bad_line % 6),
        ("samples-999999999", lambda: head + b"999999999 0\n", bad_line % 4),
        ("samples-18446744073709551616", lambda: head + b"18446744073709551616 0\n",
         bad_line % 4),
        ("samples-minus-1", lambda: head + b"-1 0\n", bad_line % 4),
        ("samples-64-of-3", lambda: good.replace(b"\n3 0\n", b"\n64 0\n"), bad_line % 8),
        ("values-1e30", lambda: head + b"1 0\n" + now + b" 1e30 0 0 0 0 0\n", bad_line % 5),
        ("NaN-values", lambda: head + b"1 0\n" + now + b" nan 0 0 0 0 0\n", bad_line % 5),
        ("times-out-of-order", lambda: head + b"2 0\n" + now + b" 0 0 0 0 0 0\n" +
         b"%d.000000000 0 0 0 0 0 0\n" % (int(now.split(b".")[0]) - 5), bad_line % 5),
        ("600-byte-line", lambda: head + b"1 0\n" + b"1" * 600 + b"\n", bad_line % 5),
        ("one-MiB", lambda: good + b"#" * (1 << 20), failed % "File too large"),
    ]


def dump_running(tmp_path, cleanup, dumps):
    """A daemon with -r and two sources (nothing answers them: port 9): the
    dump of 127.0.0.2 is good, 3 samples."""
    (dumps / "127.0.0.2.dat").write_bytes(good_dump("127.0.0.2"))
    r = Running(tmp_path, extra=["dumpdir %s" % dumps, "server 127.0.0.1 port 9",
                                 "server 127.0.0.2 port 9"], args=["-r"])
    cleanup["daemons"].append(r.d)
    return r.start()


def assert_dumps_survived(r, dumps):
    log = r.d.log()
    assert "Loaded dump file for 127.0.0.2" in log, log
    assert source_names(r.sock) == ["127.0.0.1", "127.0.0.2"]
    rc, out = stratumc(r.sock, "sourcestats")
    assert rc == 0 and re.search(r"^127\.0\.0\.2\s+3\s", out, re.M), out
    assert not (dumps / "127.0.0.2.dat").exists()


@pytest.mark.parametrize("build,warning", [(b, w) for _, b, w in dump_cases()],
                         ids=[i for i, _, _ in dump_cases()])
def test_dump_hostile_with_r(tmp_path, cleanup, build, warning):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    bad = dumps / "127.0.0.1.dat"
    data = build()
    bad.write_bytes(data)
    warning = warning.format(p=bad)
    r = dump_running(tmp_path, cleanup, dumps)
    r.survived("-r with a hostile dump file (%d bytes)" % len(data))
    assert_dumps_survived(r, dumps)
    about = log_lines(r.d.log(), str(bad))
    assert about == [a for a in about if a.endswith(warning)] and len(about) == 1, about
    assert not bad.exists(), "dump files are removed after start"
    print("logged: %s; 127.0.0.2's 3 samples loaded" % warning)


@pytest.mark.parametrize("kind", ["directory", "symlink"])
def test_dump_not_a_file_with_r(tmp_path, cleanup, kind):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    bad = dumps / "127.0.0.1.dat"
    if kind == "directory":
        bad.mkdir()
        want = ["Could not load dump file for 127.0.0.1 (%s: Invalid argument)" % bad,
                "Could not remove %s : Is a directory" % bad]
    else:
        (tmp_path / "elsewhere.dat").write_bytes(good_dump("127.0.0.1"))
        os.symlink(str(tmp_path / "elsewhere.dat"), str(bad))
        want = ["Could not load dump file for 127.0.0.1 (%s: Too many levels of symbolic links)"
                % bad]
    r = dump_running(tmp_path, cleanup, dumps)
    r.survived("-r with a dump file that is a %s" % kind)
    assert_dumps_survived(r, dumps)
    about = log_lines(r.d.log(), str(bad))
    assert len(about) == len(want) and all(a.endswith(w) for a, w in zip(about, want)), about
    if kind == "symlink":
        # the link is removed, never what it points to
        assert not os.path.lexists(str(bad)) and (tmp_path / "elsewhere.dat").exists()
    print("logged: %s" % "; ".join(want))


def test_dump_fifo_with_r(tmp_path, cleanup):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    make_fifo(dumps / "127.0.0.1.dat", cleanup)
    r = dump_running(tmp_path, cleanup, dumps)
    n = answered(r.addr)
    print("dump FIFO: answered %d/%d" % (n, ANSWERED_OF))
    assert n == ANSWERED_OF


def test_dump_ancient_samples_with_r(tmp_path, cleanup):
    """A dump that passes every check of the format, with its 3 samples
    dated 1970: it must not be used (a dump holds the samples of the run
    before this one), and the source, which answers, must be selected as at
    a cold start (within 3 to 4 samples, here 8 s)."""
    server, (_, sport) = start_server(tmp_path / "server")
    cleanup["daemons"].append(server)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    bad = dumps / "127.0.0.1.dat"
    bad.write_bytes(("SRC0\n127.0.0.1\n0 377 8 3 0\n3 0\n" +
                     "".join("%d.000000000 1e-3 1e-3 1e-3 1e-3 1e-3 1e-3\n" % (1 + i)
                             for i in range(3))).encode())
    r = Running(tmp_path / "client", local_stratum=None, args=["-r"], extra=[
        "dumpdir %s" % dumps, "server 127.0.0.1 port %d iburst minpoll 0 maxpoll 0" % sport])
    cleanup["daemons"].append(r.d)
    r.start()
    selected = wait_for(lambda: "Selected source 127.0.0.1" in r.d.log(), 8.0)
    time.sleep(1.0)
    rc, tracking = stratumc(r.sock, "tracking")
    n = answered(r.addr)
    loaded = "Loaded dump file for 127.0.0.1" in r.d.log()
    synced = rc == 0 and re.search(r"^Reference ID\s+: 7F000001 ", tracking, re.M) is not None
    print("dump dated 1970: loaded %s, selected within 8 s %s, synchronised now %s; "
          "answered %d/%d" % (loaded, selected, synced, n, ANSWERED_OF))
    assert n == ANSWERED_OF and r.d.alive()
    assert not loaded, "a dump dated 1970 was loaded"
    assert selected and synced, tracking
