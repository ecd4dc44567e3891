#!/usr/bin/python3
"""Write the seed corpus for fuzz/fuzz_metrics.c into fuzz/corpus/metrics/.

Each seed is a daemon's side of one metrics_fetch: the replies chronyd 4.3
would send, in the order of the requests (tracking, the number of sources,
then per source its data, name, ntpdata and sourcestats, serverstats,
clients), each as a length byte (in units of 4 bytes) and the datagram.
Run from anywhere: python3 make_metrics_seeds.py
"""
import os
import struct

NULL, N_SOURCES, SOURCE_DATA, TRACKING, SOURCESTATS = 1, 2, 3, 5, 6
NTP_DATA, SOURCE_NAME, CLIENTS, SERVER_STATS = 16, 19, 21, 24
LENGTHS = {NULL: 28, N_SOURCES: 32, SOURCE_DATA: 76, TRACKING: 104, SOURCESTATS: 84,
           NTP_DATA: 152, SOURCE_NAME: 284, CLIENTS: 520, SERVER_STATS: 72}
UNAUTH = 2


def address(a, b, c, d):
    return bytes([a, b, c, d]) + bytes(12) + struct.pack(">HH", 1, 0)


def reply(code, data=b"", status=0):
    header = struct.pack(">BBBBHHHHHHIII", 6, 2, 0, 0, 0, code, status, 0, 0, 0, 0, 0, 0)
    body = data + bytes(LENGTHS[code] - len(header) - len(data))
    return header + body


def chunk(datagram):
    assert len(datagram) % 4 == 0 and len(datagram) // 4 < 256
    return bytes([len(datagram) // 4]) + datagram


def source(ip, mode=0, reach=0o377):
    # ip, poll, stratum, state, mode, flags, reachability, since_sample
    return reply(SOURCE_DATA, ip + struct.pack(">hHHHHHI", 6, 2, 0, mode, 0, reach, 12))


SERVER = address(192, 0, 2, 1)
PPS = address(ord("P"), ord("P"), ord("S"), 0)
SEEDS = {
    "full": [reply(TRACKING, struct.pack(">I", 0xC0000201) + SERVER + struct.pack(">HH", 3, 0)),
             reply(N_SOURCES, struct.pack(">I", 2)),
             source(SERVER), reply(SOURCE_NAME, b"ntp.example\0"), reply(NTP_DATA, SERVER),
             reply(SOURCESTATS, struct.pack(">I", 0xC0000201) + SERVER + struct.pack(">III", 8, 5, 450)),
             source(PPS, mode=2), reply(SOURCESTATS, struct.pack(">I", 0x50505300)),
             reply(SERVER_STATS, struct.pack(">IIII", 100, 0, 5, 1)),
             reply(CLIENTS, struct.pack(">III", 4096, 0, 0))],
    "refused": [reply(TRACKING), reply(N_SOURCES, struct.pack(">I", 1)), source(SERVER),
                reply(SOURCE_NAME, b"a\"b\\c\n\0"), reply(NULL, status=UNAUTH),
                reply(SOURCESTATS), reply(NULL, status=UNAUTH), reply(NULL, status=UNAUTH)],
    "silent": [reply(TRACKING)],
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics")
os.makedirs(here, exist_ok=True)
for name, replies in SEEDS.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(b"".join(chunk(r) for r in replies))
