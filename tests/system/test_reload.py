"""Full reload: SIGHUP and `stratumc reload config` read the configuration
again and apply it while stratumd serves.

stratumd -x serves on 127.0.0.1 (private port) and takes its time from two
real stratumd servers on 127.0.0.1 and 127.0.0.2 (private ports, polled
four times a second). The test edits its file and reloads, once by SIGHUP
and once by stratumc:
  - sources are added and removed; a kept source keeps its reach and
    samples (a source made anew has neither: at poll -2 it cannot reach
    377 or several samples in the moment after a reload);
  - allow changes and ratelimit is enabled: a client denied before is
    answered within a second, the one allowed before is denied, and a
    burst of requests is answered in full before and mostly dropped after
    (from a client new to the log, 127.0.0.3);
  - a broken file is refused with its file:line in the log (and in
    stratumc's output, which exits non-zero), and nothing changes: the
    daemon keeps serving with the same sources and access.
Every wait is bounded; the one-second figure is what the issue asks for."""
import signal
import socket
import time

import pytest

from ntptest import Daemon, client_request, exchange, free_tcp_port, free_udp_port, parse, \
    start_server, stratumc, wait_for

POLL = "minpoll -2 maxpoll -2"
ACT_WITHIN = 1.0       # s: the new settings act within a second of the reload
BURST = 20             # requests of a burst, PACE apart
PACE = 0.1


def answered(port, src, timeout=0.3):
    return bool(exchange(("127.0.0.1", port), client_request(), src=src, timeout=timeout,
                         max_replies=1))


def burst(port, src):
    """Replies to BURST requests sent PACE apart (a steady rate, so that
    ratelimit's rule for clients retrying faster does not apply)."""
    n = 0
    for _ in range(BURST):
        start = time.monotonic()
        n += answered(port, src, timeout=PACE)
        time.sleep(max(0.0, PACE - (time.monotonic() - start)))
    return n


def seconds_until_answered(port, src, limit):
    """Poll from src every 0.1 s; seconds until the first reply, or None."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if answered(port, src, timeout=0.1):
            return time.monotonic() - start
    return None


def source_rows(sock):
    """{address: (reach, samples)} from stratumc -c sources / sourcestats."""
    rc, out = stratumc(sock, "-c", "sources")
    assert rc == 0, out
    reach = {f[2]: int(f[5], 8) for f in (l.split(",") for l in out.splitlines()) if len(f) > 5}
    rc, out = stratumc(sock, "-c", "sourcestats")
    assert rc == 0, out
    samples = {f[0]: int(f[1]) for f in (l.split(",") for l in out.splitlines()) if len(f) > 1}
    return {a: (reach[a], samples.get(a, 0)) for a in reach}


class Setup:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.servers = []
        for name, addr in (("s1", "127.0.0.1"), ("s2", "127.0.0.2")):
            d, (_, p) = start_server(tmp_path / name, bind=addr, allow=("127.0.0.0/8",))
            self.servers.append((d, addr, p))
        self.port = free_udp_port()
        (tmp_path / "cmd").mkdir(mode=0o700)       # the socket's directory, as layout wants
        self.sock = tmp_path / "cmd" / "stratumd.sock"
        self.daemon = None

    def config(self, sources, allow, extra=()):
        lines = ["port %d" % self.port, "bindaddress 127.0.0.1",
                 "bindcmdaddress %s" % self.sock, "cmdport 0",
                 "pidfile %s" % (self.tmp / "d" / "stratumd.pid")]
        lines += ["server %s port %d %s" % (self.servers[i][1], self.servers[i][2], POLL)
                  for i in sources]
        lines += ["allow %s" % a for a in allow] + list(extra)
        return "\n".join(lines) + "\n"

    def start(self, text):
        self.daemon = Daemon(self.tmp / "d", text).start(wait_ports=[(4, self.port)])

    def write(self, text):
        self.daemon.conf.write_text(text)

    def stop(self):
        for d in [self.daemon] + [s[0] for s in self.servers]:
            if d:
                d.stop()
                print("---- %s\n%s" % (" ".join(d.argv()), d.log()))


@pytest.fixture
def setup(tmp_path, stratumd_bin):
    s = Setup(tmp_path)
    yield s
    s.stop()


def reload(setup, how):
    """Reload by SIGHUP or stratumc; (stratumc's status, output) or (None, "")
    once the daemon logged the outcome."""
    log = setup.daemon.log()
    done = log.count("Configuration reloaded") + log.count("Configuration not reloaded")
    result = (None, "")
    if how == "sighup":
        setup.daemon.signal(signal.SIGHUP)
    else:
        result = stratumc(setup.sock, "reload", "config")
    assert wait_for(lambda: setup.daemon.log().count("Configuration reloaded") +
                    setup.daemon.log().count("Configuration not reloaded") > done, 5), \
        setup.daemon.log()
    return result


def wait_reach(setup, addr, timeout=20):
    assert wait_for(lambda: source_rows(setup.sock).get(addr, (0, 0))[0] == 0o377, timeout), \
        "%s never reached 377: %s" % (addr, source_rows(setup.sock))


@pytest.mark.parametrize("how", ["sighup", "stratumc"])
def test_reload_applies_sources_access_and_ratelimit(setup, how):
    s1, s2 = setup.servers[0][1], setup.servers[1][1]
    port = setup.port
    setup.start(setup.config([0], ["127.0.0.2"]))
    wait_reach(setup, s1)
    assert not answered(port, "127.0.0.1", timeout=0.5)
    assert burst(port, "127.0.0.2") == BURST          # no rate limit yet

    # Add a source, allow another client, limit the rate.
    setup.write(setup.config([0, 1], ["127.0.0.1", "127.0.0.3"],
                             ["ratelimit interval 3 burst 1 leak 4"]))
    before = source_rows(setup.sock)[s1]
    status, out = reload(setup, how)
    took = seconds_until_answered(port, "127.0.0.1", ACT_WITHIN)
    kept = source_rows(setup.sock)
    assert took is not None, "127.0.0.1 not answered within %.1f s" % ACT_WITHIN
    print("%s: 127.0.0.1 answered %.3f s after the reload; %s (reach, samples) %s -> %s"
          % (how, took, s1, before, kept[s1]))
    assert how == "sighup" or (status == 0 and "200 OK" in out), out
    assert kept[s1][0] == 0o377 and kept[s1][1] >= min(before[1], 4), (before, kept)
    assert not answered(port, "127.0.0.2", timeout=0.5)
    # A client new to the log: chrony's limiting answers mostly a client
    # asking faster than it did while answered, as 127.0.0.1 just did.
    limited = burst(port, "127.0.0.3")
    print("%s: burst answered %d of %d with ratelimit" % (how, limited, BURST))
    assert limited <= BURST // 2, "%d of %d answered with ratelimit" % (limited, BURST)
    assert s2 in kept or wait_for(lambda: s2 in source_rows(setup.sock), 5)

    # Remove the first source; the second keeps its state; limits go.
    wait_reach(setup, s2)
    before = source_rows(setup.sock)[s2]
    setup.write(setup.config([1], ["127.0.0.2"]))
    reload(setup, how)
    took = seconds_until_answered(port, "127.0.0.2", ACT_WITHIN)
    rows = source_rows(setup.sock)
    assert took is not None, "127.0.0.2 not answered within %.1f s" % ACT_WITHIN
    print("%s: 127.0.0.2 answered %.3f s after the reload; %s %s -> %s"
          % (how, took, s2, before, rows.get(s2)))
    assert s1 not in rows and rows[s2][0] == 0o377 and rows[s2][1] >= min(before[1], 4), \
        (before, rows)
    assert burst(port, "127.0.0.2") == BURST

    # A broken file: refused with file:line, nothing changes.
    text = setup.config([0], ["127.0.0.1"]) + "maxupdateskew lots\n"
    bad_line = text.count("\n")
    setup.write(text)
    status, out = reload(setup, how)
    where = "%s:%d: maxupdateskew" % (setup.daemon.conf, bad_line)
    assert where in setup.daemon.log()
    if how == "stratumc":
        assert status != 0 and where in out and "Configuration not reloaded" in out, out
    assert setup.daemon.alive()
    assert answered(port, "127.0.0.2") and not answered(port, "127.0.0.1", timeout=0.5)
    rows = source_rows(setup.sock)
    assert s1 not in rows and rows[s2][0] == 0o377, rows


def test_dry_run_tells_and_changes_nothing(setup):
    setup.start(setup.config([0], ["127.0.0.2"]))
    text = setup.config([0], ["127.0.0.1"]).replace("port %d\n" % setup.port,
                                                    "port %d\n" % (setup.port + 1), 1)
    setup.write(text)
    rc, out = stratumc(setup.sock, "reload", "config", "--dry-run")
    assert rc == 0, out
    conf = setup.daemon.conf
    assert "%s:1: port: needs a restart" % conf in out, out
    assert "  - port %d" % setup.port in out and "  + port %d" % (setup.port + 1) in out, out
    allow_line = text.splitlines().index("allow 127.0.0.1") + 1
    assert "%s:%d: allow: run-time change" % (conf, allow_line) in out, out
    assert "  + allow 127.0.0.1/32" in out and "Dry run: nothing changed" in out, out
    assert answered(setup.port, "127.0.0.2") and not answered(setup.port, "127.0.0.1", 0.5)
    # The real reload applies allow; the port still needs a restart.
    rc, out = stratumc(setup.sock, "reload", "config")
    assert rc == 0 and "port: needs a restart" in out, out
    assert seconds_until_answered(setup.port, "127.0.0.1", ACT_WITHIN) is not None
    assert setup.daemon.alive()


def scrape(port):
    """The body of GET /metrics on 127.0.0.1:port, or None if refused."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2.0) as s:
            s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return data.decode(errors="replace")
                data += chunk
    except ConnectionRefusedError:
        return None


def test_reload_local_metrics_and_restart_directives(setup):
    """local stratum and metricsport change at run time; port is reported
    as needing a restart (with file:line) and keeps serving where it was."""
    mport = free_tcp_port()
    setup.start(setup.config([], ["127.0.0.1"], ["local stratum 5"]))
    replies = exchange(("127.0.0.1", setup.port), client_request(), timeout=1.0, max_replies=1)
    assert replies and parse(replies[0][0]).stratum == 5
    assert scrape(mport) is None
    text = setup.config([], ["127.0.0.1"], ["local stratum 7", "metricsport %d" % mport])
    text = text.replace("port %d\n" % setup.port, "port %d\n" % free_udp_port(), 1)
    setup.write(text)
    rc, out = stratumc(setup.sock, "reload", "config")
    assert rc == 0 and "%s:1: port: needs a restart" % setup.daemon.conf in out, out
    replies = exchange(("127.0.0.1", setup.port), client_request(), timeout=1.0, max_replies=1)
    assert replies and parse(replies[0][0]).stratum == 7, setup.daemon.log()
    body = scrape(mport)
    assert body is not None and "chrony_tracking_stratum 7" in body, body
