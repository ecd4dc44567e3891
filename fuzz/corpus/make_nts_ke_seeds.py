#!/usr/bin/python3
"""Write the seed corpus for fuzz/fuzz_nts_ke.c into fuzz/corpus/nts_ke/.

Each seed is an NTS-KE message (RFC 8915 section 4): requests as chrony's
client sends them, responses as its server sends them, and a few broken
ones. Run from anywhere: python3 make_nts_ke_seeds.py
"""
import os
import struct

CRITICAL = 0x8000


def record(rtype, body=b"", critical=True):
    return struct.pack(">HH", rtype | (CRITICAL if critical else 0), len(body)) + body


def u16s(*values):
    return b"".join(struct.pack(">H", v) for v in values)


END = record(0)
NTPV4 = record(1, u16s(0))


def cookies(n, length):
    return b"".join(record(5, bytes((i,)) * length, critical=False) for i in range(n))


SEEDS = {
    "request_chrony43": NTPV4 + record(4, u16s(15)) + END,
    "request_chrony48": NTPV4 + record(4, u16s(30, 15)) + record(1024, critical=False) + END,
    "response_siv_8_cookies": NTPV4 + record(4, u16s(15)) + cookies(8, 100) + END,
    "response_gcm_port_server": NTPV4 + record(4, u16s(30)) + record(1024, critical=False)
    + record(7, u16s(11123)) + record(6, b"ntp.example.net") + cookies(8, 64) + END,
    "response_error": record(2, u16s(1)) + END,
    "response_refused": record(1) + END,
    "unknown_critical": NTPV4 + record(4, u16s(15)) + record(0x1234, b"abcd") + END,
    "no_end": NTPV4 + record(4, u16s(15)),
}


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nts_ke")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
