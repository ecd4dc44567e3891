"""Symmetric mode (`peer`) between stratumd and Debian's chronyd 4.3.

Both run with -x on loopback; stratumd's server port is A, chronyd's B, and
each names the other as `peer 127.0.0.1 port ...`, so each sends mode 1
packets from its server port and takes the other's as its peer's.

- stratumd synchronises to a chronyd peer with `local stratum 1`, and then
  serves stratum 2; chronyd's chronyc lists stratumd as a peer ('=') it
  hears from, which it does only for mode 1 packets from port A.
- stratumd synchronises to a chronyd that has no peer line and answers
  its mode 1 packets in mode 2 (symmetric passive).
- chronyd synchronises to stratumd (`local stratum 1`): its chronyc shows
  `=*`; stratumd's own chronyc report shows chronyd as a peer too.
- chronyc's `add peer` on stratumd's Unix socket adds a working peer.
- With `key N` on both sides, the exchange is authenticated.
- With `extfield F323` on both sides (chronyd 4.3 calls it EXP1 and fills
  it in mode 1 as in a server's reply), stratumd synchronises to chronyd,
  which takes stratumd's packets, each with the field, as its peer's (a
  relay between them records the packets).
Every wait is bounded (20 s to select; it takes ~5-10 s at poll 1)."""
import os
import subprocess

import pytest

from ntptest import (Daemon, UdpRelay, chronyd_daemon, f323, free_udp_port, parse, peers_root,
                     query, require_stratumd, wait_for)

SELECT_TIMEOUT = 20.0
POLL = "minpoll 1 maxpoll 1 iburst"


def chronyc(host, *args):
    """chronyc -n ARGS against host (a Unix socket path or 127.0.0.1:PORT)."""
    c = peers_root() / "usr" / "bin" / "chronyc"
    if not c.is_file():
        pytest.skip("chronyc not found in %s" % c)
    where = ["-h", host] if host.startswith("/") else ["-h", "127.0.0.1", "-p", host.split(":")[1]]
    r = subprocess.run([str(c)] + where + ["-n"] + list(args),
                       capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def chronyc_sources(cmdport):
    """chronyc -c sources of a daemon on 127.0.0.1:cmdport, as rows."""
    out = chronyc("127.0.0.1:%d" % cmdport, "-c", "sources")
    return [l.split(",") for l in out.splitlines() if l]


def start_chronyd(workdir, port, lines, cmdport=None):
    conf = ["port %d" % port, "bindaddress 127.0.0.1"] + list(lines)
    if cmdport:
        conf += ["cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1", "bindcmdaddress /"]
    d = chronyd_daemon(workdir, conf)
    d.start(wait_ports=[(4, port)])
    return d


def start_stratumd(workdir, port, lines, cmdport=None, unix_socket=None):
    require_stratumd()
    conf = ["port %d" % port, "bindaddress 127.0.0.1", "allow 127.0.0.1"] + list(lines)
    if cmdport:
        conf += ["cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1"]
    if unix_socket:
        conf += ["bindcmdaddress %s" % unix_socket]
    d = Daemon(workdir, "\n".join(conf) + "\n")
    d.start(wait_ports=[(4, port)])
    return d


@pytest.fixture
def started():
    """Collects daemons; stops them and prints their logs at teardown."""
    ds = []
    yield ds
    for d in ds:
        rc = d.stop()
        print("---- %s (exit %s)\n%s" % (d.binary, rc, d.log()))


def served_stratum(port):
    _, reply, _ = query(("127.0.0.1", port))
    assert reply is not None, "no reply from stratumd"
    return parse(reply)


def stratumd_synchronises_to_chronyd_peer(tmp_path, started, a, b, to_b, ccmd, options,
                                          to_a=None):
    """stratumd on port a and chronyd on b, peers; each sends to the other's
    port or, through a relay, to to_b (stratumd) and to_a (chronyd)."""
    started.append(start_chronyd(tmp_path / "chronyd", b, [
        "local stratum 1", "peer 127.0.0.1 port %d %s" % (to_a or a, options)], cmdport=ccmd))
    s = start_stratumd(tmp_path / "stratumd", a, ["peer 127.0.0.1 port %d %s" % (to_b, options)])
    started.append(s)
    assert wait_for(lambda: "Selected source 127.0.0.1" in s.log(), SELECT_TIMEOUT), s.log()
    h = served_stratum(a)
    assert (h.stratum, h.li) == (2, 0), h
    # chronyd takes stratumd's packets as its peer's: mode '=', and once
    # they carry a synchronised state (the next poll), reachable.
    rows = chronyc_sources(ccmd)
    assert len(rows) == 1 and rows[0][0] == "=" and rows[0][2] == "127.0.0.1", rows
    assert wait_for(lambda: int(chronyc_sources(ccmd)[0][5], 8) != 0, 10.0), \
        chronyc_sources(ccmd)
    assert "not implemented" not in s.log()


def test_stratumd_synchronises_to_chronyd_peer(tmp_path, started):
    a, b, ccmd = free_udp_port(), free_udp_port(), free_udp_port()
    stratumd_synchronises_to_chronyd_peer(tmp_path, started, a, b, b, ccmd, POLL)


class PeerRelay(UdpRelay):
    """Between stratumd (its packets come to the front port) and chronyd
    (to the back port): each side's packets, recorded."""

    def __init__(self, chronyd, stratumd):
        self.stratumd = stratumd
        self.from_stratumd, self.from_chronyd = [], []
        super().__init__(chronyd)
        self.back_port = self.back.getsockname()[1]

    def request(self, data, src):
        self.from_stratumd.append(data)
        return True

    def reply(self, data):
        self.from_chronyd.append(data)
        return self.stratumd


def test_peers_exchange_f323(tmp_path, started):
    a, b, ccmd = free_udp_port(), free_udp_port(), free_udp_port()
    relay = PeerRelay(("127.0.0.1", b), ("127.0.0.1", a))
    try:
        stratumd_synchronises_to_chronyd_peer(tmp_path, started, a, b, relay.port, ccmd,
                                              POLL + " extfield F323", relay.back_port)
    finally:
        relay.close()
    ours = [(parse(p), f323(p)) for p in relay.from_stratumd]
    assert ours and all(f for _, f in ours), [p.hex() for p in relay.from_stratumd]
    assert all(f323(p) for p in relay.from_chronyd), [p.hex() for p in relay.from_chronyd]
    for h, (delay, disp, mono, _) in ours:
        # the header's values in 4.28 fixed point (the header's 16.16 round up)
        assert abs(delay / 2**28 - h.root_delay / 2**16) <= 2**-16, (h, delay)
        assert abs(disp / 2**28 - h.root_disp / 2**16) <= 2**-16, (h, disp)
        # the peer's last packet's receive time on our monotonic scale
        assert (mono == 0) == (h.rec == 0), (h, mono)


def test_stratumd_peer_with_passive_chronyd(tmp_path, started):
    a, b = free_udp_port(), free_udp_port()
    started.append(start_chronyd(tmp_path / "chronyd", b, ["local stratum 1",
                                                           "allow 127.0.0.1"]))
    s = start_stratumd(tmp_path / "stratumd", a, ["peer 127.0.0.1 port %d %s" % (b, POLL)])
    started.append(s)
    assert wait_for(lambda: "Selected source 127.0.0.1" in s.log(), SELECT_TIMEOUT), s.log()
    h = served_stratum(a)
    assert (h.stratum, h.li) == (2, 0), h


def test_chronyd_synchronises_to_stratumd_peer(tmp_path, started):
    a, b, ccmd, scmd = free_udp_port(), free_udp_port(), free_udp_port(), free_udp_port()
    s = start_stratumd(tmp_path / "stratumd", a, [
        "local stratum 1", "peer 127.0.0.1 port %d %s" % (b, POLL)], cmdport=scmd)
    started.append(s)
    c = start_chronyd(tmp_path / "chronyd", b, ["peer 127.0.0.1 port %d %s" % (a, POLL)],
                      cmdport=ccmd)
    started.append(c)

    def chronyd_selected():
        rows = chronyc_sources(ccmd)
        return len(rows) == 1 and rows[0][:3] == ["=", "*", "127.0.0.1"]
    assert wait_for(chronyd_selected, SELECT_TIMEOUT), (chronyc_sources(ccmd), c.log())
    assert chronyc_sources(ccmd)[0][3] == "1"          # stratumd's stratum
    # chronyd, now stratum 2 and synchronised to us, is never our source
    # (RFC 5905's loop test), and stratumd reports it as a peer.
    rows = chronyc_sources(scmd)
    assert len(rows) == 1 and rows[0][0] == "=" and rows[0][1] != "*", rows
    assert "Selected source" not in s.log()
    h = served_stratum(a)
    assert (h.stratum, h.refid) == (1, 0x7F7F0101), h


def test_chronyc_add_peer(tmp_path, started):
    a, b = free_udp_port(), free_udp_port()
    started.append(start_chronyd(tmp_path / "chronyd", b, ["local stratum 1",
                                                           "allow 127.0.0.1"]))
    sock_dir = tmp_path / "sock"
    sock_dir.mkdir(mode=0o770)
    os.chmod(sock_dir, 0o770)
    sock = str(sock_dir / "stratumd.sock")
    s = start_stratumd(tmp_path / "stratumd", a, [], unix_socket=sock)
    started.append(s)
    assert wait_for(lambda: os.path.exists(sock), 5.0), s.log()
    out = chronyc(sock, "add", "peer", "127.0.0.1", "port", str(b), *POLL.split())
    assert "200 OK" in out, out
    assert wait_for(lambda: "Selected source 127.0.0.1" in s.log(), SELECT_TIMEOUT), s.log()
    rows = [l.split(",") for l in chronyc(sock, "-c", "sources").splitlines() if l]
    assert len(rows) == 1 and rows[0][:3] == ["=", "*", "127.0.0.1"], rows


def test_authenticated_peers(tmp_path, started):
    """Both sides sign with key 5 (SHA256) and accept only that key's MAC."""
    keys = tmp_path / "keys"
    keys.write_text("5 SHA256 HEX:00112233445566778899AABBCCDDEEFF00112233\n")
    keys.chmod(0o600)
    a, b = free_udp_port(), free_udp_port()
    started.append(start_chronyd(tmp_path / "chronyd", b, [
        "local stratum 1", "keyfile %s" % keys,
        "peer 127.0.0.1 port %d key 5 %s" % (a, POLL)]))
    s = start_stratumd(tmp_path / "stratumd", a, [
        "keyfile %s" % keys, "peer 127.0.0.1 port %d key 5 %s" % (b, POLL)])
    started.append(s)
    assert wait_for(lambda: "Selected source 127.0.0.1" in s.log(), SELECT_TIMEOUT), s.log()
    assert served_stratum(a).stratum == 2
