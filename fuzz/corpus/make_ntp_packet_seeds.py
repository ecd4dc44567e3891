#!/usr/bin/python3
"""Write the seed corpus for fuzz/fuzz_ntp_packet.c into fuzz/corpus/ntp_packet/.

Each seed is an NTP client request; the layouts follow the rules at the top
of src/proto/ntp_packet.c. Run from anywhere: python3 make_ntp_packet_seeds.py
"""
import os
import struct

MODE_CLIENT = 3
# 2024-01-01T00:00:00.5Z as an NTP timestamp.
TRANSMIT = (0xE93C7F00 << 32) | 0x80000000


def header(version=4):
    lvm = (0 << 6) | (version << 3) | MODE_CLIENT
    # LVM, stratum, poll, precision, root delay, root dispersion, refid,
    # reference, origin, receive, transmit.
    return struct.pack(">BBbbIII4Q", lvm, 0, 6, -20, 0, 0, 0, 0, 0, 0, TRANSMIT)


def mac(key_id, digest_len):
    return struct.pack(">I", key_id) + bytes((0x5A,)) * digest_len


def ext_field(field_type, length):
    return struct.pack(">HH", field_type, length) + bytes((0xA5,)) * (length - 4)


SEEDS = {
    "v4_plain_48": header(),
    "v4_md5_mac_68": header() + mac(1, 16),
    "v4_sha1_mac_72": header() + mac(2, 20),
    "v4_ef16_mac": header() + ext_field(0x0104, 16) + mac(3, 16),
    "v4_ef28_no_mac": header() + ext_field(0x0104, 28),
    "v4_crypto_nak_52": header() + mac(0, 0),
    "v3_plain_48": header(version=3),
    "v3_sha512_mac_116": header(version=3) + mac(4, 64),
    "truncated_40": header()[:40],
}


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ntp_packet")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
