#!/usr/bin/python3
"""Write the seed corpus for fuzz/fuzz_udp_cmsgs.c into fuzz/corpus/udp_cmsgs/.

Each seed is a control buffer as Linux on x86-64 fills it in recvmsg: the
messages stratumd asks for, each a 16-byte header (length, level, type)
and its data, padded to 8 bytes. Run from anywhere:
python3 make_udp_cmsgs_seeds.py
"""
import os
import struct

SOL_SOCKET, SCM_TIMESTAMPNS, SCM_TIMESTAMPING = 1, 35, 37
SOL_IP, IP_PKTINFO, IP_RECVERR = 0, 8, 11
SOL_IPV6, IPV6_RECVERR, IPV6_PKTINFO = 41, 25, 50
ENOMSG, SO_EE_ORIGIN_TIMESTAMPING = 42, 4
TIME = struct.pack("<qq", 1700000000, 123456789)


def cmsg(level, kind, data):
    header = struct.pack("<Qii", 16 + len(data), level, kind)
    return header + data + bytes(-len(data) % 8)


def timestamping(first=TIME):
    return cmsg(SOL_SOCKET, SCM_TIMESTAMPING, first + bytes(32))


def pktinfo4():
    return cmsg(SOL_IP, IP_PKTINFO, struct.pack("<i4s4s", 2, bytes([192, 0, 2, 1]),
                                                 bytes([192, 0, 2, 1])))


def pktinfo6():
    return cmsg(SOL_IPV6, IPV6_PKTINFO, bytes(15) + b"\x01" + struct.pack("<I", 2))


def recverr(level=SOL_IP, kind=IP_RECVERR):
    err = struct.pack("<IBBBBII", ENOMSG, SO_EE_ORIGIN_TIMESTAMPING, 0, 0, 0, 0, 7)
    return cmsg(level, kind, err)


SEEDS = {
    "rx4": timestamping() + pktinfo4(),
    "rx6": pktinfo6() + cmsg(SOL_SOCKET, SCM_TIMESTAMPNS, TIME),
    "rx_no_time": timestamping(bytes(16)) + pktinfo4(),
    "tx4": timestamping() + recverr(),
    "tx6": recverr(SOL_IPV6, IPV6_RECVERR) + timestamping(),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "udp_cmsgs")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
