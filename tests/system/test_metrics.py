"""metricsport: stratumd serves GET /metrics in Prometheus' text format.

A `local stratum 3` stratumd and a stratumd client synchronised to it, both
with metricsport on a free port of 127.0.0.1 (and ::1 when it exists):
  - names, types, help texts and labels are chrony_exporter's (the list in
    tests/data/chrony_exporter_metrics.tsv, read from its sources), and the
    others are the documented additions; promtool accepts the text (when
    Debian's prometheus package can be had: scripts/prometheus.sh);
  - values: stratum, reference, the client's source, the server's counts;
  - bad requests get their 4xx (malformed, oversized, a body, another path,
    method or version) or are closed (silent, slow, at the time limit),
    pipelined requests get one answer, 100 parallel connections neither
    hang nor stop the daemon, and an NTP client goes on getting its replies
    during an HTTP flood;
  - under -F 1 (the seccomp allow-list) all of it works;
  - Debian's Prometheus server scrapes it (its API reports
    chrony_tracking_stratum), when it can be had;
  - `stratumc metrics` prints the same text over the command socket (but
    the daemon's own drop counts), serverstats left out over UDP, and
    chrony_up 0 with exit status 1 when no daemon answers.
Loopback only; the daemons run with -x."""
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import json

import pytest

from ntptest import (BUILD, DATA, Daemon, free_tcp_port, free_udp_port, ipv6_loopback,
                     prometheus_bin, query, require_stratumd, server_config, wait_for)

EXPORTER_LIST = DATA / "chrony_exporter_metrics.tsv"
# Ours, under the same prefix (docs/stratum.conf.5, stratumc(1)).
ADDITIONS = {"chrony_tracking_leap_status", "chrony_serverstats_ntp_requests_dropped_total",
             "chrony_serverstats_client_log_records"}
# chrony 4.4's serverstats (SERVER_STATS4): stratumd answers it, chronyd 4.3 not.
TIMESTAMP_COUNTS = {"chrony_serverstats_ntp_%s_%s_timestamps_total" % (who, way)
                    for who in ("daemon", "kernel", "hw") for way in ("rx", "tx")}
HTTPD_TIMEOUT = 2.0
MAX_HEAD = 4096


# ---------------------------------------------------------------- HTTP by hand

def connect(port, addr="127.0.0.1", timeout=5.0):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def read_until_closed(s, timeout):
    """(bytes received, closed by the server?) within timeout seconds."""
    data, closed = b"", False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
    return data, closed


def exchange(port, request, timeout=5.0, addr="127.0.0.1"):
    """Send raw request bytes; (response bytes, closed?)."""
    with connect(port, addr) as s:
        s.sendall(request)
        return read_until_closed(s, timeout)


def get(port, path="/metrics", addr="127.0.0.1"):
    data, closed = exchange(port, ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode(),
                            addr=addr)
    assert closed, data[:200]
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode(), body.decode()


def metrics(port, addr="127.0.0.1"):
    head, body = get(port, addr=addr)
    head += "\r\n"
    assert head.startswith("HTTP/1.1 200 OK\r\n"), head
    assert "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n" in head, head
    assert "\r\nConnection: close\r\n" in head, head
    length = int(re.search(r"\r\nContent-Length: (\d+)\r\n", head).group(1))
    assert length == len(body.encode())
    return body


def status_of(data):
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------- the text format

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_exposition(text):
    """{family: {"help", "type", "samples": [(labels dict, value float)]}}, checking
    the syntax: HELP then TYPE then the family's samples, each family once."""
    families, current = {}, None
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert name not in families, "family %s twice" % name
            current = families[name] = {"help": help_text, "type": None, "samples": []}
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert current is families.get(name) and kind in ("gauge", "counter"), line
            current["type"] = kind
        else:
            m = SAMPLE.match(line)
            assert m and current is families.get(m.group(1)), line
            labels, rest = {}, m.group(2) or ""
            while rest:
                lm = LABEL.match(rest)
                assert lm, line
                labels[lm.group(1)] = lm.group(2)
                rest = rest[lm.end():]
            current["samples"].append((labels, float(m.group(3))))
    return families


def exporter_list():
    """{name: (type, [labels], help)} of tests/data/chrony_exporter_metrics.tsv."""
    out = {}
    for line in EXPORTER_LIST.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, kind, labels, help_text = line.split("\t")
        out[name] = (kind, [] if labels == "-" else labels.split(","), help_text)
    return out


def value(families, name, **labels):
    """The value of the one sample of name with (at least) these labels."""
    found = [v for l, v in families[name]["samples"] if all(l.get(k) == w for k, w in labels.items())]
    assert len(found) == 1, (name, labels, families.get(name))
    return found[0]


# ---------------------------------------------------------------- the daemons

def metrics_server_config(ntp_port, metrics_port, extra=()):
    return server_config(ntp_port, extra=["metricsport %d" % metrics_port] + list(extra))


def start(workdir, config, args=(), wait_ports=()):
    d = Daemon(workdir, config, args=args)
    try:
        d.start(wait_ports=wait_ports)
    except BaseException:
        d.stop()
        raise
    return d


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(server, client): a `local stratum 3` stratumd and a stratumd client
    synchronised to it, each with a metrics port."""
    require_stratumd()
    tmp = tmp_path_factory.mktemp("metrics")
    ntp_port, server_metrics = free_udp_port(), free_tcp_port()
    server = start(tmp / "server", metrics_server_config(ntp_port, server_metrics),
                   wait_ports=[(4, ntp_port)])
    client_metrics = free_tcp_port()
    client = None
    try:
        client = start(tmp / "client",
                       "port 0\nserver 127.0.0.1 port %d iburst minpoll 4 maxpoll 4\n"
                       "metricsport %d\n" % (ntp_port, client_metrics))
        assert wait_for(lambda: "Selected source 127.0.0.1" in client.log(), 30), client.log()
        server.metrics_port, server.ntp_port = server_metrics, ntp_port
        client.metrics_port = client_metrics
        yield server, client
    finally:
        for d in (client, server):
            if d:
                d.stop()
                print("---- %s\n%s" % (" ".join(d.argv()), d.log()))


# ---------------------------------------------------------------- names and values

def test_names_types_help_and_labels_are_chrony_exporters(pair):
    server, client = pair
    exporter = exporter_list()
    assert len(exporter) == 51
    for d in (server, client):
        families = parse_exposition(metrics(d.metrics_port))
        unknown = set(families) - set(exporter) - ADDITIONS
        assert not unknown, unknown
        for name, fam in families.items():
            assert name.startswith("chrony_")
            assert fam["samples"], name
            assert (fam["type"] == "counter") == name.endswith("_total"), name
            if name not in exporter:
                continue
            kind, labels, help_text = exporter[name]
            assert (fam["type"], fam["help"]) == (kind, help_text), name
            for sample_labels, _ in fam["samples"]:
                assert sorted(sample_labels) == sorted(labels), (name, sample_labels)
    # the client has sources: every family of the exporter is there, chrony
    # 4.4's timestamp counts included
    families = parse_exposition(metrics(client.metrics_port))
    assert TIMESTAMP_COUNTS <= set(exporter)
    assert set(exporter) - set(families) == set()
    assert ADDITIONS <= set(families)


def test_values_of_the_server_and_its_client(pair):
    server, client = pair
    s = parse_exposition(metrics(server.metrics_port))
    assert value(s, "chrony_tracking_stratum") == 3
    assert value(s, "chrony_tracking_remote_reference") == 0
    assert value(s, "chrony_tracking_leap_status") == 0
    assert value(s, "chrony_tracking_info", tracking_refid="7F7F0101") == 1
    assert "chrony_sources_stratum" not in s
    assert value(s, "chrony_serverstats_ntp_packets_received_total") >= 1
    assert value(s, "chrony_serverstats_client_log_records") >= 16
    assert value(s, "chrony_serverstats_ntp_requests_dropped_total", reason="access") == 0
    assert value(s, "chrony_up") == 1

    c = parse_exposition(metrics(client.metrics_port))
    assert value(c, "chrony_tracking_stratum") == 4
    assert value(c, "chrony_tracking_remote_reference") == 1
    assert value(c, "chrony_tracking_info", tracking_address="127.0.0.1",
                 tracking_name="127.0.0.1", tracking_refid="7F000001") == 1
    src = {"source_address": "127.0.0.1", "source_name": "127.0.0.1"}
    assert value(c, "chrony_sources_stratum", **src) == 3
    assert value(c, "chrony_sources_state_info", source_state="sync", source_mode="client",
                 **src) == 1
    assert value(c, "chrony_sources_reachability_success", **src) == 1
    assert value(c, "chrony_sources_polling_interval_seconds", **src) == 16
    assert 0 <= value(c, "chrony_sources_last_sample_age_seconds", **src) < 60
    assert 0 < value(c, "chrony_sources_peer_delay_seconds", **src) < 0.1
    assert value(c, "chrony_sourcestats_samples", **src) >= 1

    # answered from the state of each request: the server's count grows
    before = value(s, "chrony_serverstats_ntp_packets_received_total")
    for _ in range(3):
        assert query(("127.0.0.1", server.ntp_port), timeout=2.0)[1] is not None
    after = value(parse_exposition(metrics(server.metrics_port)),
                  "chrony_serverstats_ntp_packets_received_total")
    assert after >= before + 3


def test_scrapes_change_no_command_counter(pair):
    server, _ = pair
    name = "chrony_serverstats_command_packets_received_total"
    first = value(parse_exposition(metrics(server.metrics_port)), name)
    for _ in range(3):
        metrics(server.metrics_port)
    assert value(parse_exposition(metrics(server.metrics_port)), name) == first


def test_ipv6_loopback_too(pair):
    if not ipv6_loopback():
        pytest.skip("no ::1 here")
    server, _ = pair
    assert "chrony_tracking_stratum 3\n" in metrics(server.metrics_port, addr="::1")


def test_head(pair):
    server, _ = pair
    data, closed = exchange(server.metrics_port, b"HEAD /metrics HTTP/1.0\r\n\r\n")
    assert closed and status_of(data) == 200
    head, _, body = data.partition(b"\r\n\r\n")
    assert body == b"" and int(re.search(rb"Content-Length: (\d+)", head).group(1)) > 1000


# ---------------------------------------------------------------- promtool

def test_promtool_check_metrics(pair):
    promtool = prometheus_bin("promtool")
    for d in pair:
        text = metrics(d.metrics_port)
        r = subprocess.run([str(promtool), "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), \
            r.stdout + r.stderr


# ---------------------------------------------------------------- bad requests

BAD = [
    (b"GET /metrics HTTP/1.1\r\n\r\n", 400),                      # no Host
    (b"GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),       # TLS
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
    (b"GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    (b"GET /metrics\r\n\r\n", 400),                               # HTTP/0.9
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    (b"GET /metrics/../x HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    (b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", 405),
    (b"DELETE /metrics HTTP/1.0\r\n\r\n", 405),
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 413),
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 413),
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"p" * 5000 + b"\r\n\r\n", 431),
    (b"GET /" + b"m" * 8000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
    (b"GET /metrics HTTP/2.0\r\n\r\n", 505),
]


@pytest.mark.parametrize("request_bytes,status", BAD, ids=[str(s) + "-" + str(i) for i, (_, s)
                                                            in enumerate(BAD)])
def test_bad_request_gets_its_status_and_a_close(pair, request_bytes, status):
    server, _ = pair
    t0 = time.monotonic()
    data, closed = exchange(server.metrics_port, request_bytes)
    assert status_of(data) == status, data[:300]
    assert b"\r\nConnection: close\r\n" in data
    assert closed and time.monotonic() - t0 < HTTPD_TIMEOUT + 1.0
    assert server.alive()


def test_silent_and_slow_clients_are_closed_at_the_time_limit(pair):
    server, _ = pair
    request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    t0 = time.monotonic()
    silent = connect(server.metrics_port)
    slow = connect(server.metrics_port)

    def drip():                                # one byte every 0.2 s: never complete in time
        for i in range(len(request) - 1):
            try:
                slow.send(request[i:i + 1])
            except OSError:
                return
            time.sleep(0.2)

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    data, closed = read_until_closed(silent, HTTPD_TIMEOUT + 2.0)
    assert closed and data == b""
    assert HTTPD_TIMEOUT - 0.3 < time.monotonic() - t0 < HTTPD_TIMEOUT + 1.0
    data, closed = read_until_closed(slow, 1.0)
    assert closed and data == b""
    assert time.monotonic() - t0 < HTTPD_TIMEOUT + 1.5
    dripping.join(timeout=10)
    silent.close()
    slow.close()
    assert server.alive()


def test_pipelined_requests_get_one_answer(pair):
    server, _ = pair
    two = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    data, closed = exchange(server.metrics_port, two)
    assert closed and status_of(data) == 200
    assert data.count(b"HTTP/1.1 ") == 1
    head, _, body = data.partition(b"\r\n\r\n")
    assert int(re.search(rb"Content-Length: (\d+)", head).group(1)) == len(body)


def one_get(port, results, barrier):
    """Connect, GET, read until closed; append what happened to results."""
    try:
        barrier.wait(timeout=10)
        t0 = time.monotonic()
        with connect(port, timeout=10.0) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            data, closed = read_until_closed(s, 10.0)
        if not closed:
            results.append(("open", time.monotonic() - t0))
        elif status_of(data) == 200:
            results.append(("200", time.monotonic() - t0))
        else:
            results.append(("closed" if data == b"" else data[:40], time.monotonic() - t0))
    except (BrokenPipeError, ConnectionResetError):
        results.append(("closed", 0.0))
    except OSError as e:
        results.append((repr(e), 0.0))


def test_100_parallel_connections(pair):
    """All at once: each is answered or closed (the oldest are closed for
    newer ones), none stays open, and afterwards the server answers as
    before."""
    server, _ = pair
    results, barrier = [], threading.Barrier(100)
    threads = [threading.Thread(target=one_get, args=(server.metrics_port, results, barrier),
                                daemon=True) for _ in range(100)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    kinds = [k for k, _ in results]
    print("100 connections: %d answered, %d closed, in %.1f s" %
          (kinds.count("200"), kinds.count("closed"), time.monotonic() - t0))
    assert len(results) == 100
    assert set(kinds) <= {"200", "closed"}, sorted(set(map(str, kinds)))
    assert kinds.count("200") >= 16
    assert max(t for _, t in results) < HTTPD_TIMEOUT + 4.0
    assert "chrony_tracking_stratum 3\n" in metrics(server.metrics_port)
    assert server.alive()


def test_ntp_replies_go_on_during_an_http_flood(pair):
    server, _ = pair
    stop = threading.Event()
    counts = {"get": 0, "garbage": 0, "silent": 0}

    def flood(kind):
        while not stop.is_set():
            try:
                with connect(server.metrics_port, timeout=2.0) as s:
                    if kind == "get":
                        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                        read_until_closed(s, 2.0)
                    elif kind == "garbage":
                        s.sendall(os.urandom(5000))
                        read_until_closed(s, 0.2)
                    else:
                        time.sleep(0.05)       # open, say nothing, leave
                counts[kind] += 1
            except OSError:
                pass

    threads = [threading.Thread(target=flood, args=(k,), daemon=True)
               for k in ("get", "get", "garbage", "silent")]
    for t in threads:
        t.start()
    sent = answered = 0
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < 4.0:
            sent += 1
            if query(("127.0.0.1", server.ntp_port), timeout=1.0, tries=1)[1] is not None:
                answered += 1
            time.sleep(0.02)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
    print("NTP: %d of %d answered during %s HTTP connections" % (answered, sent, counts))
    assert counts["get"] >= 20 and counts["garbage"] >= 10
    assert sent >= 50 and answered >= 0.95 * sent
    assert server.alive()


# ---------------------------------------------------------------- configuration, -F 1

def test_drops_by_reason_and_server_workers(tmp_path):
    """The counts of serverworkers threads are in the text, and each kind
    of dropped request is counted under its reason."""
    require_stratumd()
    ntp_port, metrics_port = free_udp_port(), free_tcp_port()
    d = start(tmp_path / "d", metrics_server_config(ntp_port, metrics_port, ["serverworkers 2"]),
              wait_ports=[(4, ntp_port)])
    try:
        for _ in range(20):
            assert query(("127.0.0.1", ntp_port), timeout=2.0)[1] is not None
        for payload in (b"\x23" * 20, bytes([0x25]) + bytes(47)):   # short; mode 5
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(payload, ("127.0.0.1", ntp_port))

        def counts():
            f = parse_exposition(metrics(metrics_port))
            return (value(f, "chrony_serverstats_ntp_packets_received_total"),
                    value(f, "chrony_serverstats_ntp_requests_dropped_total", reason="format"),
                    value(f, "chrony_serverstats_ntp_requests_dropped_total", reason="mode"))
        # the workers publish their counts every second
        assert wait_for(lambda: counts()[0] >= 20 and counts()[1] >= 1 and counts()[2] >= 1, 5), \
            counts()
    finally:
        d.stop()


def test_seccomp_allow_list_lets_the_server_work(tmp_path):
    require_stratumd()
    ntp_port, metrics_port = free_udp_port(), free_tcp_port()
    d = start(tmp_path / "d", metrics_server_config(ntp_port, metrics_port), args=["-F", "1"],
              wait_ports=[(4, ntp_port)])
    try:
        assert wait_for(lambda: open("/proc/%d/status" % d.proc.pid).read().count("Seccomp:\t2"),
                        3)
        assert "chrony_tracking_stratum 3\n" in metrics(metrics_port)
        for request_bytes, status in BAD[:3] + BAD[-3:]:
            data, closed = exchange(metrics_port, request_bytes)
            assert status_of(data) == status and closed
        data, closed = read_until_closed(connect(metrics_port), HTTPD_TIMEOUT + 2.0)
        assert closed and data == b""
        assert query(("127.0.0.1", ntp_port), timeout=2.0)[1] is not None
        assert d.alive(), d.log()
    finally:
        d.stop()


def test_bindmetricsaddress_and_family_option(tmp_path):
    require_stratumd()
    metrics_port = free_tcp_port()
    d = start(tmp_path / "d", "local stratum 5\nmetricsport %d\nbindmetricsaddress 127.0.0.2\n"
              % metrics_port, args=["-4"])
    try:
        assert "chrony_tracking_stratum 5\n" in metrics(metrics_port, addr="127.0.0.2")
        with pytest.raises(ConnectionRefusedError):
            connect(metrics_port, addr="127.0.0.1")
        assert "Serving metrics on 127.0.0.2 port %d" % metrics_port in d.log()
        assert "::1" not in d.log()
    finally:
        d.stop()


def test_no_metrics_socket_is_fatal(tmp_path):
    require_stratumd()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        d = Daemon(tmp_path / "d", "metricsport %d\nbindmetricsaddress 127.0.0.1\n" % port,
                   args=["-4"])
        d.spawn()
        try:
            assert d.wait(10) == 1, d.log()
        finally:
            d.stop()
    assert "Could not open metrics socket on 127.0.0.1:%d : Address already in use" % port \
        in d.log()
    assert "Could not open any metrics socket" in d.log()


def test_metrics_off_by_default(tmp_path):
    require_stratumd()
    ntp_port = free_udp_port()
    d = start(tmp_path / "d", server_config(ntp_port), wait_ports=[(4, ntp_port)])
    try:
        tcp = [l for t in ("/proc/net/tcp", "/proc/net/tcp6")
               for l in open(t).read().splitlines()[1:] if l.split()[3] == "0A"]
        inodes = {l.split()[9] for l in tcp}
        fds = os.listdir("/proc/%d/fd" % d.proc.pid)
        links = {os.readlink("/proc/%d/fd/%s" % (d.proc.pid, f)) for f in fds}
        assert not any("socket:[%s]" % i in links for i in inodes)
        assert "metrics" not in d.log()
    finally:
        d.stop()


# ---------------------------------------------------------------- Prometheus

def test_prometheus_scrapes_stratumd(pair, tmp_path):
    prometheus = prometheus_bin("prometheus")
    server, client = pair
    web_port = free_tcp_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n"
        "  - job_name: stratumd\n"
        "    static_configs:\n"
        "      - targets: ['127.0.0.1:%d', '127.0.0.1:%d']\n"
        % (server.metrics_port, client.metrics_port))
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen(
        [str(prometheus), "--config.file=%s" % config,
         "--storage.tsdb.path=%s" % (tmp_path / "data"),
         "--web.listen-address=127.0.0.1:%d" % web_port],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=str(tmp_path),
        start_new_session=True)
    api = "http://127.0.0.1:%d/api/v1/" % web_port
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # loopback: no proxy

    def api_get(path):
        with opener.open(api + path, timeout=5) as r:
            return json.loads(r.read().decode())

    def stratum_values():
        try:
            result = api_get("query?query=" + urllib.parse.quote("chrony_tracking_stratum"))
        except OSError:
            return None
        return sorted(float(x["value"][1]) for x in result["data"]["result"])

    try:
        assert wait_for(lambda: stratum_values() == [3.0, 4.0], 60), \
            (stratum_values(), (tmp_path / "prometheus.log").read_text()[-3000:])
        targets = api_get("targets")["data"]["activeTargets"]
        assert len(targets) == 2 and all(t["health"] == "up" for t in targets), targets
        up = api_get("query?query=chrony_up")["data"]["result"]
        assert sorted(float(x["value"][1]) for x in up) == [1.0, 1.0]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


# ---------------------------------------------------------------- stratumc metrics

def stratumc_metrics(*host):
    stratumc = BUILD / "stratumc"
    if not os.access(stratumc, os.X_OK):
        pytest.skip("%s not built" % stratumc)
    r = subprocess.run([str(stratumc)] + list(host) + ["metrics"], capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


# Values that change between two looks: the local reference's time is now;
# stratumc's own requests are command packets; the drops by reason are the
# daemon's alone.
VOLATILE = ("chrony_tracking_reference_timestamp_seconds",
            "chrony_serverstats_command_packets_received_total",
            "chrony_serverstats_ntp_requests_dropped_total")


def without(text, names):
    return "".join(l + "\n" for l in text.splitlines()
                   if not any(re.match(r"(# (HELP|TYPE) )?%s[ {]" % n, l) for n in names))


def test_stratumc_prints_the_same_text(tmp_path):
    require_stratumd()
    ntp_port, cmdport, metrics_port = free_udp_port(), free_udp_port(), free_tcp_port()
    sockdir = tmp_path / "run"
    sockdir.mkdir()
    os.chmod(str(sockdir), 0o770)
    sock = sockdir / "stratumd.sock"
    d = start(tmp_path / "d", metrics_server_config(
        ntp_port, metrics_port, ["cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1",
                                 "bindcmdaddress %s" % sock]), wait_ports=[(4, ntp_port)])
    try:
        for _ in range(3):
            query(("127.0.0.1", ntp_port), timeout=2.0)
        rc, ours, err = stratumc_metrics("-h", str(sock))
        served = metrics(metrics_port)
        assert rc == 0 and err == "", err
        assert without(ours, VOLATILE) == without(served, VOLATILE)
        assert "chrony_serverstats_ntp_requests_dropped_total" not in ours
        families = parse_exposition(ours)
        assert value(families, "chrony_tracking_stratum") == 3
        assert value(families, "chrony_serverstats_ntp_packets_received_total") >= 3
        # -j and -c change nothing
        assert without(stratumc_metrics("-j", "-h", str(sock))[1], VOLATILE) == \
            without(ours, VOLATILE)
        # over UDP, serverstats and clients are not open by default: left out
        rc, udp, err = stratumc_metrics("-h", "127.0.0.1", "-p", str(cmdport))
        assert rc == 0 and err == "", err
        families = parse_exposition(udp)
        assert value(families, "chrony_tracking_stratum") == 3
        assert value(families, "chrony_up") == 1
        assert not [f for f in families if f.startswith("chrony_serverstats")]
    finally:
        d.stop()


def test_stratumc_metrics_without_a_daemon():
    rc, out, err = stratumc_metrics("-h", "127.0.0.1", "-p", str(free_udp_port()))
    assert rc == 1
    assert out == "# HELP chrony_up Whether the chrony server is up.\n" \
                  "# TYPE chrony_up gauge\nchrony_up 0\n"
    assert "506 Cannot talk to daemon" in err
