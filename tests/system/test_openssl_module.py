"""OpenSSL only when the configuration needs it: stratumd maps no OpenSSL
library unless keys other than MD5, NTS-KE or AES without AES-NI need its
module, stratum-ossl.so (sys/ossl_load.h), which it then loads at start, in
the NTS-KE helpers after their fork, or at a rekey; a module that cannot be
loaded is a fatal error at start, an error naming the key and its line at a
rekey. stratumd -x, loopback only, private ports, sockets and files."""
import hashlib
import os
import shutil
import struct

import pytest

from ntptest import (BUILD, Daemon, client_request, exchange, free_tcp_port, free_udp_port, is_root,
                     make_test_pki, require_stratumd, server_config, stratumc, wait_for)

WAIT = 5.0                       # s: bound of each wait (a loaded machine)
OPENSSL = ("libcrypto.so", "libssl.so", "stratum-ossl.so")
MD5_KEY = bytes(range(1, 17))
SHA1_KEY = bytes(range(21, 41))


def openssl_maps(pid):
    """The OpenSSL libraries and module the process maps."""
    with open("/proc/%d/maps" % pid) as f:
        return sorted({name for line in f for name in OPENSSL if name in line})


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(c) for c in f.read().split()]


def authenticated(addr, key_id, key, digest, n=5):
    """Replies of n requests with key key_id (digest: hashlib's name) whose
    MAC verifies."""
    ok = 0
    for _ in range(n):
        req = client_request()
        req += struct.pack("!I", key_id) + hashlib.new(digest, key + req).digest()
        for data, _ in exchange(addr, req, timeout=0.25, max_replies=1):
            if (len(data) > 52 and struct.unpack("!I", data[48:52])[0] == key_id
                    and data[52:] == hashlib.new(digest, key + data[:48]).digest()):
                ok += 1
    return ok


def keyed_daemon(workdir, key_lines, binary=None, args=()):
    """A server with a Unix command socket and the key file; (daemon, port,
    socket, key file). binary: another stratumd than the build's."""
    workdir.mkdir(parents=True, exist_ok=True)
    keys = workdir / "keys"
    keys.write_text("".join(key_lines))
    os.chmod(str(keys), 0o600)
    (workdir / "sock").mkdir(mode=0o770)
    sock = workdir / "sock" / "stratumd.sock"
    port = free_udp_port()
    conf = server_config(port, extra=["keyfile %s" % keys, "bindcmdaddress %s" % sock,
                                      "cmdport 0", "pidfile %s" % (workdir / "pid")])
    args = (["-U"] if binary and not is_root() else []) + list(args)
    return Daemon(workdir / "d", conf, binary=binary, args=args), port, sock, keys


@pytest.mark.parametrize("what,lines,loaded", [
    ("no keys", [], False),
    ("an MD5 key", ["1 MD5 HEX:%s\n" % MD5_KEY.hex()], False),
    ("a SHA1 key", ["2 SHA1 HEX:%s\n" % SHA1_KEY.hex()], True),
    ("an AES128 key", ["3 AES128 HEX:%s\n" % MD5_KEY.hex()], True),
])
def test_keys_load_openssl_when_needed(tmp_path, what, lines, loaded):
    require_stratumd()
    d, port, _, _ = keyed_daemon(tmp_path, lines)
    try:
        d.start(wait_ports=[(4, port)])
        maps = openssl_maps(d.proc.pid)
        print("%s: maps %s" % (what, maps or "no OpenSSL"))
        assert bool(maps) == loaded, (maps, d.log())
        if lines and lines[0].split()[1] in ("MD5", "SHA1"):
            key_id, key, digest = (1, MD5_KEY, "md5") if "MD5" in lines[0] else \
                (2, SHA1_KEY, "sha1")
            assert authenticated(("127.0.0.1", port), key_id, key, digest) == 5, d.log()
    finally:
        d.stop()


@pytest.mark.parametrize("processes", [0, 1])
def test_nts_server_maps_openssl_in_the_process_doing_tls(tmp_path, processes):
    require_stratumd()
    cert, key, _, _ = make_test_pki(tmp_path)
    port, keport = free_udp_port(), free_tcp_port()
    d = Daemon(tmp_path / "d", server_config(port, extra=[
        "ntsservercert %s" % cert, "ntsserverkey %s" % key, "ntsport %d" % keport,
        "ntsprocesses %d" % processes, "ntsdumpdir %s" % tmp_path]))
    try:
        d.start(wait_ports=[(4, port)])
        main = openssl_maps(d.proc.pid)
        helpers = [openssl_maps(p) for p in children(d.proc.pid)]
        print("ntsprocesses %d: main maps %s, helpers %s" % (processes, main or "no OpenSSL",
                                                             helpers))
        assert len(helpers) == processes
        assert bool(main) == (processes == 0), (main, d.log())
        assert all("libssl.so" in h and "stratum-ossl.so" in h for h in helpers), helpers
    finally:
        d.stop()


def test_nts_source_loads_openssl_at_start(tmp_path):
    require_stratumd()
    port = free_udp_port()
    d = Daemon(tmp_path / "d", server_config(port, extra=[
        "server 127.0.0.1 port %d nts ntsport %d minpoll 10" % (free_udp_port(),
                                                                 free_udp_port()),
        "ntsdumpdir %s" % tmp_path]))
    try:
        d.start(wait_ports=[(4, port)])
        maps = openssl_maps(d.proc.pid)
        print("an NTS source: maps %s" % maps)
        assert "libssl.so" in maps and "stratum-ossl.so" in maps, d.log()
    finally:
        d.stop()


@pytest.mark.parametrize("args", [(), ("-F", "1")])
def test_rekey_loads_openssl(tmp_path, args):
    """Also under the system call filter (-F 1): the module loads after it."""
    require_stratumd()
    d, port, sock, keys = keyed_daemon(tmp_path, ["1 MD5 HEX:%s\n" % MD5_KEY.hex()], args=args)
    try:
        d.start(wait_ports=[(4, port)])
        assert wait_for(sock.exists, WAIT), d.log()
        before = openssl_maps(d.proc.pid)
        keys.write_text("1 MD5 HEX:%s\n2 SHA1 HEX:%s\n" % (MD5_KEY.hex(), SHA1_KEY.hex()))
        rc, out = stratumc(sock, "rekey")
        assert rc == 0 and "200 OK" in out, out
        after = openssl_maps(d.proc.pid)
        auth = authenticated(("127.0.0.1", port), 2, SHA1_KEY, "sha1")
        print("MD5 key: maps %s; rekey with a SHA1 key: maps %s, SHA1 replies %d/5"
              % (before or "no OpenSSL", after, auth))
        assert before == [] and "libcrypto.so" in after, (before, after)
        assert auth == 5, d.log()
        assert d.alive()
    finally:
        d.stop()


@pytest.fixture
def stratumd_elsewhere(tmp_path):
    """stratumd copied out of the build directory: it looks for the module
    at the installed path, where none is (else the test skips)."""
    require_stratumd()
    binary = tmp_path / "bin" / "stratumd"
    binary.parent.mkdir()
    shutil.copy2(str(BUILD / "stratumd"), str(binary))
    return binary


@pytest.mark.parametrize("what", ["nts source", "nts server"])
def test_missing_module_fatal_at_start_for_nts(tmp_path, stratumd_elsewhere, what):
    cert, key, _, _ = make_test_pki(tmp_path)
    port = free_udp_port()
    line = ("server 127.0.0.1 port %d nts" % free_udp_port() if what == "nts source" else
            "ntsservercert %s\nntsserverkey %s\nntsport %d" % (cert, key, free_tcp_port()))
    d = Daemon(tmp_path / "d", server_config(port, extra=[
        line, "ntsdumpdir %s" % tmp_path, "cmdport 0", "bindcmdaddress /",
        "pidfile %s" % (tmp_path / "pid")]), binary=stratumd_elsewhere,
        args=[] if is_root() else ["-U"])
    d.spawn()
    code = d.wait(WAIT)
    log = d.log()
    d.stop()
    why = [l for l in log.splitlines() if "stratum-ossl.so" in l]
    print("%s, no module: exit %s, %r" % (what, code, why))
    if "stratum-ossl.so : No such file" not in log:
        pytest.skip("a module is installed on this machine:\n" + log)
    assert code not in (None, 0), log
    if what == "nts source":
        assert "NTS source 127.0.0.1 (%s:" % d.conf in log and "needs OpenSSL" in log, log
    else:
        assert "Fatal error : Could not start NTS-KE server" in log, log


def test_missing_module_fatal_at_start_error_at_rekey(tmp_path, stratumd_elsewhere):
    # at start: a SHA1 key needs the module, which is not there
    d, port, _, keys = keyed_daemon(tmp_path / "a", ["5 SHA1 HEX:%s\n" % SHA1_KEY.hex()],
                                    binary=stratumd_elsewhere)
    d.spawn()
    code = d.wait(WAIT)
    log = d.log()
    d.stop()
    print("start with a SHA1 key, no module: exit %s, %r" % (
        code, [l for l in log.splitlines() if "OpenSSL" in l]))
    if "stratum-ossl.so : No such file" not in log:
        pytest.skip("a module is installed on this machine:\n" + log)
    assert code not in (None, 0)
    assert "Key 5 (SHA1) in %s line 1 needs OpenSSL" % keys in log, log

    # at a rekey: an error naming the key and its line; the daemon goes on
    d, port, sock, keys = keyed_daemon(tmp_path / "b", ["1 MD5 HEX:%s\n" % MD5_KEY.hex()],
                                       binary=stratumd_elsewhere)
    try:
        d.start(wait_ports=[(4, port)], wait_ready=False)
        assert wait_for(sock.exists, WAIT), d.log()
        keys.write_text("1 MD5 HEX:%s\n\n7 SHA1 HEX:%s\n" % (MD5_KEY.hex(), SHA1_KEY.hex()))
        rc, out = stratumc(sock, "rekey")
        assert rc == 0, out
        assert wait_for(lambda: "Key 7 (SHA1)" in d.log(), WAIT), d.log()
        print([l for l in d.log().splitlines() if "OpenSSL" in l])
        assert "Key 7 (SHA1) in %s line 3 needs OpenSSL" % keys in d.log()
        assert d.alive()
        assert authenticated(("127.0.0.1", port), 1, MD5_KEY, "md5") == 5
        assert openssl_maps(d.proc.pid) == []
    finally:
        d.stop()
