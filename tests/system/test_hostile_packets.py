"""Malformed and hostile NTP packets sent to stratumd: each must get no reply,
and the server must go on answering valid requests right after each one.
Unusual but valid requests must be answered, never with more bytes than the
request carried.

The expectations were checked against chronyd 4.3 (Debian 12) serving with
`local stratum 3` and `allow 127.0.0.1`, which behaves exactly as asserted
here (see the notes on each case).
"""
import random
import struct

import pytest

from ntptest import (LEAP_NONE, LEAP_UNSYNC, MODE_ACTIVE, MODE_PASSIVE,
                     MODE_SERVER, client_request, exchange, ext_field, header,
                     mac_trailer, ntp_now, ntp_to_unix, parse, query)

NO_REPLY_WAIT = 0.3       # seconds to wait for a reply that must not come
REPLY_WAIT = 1.0          # seconds to wait for a reply that must come

_rng = random.Random(20240607)   # deterministic garbage


def _garbage(n, first):
    return bytes([first]) + bytes(_rng.getrandbits(8) for _ in range(n - 1))


def _ntpq_readvar(vn):
    # mode 6 control message header (RFC 9327): LI/VN/mode, R/E/M/opcode
    # (2 = READVAR), sequence, status, association id, offset, count.
    return struct.pack("!BBHHHHH", (vn << 3) | 6, 2, 1, 0, 0, 0, 0)


def _ntpdc_monlist(pad):
    # mode 7 (ntpdc) request: R/M/VN/mode, auth/seq, implementation 3
    # (XNTPD), request 42 (MON_GETLIST_1) - the classic amplification probe.
    return struct.pack("!BBBB", (2 << 3) | 7, 0, 3, 42) + b"\x00" * (pad - 4)


# (id, packet, note).  Every one of these must be dropped silently.
HOSTILE = [
    ("empty", b"", "zero-length datagram"),
    ("1-byte", b"\xe3", "one byte"),
    ("47-bytes", client_request()[:47], "valid request truncated by one byte"),
    ("49-bytes", client_request() + b"\x00", "length not a multiple of 4"),
    ("50-bytes", client_request() + b"\x00" * 2, "48+2: length not a multiple of 4"),
    ("51-bytes", client_request() + b"\x00" * 3, "length not a multiple of 4"),
    ("52-bytes-zero-trailer", client_request() + b"\x00" * 4,
     "v4 with a 4-byte zero trailer (crypto-NAK shape): not an EF, MAC too short"),
    ("56-bytes-8-byte-trailer", client_request() + b"\x01" * 8,
     "v4 with 8 trailing bytes: neither an EF (<28 as last EF) nor a MAC (<20)"),
    ("mode0-v4", header(vn=4, mode=0), "mode 0 (reserved) with version 4"),
    ("mode2", header(mode=MODE_PASSIVE), "symmetric passive from an unknown peer"),
    ("mode4", header(mode=MODE_SERVER), "a server reply nobody asked for"),
    ("mode5", header(mode=5), "broadcast (no broadcast client configured)"),
    ("mode6-48", header(mode=6), "control mode in a 48-byte NTP header"),
    ("mode7-48", header(mode=7), "private mode in a 48-byte NTP header"),
    ("version0", header(vn=0), "version 0"),
    ("version5", header(vn=5), "version 5"),
    ("version6", header(vn=6), "version 6"),
    ("version7", header(vn=7), "version 7"),
    ("ntpq-readvar-v2", _ntpq_readvar(2), "ntpq mode 6 READVAR, 12-byte header"),
    ("ntpq-readvar-v4", _ntpq_readvar(4), "ntpq mode 6 READVAR, 12-byte header, v4"),
    ("ntpdc-monlist-8", _ntpdc_monlist(8), "ntpdc mode 7 MON_GETLIST_1, 8 bytes"),
    ("ntpdc-monlist-48", _ntpdc_monlist(48), "ntpdc mode 7 MON_GETLIST_1, 48 bytes"),
    ("ef-len12", client_request() + ext_field(0x1234, 16, declared=12),
     "EF whose length field says 12 (< 16)"),
    ("ef-len15", client_request() + ext_field(0x1234, 16, declared=15),
     "EF whose length field says 15 (< 16, not a multiple of 4)"),
    ("ef-len30", client_request() + ext_field(0x1234, 32, declared=30),
     "EF length 30: not a multiple of 4"),
    ("ef-len0", client_request() + ext_field(0x1234, 32, declared=0),
     "EF length 0 (a parser that trusts it loops forever)"),
    ("ef-overrun-16", client_request() + ext_field(0x1234, 16, declared=32),
     "EF says 32 bytes, 16 present"),
    ("ef-overrun-28", client_request() + ext_field(0x1234, 28, declared=64),
     "EF says 64 bytes, 28 present"),
    ("ef-len-ffff", client_request() + ext_field(0x1234, 32, declared=0xFFFC),
     "EF says 65532 bytes"),
    ("ef-single-16", client_request() + ext_field(0x1234, 16),
     "one 16-byte EF, no MAC: the last EF must be >= 28 bytes (RFC 7822)"),
    ("ef-two-last-16", client_request() + ext_field(0x1234, 28) + ext_field(0x1235, 16),
     "28-byte EF then a 16-byte EF with no MAC"),
    ("ef-two-16-16", client_request() + ext_field(0x1234, 16) + ext_field(0x1235, 16),
     "two 16-byte EFs with no MAC"),
    ("garbage-1000-ff", client_request() + b"\xff" * 952,
     "valid header followed by 952 bytes of 0xff"),
    ("garbage-1000-random", _garbage(1000, 0x07), "1000 random bytes (version 0, mode 7)"),
    ("garbage-1001", client_request() + b"\xff" * 953, "1001 bytes"),
    ("oversized-4000", client_request() + b"\x00" * 3952,
     "4000 bytes: longer than any valid NTP packet"),
]


def _valid_exchange_ok(server):
    req = client_request()
    _, rep, sender = query(server, req, timeout=REPLY_WAIT)
    assert rep is not None, "no reply to a valid request"
    assert len(rep) <= len(req)
    p = parse(rep)
    assert p.mode == MODE_SERVER and p.org == struct.unpack("!Q", req[40:48])[0]
    assert sender == server


@pytest.mark.parametrize("packet,note", [(p, n) for _, p, n in HOSTILE],
                         ids=[i for i, _, _ in HOSTILE])
def test_hostile_packet_gets_no_reply(local_server, packet, note):
    replies = exchange(local_server, packet, timeout=NO_REPLY_WAIT)
    assert replies == [], "%s (%d bytes in): got %s" % (
        note, len(packet), [(len(d), d[:48].hex()) for d, _ in replies])
    # and the server still answers a valid request right after it
    _valid_exchange_ok(local_server)


def test_at_least_25_hostile_cases():
    assert len(HOSTILE) >= 25


def test_denied_source_gets_no_reply(local_server):
    """The server allows 127.0.0.1 only; 127.0.0.2 (also loopback) is denied."""
    replies = exchange(local_server, client_request(), src="127.0.0.2", timeout=NO_REPLY_WAIT)
    assert replies == []
    _valid_exchange_ok(local_server)


# ------------------------------------------------------------ answered requests

def _answer(server, req):
    """Exactly one reply, no longer than the request, from the server address."""
    replies = exchange(server, req, timeout=REPLY_WAIT, settle=0.1)
    assert len(replies) == 1, "expected exactly one reply, got %d" % len(replies)
    data, sender = replies[0]
    assert sender == server
    assert 48 <= len(data) <= len(req), "reply of %d bytes to %d" % (len(data), len(req))
    return parse(data)


def _xmt(req):
    return struct.unpack("!Q", req[40:48])[0]


@pytest.mark.parametrize("vn", [1, 2, 3, 4])
def test_client_request_versions_answered_with_version_copied(local_server, vn):
    req = client_request(vn=vn)
    p = _answer(local_server, req)
    assert (p.mode, p.vn, p.org, p.stratum) == (MODE_SERVER, vn, _xmt(req), 3)


def test_ntpv1_mode0_request_answered_like_chrony(local_server):
    """NTPv1 had no mode field: chrony answers a version-1 mode-0 packet that
    does not come from port 123 as a client request (mode 4, version 1)."""
    req = header(vn=1, mode=0)
    p = _answer(local_server, req)
    assert (p.mode, p.vn, p.org, p.stratum) == (MODE_SERVER, 1, _xmt(req), 3)


def test_symmetric_active_answered_passive_like_chrony(local_server):
    """chronyd answers a symmetric active (mode 1) packet from an unknown
    address it allows with a symmetric passive (mode 2) reply, without creating
    an association, even with no peers configured (checked on chrony 4.3)."""
    req = header(mode=MODE_ACTIVE)
    p = _answer(local_server, req)
    assert (p.mode, p.vn, p.org, p.stratum) == (MODE_PASSIVE, 4, _xmt(req), 3)


@pytest.mark.parametrize("ef_len", [28, 32, 1024])
def test_unknown_extension_field_ignored(local_server, ef_len):
    """An unknown, well-formed EF is ignored: a plain 48-byte reply."""
    req = client_request() + ext_field(0xF00D, ef_len)
    p = _answer(local_server, req)
    assert (p.mode, p.vn, p.org, p.length) == (MODE_SERVER, 4, _xmt(req), 48)


def test_zero_transmit_timestamp_answered(local_server):
    req = client_request(xmt=0)
    p = _answer(local_server, req)
    assert (p.mode, p.org) == (MODE_SERVER, 0)


@pytest.mark.parametrize("req", [
    client_request() + mac_trailer(42, 16),
    client_request() + mac_trailer(42, 20),
    client_request(vn=3) + mac_trailer(42, 16),
    client_request(vn=3) + b"\x00" * 4,
    client_request() + ext_field(0x1234, 28) + mac_trailer(42, 16),
], ids=["v4-mac20", "v4-mac24", "v3-mac20", "v3-4-byte-trailer", "v4-ef28-mac20"])
def test_unknown_key_mac_reply_not_longer(local_server, req):
    """A MAC with a key the server does not have: chronyd 4.3 sends nothing
    (no crypto-NAK); whatever stratumd does, it never sends more bytes than it
    got, and at most one reply."""
    replies = exchange(local_server, req, timeout=NO_REPLY_WAIT)
    assert len(replies) <= 1
    for data, _ in replies:
        assert len(data) <= len(req)
    _valid_exchange_ok(local_server)


# ------------------------------------------------------------ reply fields

def test_reply_fields_with_local_stratum(local_server):
    before = ntp_now()
    req = client_request()
    p = _answer(local_server, req)
    after = ntp_now()
    assert p.length == 48
    assert p.mode == MODE_SERVER
    assert p.vn == 4
    assert p.org == _xmt(req)
    assert p.stratum == 3
    assert p.li == LEAP_NONE
    assert p.rec <= p.xmt
    # same clock on both sides: the server's timestamps fall inside our
    # send/receive interval (with 10 ms of slack for rounding)
    assert ntp_to_unix(before) - 0.01 <= ntp_to_unix(p.rec) <= ntp_to_unix(after) + 0.01
    assert ntp_to_unix(before) - 0.01 <= ntp_to_unix(p.xmt) <= ntp_to_unix(after) + 0.01
    assert p.ref != 0 and ntp_to_unix(p.ref) <= ntp_to_unix(p.xmt)


def test_reply_refid_local_like_chrony(local_server):
    """chronyd serving from `local` sends reference ID 127.127.1.1
    (0x7F7F0101) and a root delay of 0."""
    p = _answer(local_server, client_request())
    assert p.refid == 0x7F7F0101
    assert p.root_delay == 0


def test_reply_poll_copied_like_chrony(local_server):
    """chronyd copies the request's poll field into the reply."""
    req = header(poll=6)
    p = _answer(local_server, req)
    assert p.poll == 6


def test_reply_fields_unsynchronised(unsync_server):
    """Without `local` and without sources the server is unsynchronised:
    chronyd 4.3 then answers with leap 3 (alarm), stratum 0 (unspecified,
    i.e. 16 on the wire per RFC 5905), reference ID 0, reference time 0,
    root delay and root dispersion 1.0 s (0x00010000 in 16.16)."""
    req = client_request()
    p = _answer(unsync_server, req)
    assert (p.mode, p.vn, p.org) == (MODE_SERVER, 4, _xmt(req))
    assert p.li == LEAP_UNSYNC
    assert p.stratum == 0
    assert p.refid == 0
    assert p.ref == 0
    assert p.root_delay == 0x10000
    assert p.root_disp == 0x10000
    assert p.rec <= p.xmt
