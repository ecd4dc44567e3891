"""stratumd's NTS-KE server (RFC 8915 section 4) and NTS-shaped NTP requests,
with Python's ssl module as the client.

One stratumd (-x) serves NTP and NTS-KE on 127.0.0.1 with a certificate
made here (openssl) and maxntsconnections 4. Checked: the records of a
response (chrony's request), the AEAD choice, ALPN enforced, errors for bad
requests, silent clients closed after the connection timeout, connections
from denied addresses and beyond the limit closed at once, ntsratelimit, and
NTS requests never answered with more bytes than they carry. Every wait is bounded; traffic stays on loopback."""
import os
import re
import socket
import ssl
import struct
import time

import pytest

from ntptest import (Daemon, client_request, exchange, free_tcp_port, free_udp_port, make_test_pki,
                     parse, require_stratumd, server_config, stratumc, wait_for)

MAX_CONNECTIONS = 4
TIMEOUT = 2.0           # NTSD_CONNECTION_TIMEOUT
IO_TIMEOUT = 10.0       # bound of any one read (a loaded machine)

# chronyd 4.3's request: NTPv4, AES-SIV-CMAC-256, End of Message
CHRONY_REQUEST = bytes.fromhex("80010002000080040002000f80000000")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_stratumd()
    cert, key, ca, other = make_test_pki(tmp_path_factory.mktemp("pki"))
    port, keport = free_udp_port(), free_tcp_port()
    d = Daemon(tmp_path_factory.mktemp("nts-server"), server_config(port, extra=[
        "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport,
        "maxntsconnections %d" % MAX_CONNECTIONS]))
    try:
        d.start(wait_ports=[(4, port)])
        yield d, port, keport, ca, other
    finally:
        print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))


def tls_context(ca, alpn=("ntske/1",)):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(str(ca))
    ctx.set_alpn_protocols(list(alpn))
    return ctx


def read_all(t):
    data = b""
    while True:
        try:
            chunk = t.recv(65536)
        except (ssl.SSLZeroReturnError, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


def key_exchange(keport, ca, request=CHRONY_REQUEST):
    with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT) as s:
        with tls_context(ca).wrap_socket(s, server_hostname="127.0.0.1") as t:
            assert t.selected_alpn_protocol() == "ntske/1"
            t.sendall(request)
            return read_all(t)


def records(data):
    """[(critical, type, body)] of a message; asserts it ends with End of Message."""
    out, pos = [], 0
    while pos < len(data):
        assert pos + 4 <= len(data), data.hex()
        rtype, length = struct.unpack("!HH", data[pos:pos + 4])
        out.append((bool(rtype & 0x8000), rtype & 0x7FFF, data[pos + 4:pos + 4 + length]))
        pos += 4 + length
    assert out and out[-1] == (True, 0, b""), out
    return out


def test_response_to_chronys_request(server):
    _, port, keport, ca, _ = server
    recs = records(key_exchange(keport, ca))
    by_type = {}
    for crit, rtype, body in recs:
        by_type.setdefault(rtype, []).append((crit, body))
    assert by_type[1] == [(True, b"\x00\x00")]                  # NTPv4
    assert by_type[4] == [(True, b"\x00\x0f")]                  # AES-SIV-CMAC-256
    cookies = [body for _, body in by_type[5]]
    assert len(cookies) == 8 and len(set(cookies)) == 8
    assert all(len(c) == 100 for c in cookies)                 # chrony's cookie length
    assert by_type[7] == [(True, struct.pack("!H", port))]      # not 123: the port record
    assert 2 not in by_type and 6 not in by_type


def test_client_order_of_algorithms(server):
    _, _, keport, ca, _ = server
    # GCM-SIV (30) first, then SIV-CMAC-256: the client's first that ntsaeads has
    req = bytes.fromhex("80010002000080040004001e000f80000000")
    recs = records(key_exchange(keport, ca, req))
    assert [b for _, t, b in recs if t == 4] == [b"\x00\x1e"]
    # only SIV-CMAC-512 (17), not in ntsaeads: an empty AEAD record, no cookies
    req = bytes.fromhex("8001000200008004000200118000" "0000")
    recs = records(key_exchange(keport, ca, req))
    assert [b for _, t, b in recs if t == 4] == [b""]
    assert not [b for _, t, b in recs if t == 5]


@pytest.mark.parametrize("request_hex,code", [
    ("80010002000080040002000fc000000080000000", 0),     # unknown critical record
    ("80040002000f80000000", 1),                         # no Next Protocol
    ("80010002000080040002000f80020002000080000000", 1),  # an Error in a request
])
def test_bad_requests_get_errors(server, request_hex, code):
    _, _, keport, ca, _ = server
    recs = records(key_exchange(keport, ca, bytes.fromhex(request_hex)))
    assert recs[:-1] == [(True, 2, struct.pack("!H", code))], recs


def test_oversized_request_gets_error(server):
    _, _, keport, ca, _ = server
    # a non-critical record that never ends within the 16 KiB a request may have
    req = bytes.fromhex("80010002000080040002000f") + struct.pack("!HH", 0x4000, 0xFFFF) + \
        b"\x00" * 20000
    with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT) as s:
        with tls_context(ca).wrap_socket(s, server_hostname="127.0.0.1") as t:
            try:
                t.sendall(req)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass
            data = read_all(t)
    recs = records(data)
    assert recs[:-1] == [(True, 2, b"\x00\x01")], recs


def test_other_alpn_refused(server):
    _, _, keport, ca, _ = server
    with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT) as s:
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            with tls_context(ca, alpn=("http/1.1",)).wrap_socket(s, server_hostname="127.0.0.1"):
                pass


def test_untrusted_certificate_fails_the_handshake(server):
    _, _, keport, _, other = server
    with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT) as s:
        with pytest.raises(ssl.SSLCertVerificationError):
            with tls_context(other).wrap_socket(s, server_hostname="127.0.0.1"):
                pass


def closed_after(sock):
    """Seconds until the peer closes sock (reads whatever it sends)."""
    start = time.monotonic()
    sock.settimeout(IO_TIMEOUT)
    try:
        while sock.recv(4096):
            pass
    except (ConnectionResetError, socket.timeout):
        pass
    return time.monotonic() - start


def test_silent_client_closed_after_timeout(server):
    _, _, keport, ca, _ = server
    with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT) as s:
        took = closed_after(s)
    assert TIMEOUT * 0.9 <= took < IO_TIMEOUT, took
    # and the server still answers
    assert records(key_exchange(keport, ca))


def test_denied_address_closed_at_once(server):
    """As chronyd: allow/deny of the NTP server decide who may connect (the
    server allows 127.0.0.1 only; 127.0.0.2 is loopback too)."""
    _, _, keport, ca, _ = server
    with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT,
                                  source_address=("127.0.0.2", 0)) as s:
        took = closed_after(s)
    assert took < TIMEOUT / 2, took
    with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT,
                                  source_address=("127.0.0.2", 0)) as s:
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            with tls_context(ca).wrap_socket(s, server_hostname="127.0.0.1"):
                pass


def test_connections_beyond_the_limit_closed_at_once(server):
    d, _, keport, ca, _ = server
    # connections of earlier tests (a client that failed its handshake may
    # still hold its socket) are closed by their timeout by then
    time.sleep(TIMEOUT * 1.2)
    held = [socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT)
            for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.2)         # all accepted
        with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT) as extra:
            took = closed_after(extra)
        assert took < TIMEOUT / 2, took
        # the held ones are closed by their timeout, not before
        assert all(closed_after(s) > 0 for s in held)
    finally:
        for s in held:
            s.close()
    assert records(key_exchange(keport, ca))


def try_key_exchange(keport, ca, source):
    """Whether a key exchange from source got a response (False: closed)."""
    try:
        with socket.create_connection(("127.0.0.1", keport), timeout=IO_TIMEOUT,
                                      source_address=(source, 0)) as s:
            with tls_context(ca).wrap_socket(s, server_hostname="127.0.0.1") as t:
                t.sendall(CHRONY_REQUEST)
                return bool(records(read_all(t)))
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return False


def serverstats_nke(sock):
    """(NTS-KE connections accepted, dropped) of `stratumc serverstats`."""
    rc, out = stratumc(sock, "serverstats")
    assert rc == 0, out
    found = dict(re.findall(r"NTS-KE connections (accepted|dropped) *: (\d+)", out))
    return int(found["accepted"]), int(found["dropped"])


def test_ntsratelimit_refuses_a_burst_and_reload_lifts_it(tmp_path):
    """ntsratelimit: a client's connections beyond its burst are closed at
    once but for the leak (one in 2^LEAK), another address has a bucket of
    its own; serverstats counts them as chronyd; a reload applies a new
    limit."""
    require_stratumd()
    burst, leak, n = 3, 4, 20
    cert, key, ca, _ = make_test_pki(tmp_path)
    port, keport = free_udp_port(), free_tcp_port()
    sock = tmp_path / "run" / "stratumd.sock"
    sock.parent.mkdir()
    os.chmod(str(sock.parent), 0o770)
    base = server_config(port, allow=("127.0.0.0/8",), extra=[
        "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport,
        "bindcmdaddress %s" % sock])
    d = Daemon(tmp_path / "d", base + "ntsratelimit interval 6 burst %d leak %d\n" % (burst, leak))
    try:
        d.start(wait_ports=[(4, port)])
        answered = sum(try_key_exchange(keport, ca, "127.0.0.2") for _ in range(n))
        # the burst, then one in 2^leak of the rest on average (1.06 here)
        assert burst <= answered <= burst + (n - burst) // 2, answered
        assert all(try_key_exchange(keport, ca, "127.0.0.3") for _ in range(burst))
        assert serverstats_nke(sock) == (n + burst, n - answered)
        rc, out = stratumc(sock, "-c", "-n", "clients", "-k")
        rows = {l.split(",")[0]: l.split(",") for l in out.splitlines()}
        assert rows["127.0.0.2"][6:8] == [str(n), str(n - answered)], out
        assert rows["127.0.0.3"][6:8] == [str(burst), "0"], out
        d.conf.write_text(d.conf.read_text().replace("ntsratelimit", "#"))
        rc, out = stratumc(sock, "reload", "config")
        assert rc == 0 and wait_for(lambda: "Configuration reloaded" in d.log(), 5), out
        assert all(try_key_exchange(keport, ca, "127.0.0.2") for _ in range(n))
        assert serverstats_nke(sock) == (2 * n + burst, n - answered)
    finally:
        print("---- stratumd (exit %s)\n%s" % (d.stop(), d.log()))


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(c) for c in f.read().split()]


@pytest.mark.parametrize("processes", [0, 2])
def test_ntsprocesses_serve_as_the_daemon_runs(tmp_path, processes):
    """ntsprocesses N: N helper processes (children of the daemon) serve
    the key exchanges, with the daemon's user, no capability and its
    system call filter (-F 1); 0: none, the loop serves them. Each helper
    logs its counts when the daemon exits."""
    require_stratumd()
    cert, key, ca, _ = make_test_pki(tmp_path)
    port, keport = free_udp_port(), free_tcp_port()
    args = ["-F", "1"]
    if os.geteuid() == 0:
        args += ["-u", "nobody"]
    d = Daemon(tmp_path / "d", server_config(port, extra=[
        "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport,
        "ntsprocesses %d" % processes]), args=args)
    n = 3 * max(processes, 1)
    try:
        d.start(wait_ports=[(4, port)])
        helpers = children(d.proc.pid)
        assert len(helpers) == processes, helpers
        main = proc_status(d.proc.pid)
        for pid in helpers:
            # the filter is the helper's last step before serving
            assert wait_for(lambda: proc_status(pid)["Seccomp"] == "2", 5), proc_status(pid)
            st = proc_status(pid)
            assert st["Uid"] == main["Uid"] and st["Gid"] == main["Gid"], (st, main)
            assert int(st["CapEff"], 16) == int(main["CapEff"], 16) == 0 or os.geteuid() != 0
            assert st["Seccomp"] == "2", st
        assert all(records(key_exchange(keport, ca)) for _ in range(n))
        assert "NTS-KE helper" not in d.log()
    finally:
        code = d.stop()
        print("---- stratumd (exit %s)\n%s" % (code, d.log()))
    assert code == 0
    assert wait_for(lambda: len(re.findall(r"NTS-KE helper \d+: ", d.log())) == processes, 5), \
        d.log()
    served = re.findall(r"NTS-KE helper (\d+): connections (\d+),.*keys given (\d+)", d.log())
    assert sorted(int(i) for i, _, _ in served) == list(range(1, processes + 1)), served
    if processes:
        assert sum(int(c) for _, c, _ in served) == n and \
            sum(int(k) for _, _, k in served) == n, served
    assert re.search(r"NTS-KE connections accepted %d," % n, d.log()), d.log()


def failed_start(tmp_path, cert, key, processes):
    """The log of a daemon with this pair that must not start (it exits,
    not with 0, within 10 s)."""
    port, keport = free_udp_port(), free_tcp_port()
    d = Daemon(tmp_path / "d", server_config(port, extra=[
        "ntsservercert %s" % cert, "ntsserverkey %s" % key,
        "ntsport %d" % keport, "ntsprocesses %d" % processes]))
    try:
        d.spawn()
        code = d.wait(10)
    finally:
        d.stop()
    assert code not in (None, 0), d.log()
    return d.log()


@pytest.mark.parametrize("processes", [0, 2])
def test_key_not_matching_its_certificate_stops_the_start(tmp_path, processes):
    """A key that is not the certificate's: the daemon does not start, with
    the reason logged, whether the main process loads the pair (ntsprocesses
    0) or only its helpers do (ntsprocesses N)."""
    require_stratumd()
    cert, _, ca, _ = make_test_pki(tmp_path)
    key = str(ca).replace(".pem", ".key")       # the CA's own
    log = failed_start(tmp_path, cert, key, processes)
    assert "could not load the key %s" % key in log, log
    assert "Could not start NTS-KE server" in log, log
    assert ("NTS-KE helpers failed to start" in log) == (processes > 0), log


@pytest.mark.parametrize("processes", [0, 1])
@pytest.mark.parametrize("what", ["missing", "not PEM"])
def test_unreadable_certificate_named_with_its_reason(tmp_path, processes, what):
    """The helpers do without OpenSSL's error texts (stratum.conf(5),
    ntsprocesses): a missing certificate is named with the system's text
    either way, one OpenSSL cannot read with OpenSSL's code (the main
    process, which loads the texts, gives the code and its text)."""
    require_stratumd()
    _, key, _, _ = make_test_pki(tmp_path)
    cert = tmp_path / "cert.pem"
    if what == "not PEM":
        cert.write_text("not a certificate\n")
    log = failed_start(tmp_path, cert, key, processes)
    reason = re.search(r"could not load the certificate %s: (.*)" % re.escape(str(cert)), log)
    assert reason, log
    print("ntsprocesses %d, %s: %s" % (processes, what, reason.group(1)))
    if what == "missing":
        assert "No such file or directory" in reason.group(1), log
    else:
        assert re.search(r"\b[0-9A-F]{8}\b", reason.group(1)), log
        assert ("routines" in reason.group(1)) == (processes == 0), log


# ------------------------------------------------------------ NTS over NTP

def ef(ftype, body):
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("!HH", ftype, 4 + len(body)) + body


def nts_request(cookie, uid=None, placeholders=0):
    uid = uid or os.urandom(32)
    req = client_request() + ef(0x0104, uid) + ef(0x0204, cookie)
    req += ef(0x0304, b"\x00" * len(cookie)) * placeholders
    # an authenticator: nonce 16, ciphertext 16 (the tag of nothing), not valid
    auth = struct.pack("!HH", 16, 16) + os.urandom(32)
    return req + ef(0x0404, auth), uid


@pytest.mark.parametrize("placeholders", [0, 1, 7])
def test_nts_requests_naked_never_amplified(server, placeholders):
    """A forged cookie, and a real cookie with a forged authenticator: an
    NTS NAK (stratum 0, NTSN) with the request's identifier, never longer."""
    _, port, keport, ca, _ = server
    real = [b for _, t, b in records(key_exchange(keport, ca)) if t == 5][0]
    for cookie in (os.urandom(100), real):
        req, uid = nts_request(cookie, placeholders=placeholders)
        replies = exchange(("127.0.0.1", port), req, timeout=IO_TIMEOUT / 5, settle=0.1)
        assert len(replies) == 1, replies
        data = replies[0][0]
        assert len(data) <= len(req)
        p = parse(data)
        assert (p.stratum, p.refid) == (0, struct.unpack("!I", b"NTSN")[0]), p
        assert p.org == struct.unpack("!Q", req[40:48])[0] and p.xmt != 0, p
        assert data[48:52] == struct.pack("!HH", 0x0104, 36) and data[52:84] == uid


def test_malformed_nts_requests_dropped(server):
    _, port, _, _, _ = server
    cookie = os.urandom(100)
    uid = os.urandom(32)
    auth = ef(0x0404, struct.pack("!HH", 16, 16) + os.urandom(32))
    bad = [
        client_request() + ef(0x0104, uid) + auth,                          # no cookie
        client_request() + ef(0x0204, cookie) + auth,                       # no identifier
        client_request() + ef(0x0104, uid) + ef(0x0204, cookie) + ef(0x0204, cookie) + auth,
        client_request() + ef(0x0104, uid) + auth + ef(0x0204, cookie),     # auth not last
        client_request() + ef(0x0104, uid) + ef(0x0204, cookie) +
        ef(0x0304, b"\x00" * 96) + auth,                                    # placeholder length
    ]
    for req in bad:
        assert exchange(("127.0.0.1", port), req, timeout=0.3) == [], req.hex()
    assert wait_for(lambda: exchange(("127.0.0.1", port), client_request(), timeout=1.0), 5)


# ------------------------------------------------------------ server keys

def test_keys_saved_private_and_left_alone_with_ntsrotate_0(tmp_path):
    """ntsdumpdir/ntskeys: made at start (mode 0600, chronyd's format) and
    saved again at exit; with ntsrotate 0 it is loaded and never written."""
    require_stratumd()
    cert, key, _, _ = make_test_pki(tmp_path)
    dump = tmp_path / "nts"
    keys = dump / "ntskeys"

    def run(name, extra=()):
        port, keport = free_udp_port(), free_tcp_port()
        d = Daemon(tmp_path / name, server_config(port, extra=[
            "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport,
            "ntsdumpdir %s" % dump] + list(extra)))
        try:
            d.start(wait_ports=[(4, port)])
            return keys.read_bytes() if keys.exists() else None
        finally:
            print("---- %s (exit %s)\n%s" % (name, d.stop(), d.log()))

    made = run("first")
    assert made is not None and made.startswith(b"NKS0\n15 "), made
    assert (keys.stat().st_mode & 0o777) == 0o600
    lines = made.decode().splitlines()
    assert len(lines) == 6 and all(len(l.split()[1]) == 64 for l in lines[2:]), lines
    ids = [l.split()[0] for l in lines[2:]]
    # at exit the same keys are saved again (only the age changes)
    assert keys.read_text().splitlines()[2:] == lines[2:]
    os.utime(keys, (1, 1))
    assert run("fixed", ["ntsrotate 0"]) is not None
    assert keys.stat().st_mtime == 1, "written with ntsrotate 0"
    assert [l.split()[0] for l in keys.read_text().splitlines()[2:]] == ids
