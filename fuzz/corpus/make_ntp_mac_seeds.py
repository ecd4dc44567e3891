#!/usr/bin/python3
"""Write the seed corpus for fuzz/fuzz_ntp_mac.c into fuzz/corpus/ntp_mac/.

Each seed is an NTP client request with a MAC that verifies under the fuzz
target's fixed key table: key ID t + 1 has the t-th type below and the first
20 (hash) or 16/32 (AES) bytes of 01 02 03 ... 20 hex. The digest is
H(key || packet) for a hash and AES-CMAC(key, packet) for AES, cut to 20
bytes in NTPv4. Needs the `cryptography` package for AES-CMAC.
Run from anywhere: python3 make_ntp_mac_seeds.py
"""
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC

TYPES = ["md5", "sha1", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384",
         "sha3_512", "aes128", "aes256"]
KEY_BYTES = bytes(range(1, 33))
MODE_CLIENT = 3
# 2024-01-01T00:00:00.5Z as an NTP timestamp.
TRANSMIT = (0xE93C7F00 << 32) | 0x80000000


def header(version=4):
    lvm = (0 << 6) | (version << 3) | MODE_CLIENT
    return struct.pack(">BBbbIII4Q", lvm, 0, 6, -20, 0, 0, 0, 0, 0, 0, TRANSMIT)


def ext_field(field_type, length):
    return struct.pack(">HH", field_type, length) + bytes((0xA5,)) * (length - 4)


def signed(data, type_name, version):
    key_id = TYPES.index(type_name) + 1
    if type_name.startswith("aes"):
        cmac = CMAC(algorithms.AES(KEY_BYTES[:int(type_name[3:]) // 8]))
        cmac.update(data)
        digest = cmac.finalize()
    else:
        digest = hashlib.new(type_name, KEY_BYTES[:20] + data).digest()
    if version == 4:
        digest = digest[:20]
    return data + struct.pack(">I", key_id) + digest


SEEDS = {
    "v4_md5": signed(header(), "md5", 4),
    "v4_sha1": signed(header(), "sha1", 4),
    "v4_sha256_cut": signed(header(), "sha256", 4),
    "v4_sha3_512_cut": signed(header(), "sha3_512", 4),
    "v4_aes128": signed(header(), "aes128", 4),
    "v4_aes256": signed(header(), "aes256", 4),
    "v4_ef_md5": signed(header() + ext_field(0x0104, 16), "md5", 4),
    "v3_sha512": signed(header(3), "sha512", 3),
    "v3_sha3_224": signed(header(3), "sha3_224", 3),
    "v3_sha384": signed(header(3), "sha384", 3),
    "v2_sha256": signed(header(2), "sha256", 2),
    "v4_crypto_nak": header() + struct.pack(">I", 0),
    "v4_no_mac": header(),
}


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ntp_mac")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
