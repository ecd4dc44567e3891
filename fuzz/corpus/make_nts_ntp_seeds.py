#!/usr/bin/python3
"""Write the seed corpus for fuzz/fuzz_nts_ntp.c into fuzz/corpus/nts_ntp/.

The first byte of a seed chooses the target's mode (see fuzz_nts_ntp.c):
0 a whole packet, 1 a reply's encrypted fields, 2 a request's encrypted
fields. The packets are made with the target's fixed keys (AES-SIV-CMAC-256
C2S/S2C keys, server key ID 2), so they verify: a client request with a
valid cookie and placeholders, and a server reply with cookies. Needs the
`cryptography` package. Run from anywhere: python3 make_nts_ntp_seeds.py
"""
import os
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESSIV

UID = bytes(range(1, 33))
NONCE = bytes(range(0xA0, 0xB0))
C2S = bytes((0x10 + i) & 0xFF for i in range(32))
S2C = bytes((0x20 + i) & 0xFF for i in range(32))
SERVER_KEY = bytes((0x50 + i) & 0xFF for i in range(32))
SERVER_KEY_ID = 2


def header(mode):
    # Version 4, the mode, stratum 2, everything else zero.
    return struct.pack(">BB46x", (4 << 3) | mode, 2)


def ext_field(ftype, body):
    body += bytes(-len(body) % 4)
    return struct.pack(">HH", ftype, 4 + len(body)) + body


def auth(key, packet, plaintext):
    ct = AESSIV(key).encrypt(plaintext, [packet, NONCE])
    return ext_field(0x0404, struct.pack(">HH", len(NONCE), len(ct)) + NONCE + ct)


def cookie():
    ct = AESSIV(SERVER_KEY).encrypt(C2S + S2C, [b"", NONCE])
    return struct.pack(">I", SERVER_KEY_ID) + NONCE + ct


def request(placeholders):
    c = cookie()
    packet = header(3) + ext_field(0x0104, UID) + ext_field(0x0204, c)
    packet += ext_field(0x0304, bytes(len(c))) * placeholders
    return packet + auth(C2S, packet, b"")


def reply(n_cookies):
    packet = header(4) + ext_field(0x0104, UID)
    inner = b"".join(ext_field(0x0204, cookie()) for _ in range(n_cookies))
    return packet + auth(S2C, packet, inner)


SEEDS = {
    "packet_request_1": b"\0" + request(0),
    "packet_request_8": b"\0" + request(7),
    "packet_reply_8": b"\0" + reply(8),
    "reply_fields_cookies": b"\1" + b"".join(ext_field(0x0204, bytes(64)) for _ in range(3)),
    "request_fields_placeholders": b"\2" + ext_field(0x0304, bytes(len(cookie()))) * 2,
}


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nts_ntp")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
