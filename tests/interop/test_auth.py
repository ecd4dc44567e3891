"""Symmetric-key authentication (the `keyfile` directive and the `key`
option) between stratumd and a real chronyd 4.3, both ways, with MD5, SHA1
and AES128 keys (and SHA256, which chrony sends in NTPv3 so the whole digest
goes on the wire).

  1. stratumd -x, a client with `key N`, selects a chronyd server that has
     the same key;
  2. with the same key ID but another secret it never does;
  3. chronyd -Q with `key N` accepts stratumd's authenticated replies, and
     rejects them when its secret differs;
  4. stratumd's server answers an authenticated request with a MAC made with
     the same key, and does not answer an unknown key ID or a bad MAC.

Every wait is bounded; traffic stays on 127.0.0.1; every daemon runs with -x
(chronyd -Q never touches the clock)."""
import hashlib
import os
import re
import struct
import subprocess
import time

import pytest

from ntptest import (Daemon, chronyd_path, client_request, exchange, free_udp_port, parse,
                     require_stratumd, server_config, serving_chronyd, username)

SELECT_TIMEOUT = 20.0         # stratumd selects a good source in ~4 s
CHRONYD_TIMEOUT = 30          # hard bound on one chronyd -Q run (s)
OFFSET_RE = re.compile(r"System clock wrong by (-?\d+\.\d+) seconds")

# ID -> (type, secret).  The wrong secrets keep the ID and type.
KEYS = {
    1: ("MD5", bytes.fromhex("6b2f0c4a9d1e83f25a7c6e0b4d9f1a3c")),
    2: ("SHA1", bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f00112a3b4")),
    3: ("AES128", bytes.fromhex("00112233445566778899aabbccddeeff")),
    4: ("SHA256", bytes.fromhex("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90")),
}
WRONG = {i: (t, bytes(b ^ 0x55 for b in k)) for i, (t, k) in KEYS.items()}
TYPES = {t: i for i, (t, _) in KEYS.items()}


def write_keyfile(path, keys):
    path.write_text("".join("%d %s HEX:%s\n" % (i, t, k.hex()) for i, (t, k) in keys.items()))
    os.chmod(path, 0o600)
    return path


@pytest.fixture(scope="module")
def keyfiles(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    return write_keyfile(d / "good.keys", KEYS), write_keyfile(d / "wrong.keys", WRONG)


@pytest.fixture(scope="module")
def chronyd_server(tmp_path_factory, keyfiles):
    """chronyd -x serving `local stratum 1` with the good keys."""
    yield from serving_chronyd(tmp_path_factory.mktemp("chronyd-server"), 1,
                               ["keyfile %s" % keyfiles[0]])


@pytest.fixture(scope="module")
def stratumd_server(tmp_path_factory, keyfiles):
    """stratumd -x serving `local stratum 3` with the good keys."""
    require_stratumd()
    port = free_udp_port()
    d = Daemon(tmp_path_factory.mktemp("stratumd-server"),
               server_config(port, extra=["keyfile %s" % keyfiles[0]]))
    try:
        d.start(wait_ports=[(4, port)])
    except BaseException:
        d.stop()
        raise
    yield d, ("127.0.0.1", port)
    rc = d.stop()
    print("---- stratumd (exit %s)\n%s" % (rc, d.log()))


def client_config(server, key_id, keyfile):
    return ("port 0\nkeyfile %s\nserver %s port %d iburst minpoll 4 maxpoll 4 key %d\n"
            % ((keyfile,) + server + (key_id,)))


def wait_selected(d, deadline):
    """True once d logs that it selected 127.0.0.1; False at the deadline."""
    while time.monotonic() < deadline:
        assert d.alive(), d.log()
        if "Selected source 127.0.0.1" in d.log():
            return True
        time.sleep(0.2)
    return False


# ---------------------------------------------------------- 1, 2: stratumd as client

@pytest.mark.parametrize("key_type", ["MD5", "SHA1", "AES128", "SHA256"])
def test_stratumd_client_selects_authenticated_chronyd(chronyd_server, keyfiles, daemons,
                                                       key_type):
    d = daemons(client_config(chronyd_server, TYPES[key_type], keyfiles[0]))
    assert wait_selected(d, time.monotonic() + SELECT_TIMEOUT), \
        "no 'Selected source' within %.0f s:\n%s" % (SELECT_TIMEOUT, d.log())
    assert "is missing" not in d.log()


def test_stratumd_client_with_wrong_secrets_never_selects(chronyd_server, keyfiles, daemons):
    """Clients with the right ID but the wrong secret run beside one with the
    right key: when that one has selected, and for as long again, none of
    them has."""
    start = time.monotonic()
    good = daemons(client_config(chronyd_server, 1, keyfiles[0]))
    wrong = [daemons(client_config(chronyd_server, TYPES[t], keyfiles[1]))
             for t in ("MD5", "SHA1", "AES128")]
    assert wait_selected(good, start + SELECT_TIMEOUT), good.log()
    time.sleep(min(time.monotonic() - start, 10.0))
    for d in wrong:
        assert d.alive(), d.log()
        assert "Selected source" not in d.log(), d.log()


def test_stratumd_client_with_missing_key_warns_like_chronyd(chronyd_server, keyfiles, daemons):
    d = daemons(client_config(chronyd_server, 77, keyfiles[0]))
    deadline = time.monotonic() + 5.0
    while "Key 77 is missing" not in d.log():
        assert d.alive() and time.monotonic() < deadline, d.log()
        time.sleep(0.1)


def test_stratumd_warns_about_bad_keyfile_lines_and_runs(chronyd_server, tmp_path, daemons):
    kf = tmp_path / "mixed.keys"
    kf.write_text("1 MD5 HEX:%s\n2 NOSUCHTYPE HEX:00\n3 AES128 HEX:0011\n" % KEYS[1][1].hex())
    os.chmod(kf, 0o600)
    d = daemons(client_config(chronyd_server, 1, kf))
    assert wait_selected(d, time.monotonic() + SELECT_TIMEOUT), d.log()
    assert re.search(r"mixed\.keys:2:", d.log()), d.log()
    assert re.search(r"mixed\.keys:3:", d.log()), d.log()


@pytest.mark.parametrize("right_key", [True, False], ids=["right-key", "wrong-secret"])
def test_stratumd_query_mode_authenticates(chronyd_server, keyfiles, right_key):
    """stratumd -Q with `key 2` (SHA1): an offset from an authenticated
    chronyd; with the wrong secret, no suitable source and exit 1."""
    stratumd = require_stratumd()
    r = subprocess.run([stratumd, "-Q", "-t", "15", "keyfile %s" % keyfiles[0 if right_key else 1],
                        "server %s port %d iburst key 2" % chronyd_server],
                       capture_output=True, text=True, timeout=CHRONYD_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    if right_key:
        assert r.returncode == 0, r.stdout + r.stderr
        assert abs(float(OFFSET_RE.search(r.stderr).group(1))) < 1e-3, r.stderr
    else:
        assert r.returncode == 1, r.stdout + r.stderr
        assert "No suitable source for synchronisation" in r.stderr


# ---------------------------------------------------------- 3: chronyd as client

def chronyd_query(tmp_path, server, key_id, keyfile, timeout):
    """chronyd -Q -t timeout against server with `key key_id`; returns its
    output (stdout and stderr)."""
    conf = tmp_path / "chrony.conf"
    conf.write_text("\n".join([
        "server %s port %d iburst key %d" % (server + (key_id,)),
        "keyfile %s" % keyfile,
        "pidfile %s" % (tmp_path / "chronyd.pid"),
        "cmdport 0", "bindcmdaddress /"]) + "\n")
    r = subprocess.run([str(chronyd_path()), "-Q", "-t", str(timeout), "-f", str(conf),
                        "-u", username()],
                       capture_output=True, text=True, timeout=CHRONYD_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    return r.stdout + r.stderr


@pytest.mark.parametrize("key_type", ["MD5", "SHA1", "AES128", "SHA256"])
def test_chronyd_accepts_stratumd_authenticated_replies(stratumd_server, keyfiles, tmp_path,
                                                         key_type):
    _, server = stratumd_server
    out = chronyd_query(tmp_path, server, TYPES[key_type], keyfiles[0], 20)
    m = OFFSET_RE.search(out)
    assert m, "chronyd reported no offset:\n" + out
    assert abs(float(m.group(1))) < 1e-3, out


def test_chronyd_with_wrong_secret_gets_no_reply(stratumd_server, keyfiles, tmp_path):
    d, server = stratumd_server
    out = chronyd_query(tmp_path, server, 1, keyfiles[1], 4)
    assert not OFFSET_RE.search(out), out


# ---------------------------------------------------------- 4: stratumd's server

def mac(key_id, data, version, keys=KEYS):
    """The MAC trailer chrony computes: key ID, then MD5/SHAx(key || data)
    or AES-CMAC(key, data), cut to 20 bytes in NTPv4."""
    key_type, secret = keys[key_id]
    if key_type == "AES128":
        cmac_mod = pytest.importorskip("cryptography.hazmat.primitives.cmac")
        algorithms = pytest.importorskip("cryptography.hazmat.primitives.ciphers.algorithms")
        c = cmac_mod.CMAC(algorithms.AES(secret))
        c.update(data)
        digest = c.finalize()
    else:
        digest = hashlib.new(key_type.lower(), secret + data).digest()
    return struct.pack("!I", key_id) + (digest[:20] if version == 4 else digest)


def ask(server, payload):
    """The replies to payload within 0.5 s."""
    return [data for data, _ in exchange(server, payload, timeout=0.5, max_replies=2)]


@pytest.mark.parametrize("key_type,version", [("MD5", 4), ("SHA1", 4), ("AES128", 4),
                                              ("SHA256", 4), ("SHA256", 3), ("MD5", 3)])
def test_stratumd_signs_replies_with_the_request_key(stratumd_server, key_type, version):
    _, server = stratumd_server
    key_id = TYPES[key_type]
    req = client_request(vn=version)
    req += mac(key_id, req, version)
    replies = ask(server, req)
    assert len(replies) == 1, replies
    rep = replies[0]
    p = parse(rep)
    assert (p.vn, p.mode, p.stratum, p.org) == (version, 4, 3, parse(req).xmt)
    assert len(rep) == len(req)
    assert rep[48:] == mac(key_id, rep[:48], version)


def test_stratumd_drops_unknown_key_and_bad_macs(stratumd_server):
    d, server = stratumd_server
    req = client_request()
    good = req + mac(1, req, 4)
    flipped = good[:-1] + bytes([good[-1] ^ 1])
    unknown = req + struct.pack("!I", 99) + good[4 + 48:]
    other_secret = req + mac(2, req, 4, keys=WRONG)
    mislabelled = req + struct.pack("!I", 2) + mac(1, req, 4)[4:] + bytes(4)
    crypto_nak = req + bytes(4)
    for payload in (flipped, unknown, other_secret, mislabelled, crypto_nak):
        assert ask(server, payload) == [], payload.hex()
    assert len(ask(server, good)) == 1
    assert len(ask(server, client_request())) == 1    # no MAC: answered as ever
