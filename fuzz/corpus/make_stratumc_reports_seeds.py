#!/usr/bin/python3
"""Write the seed corpus for fuzz/fuzz_stratumc_reports.c into
fuzz/corpus/stratumc_reports/.

Each seed runs one command of the target's table (by its index) in each
output form with the replies chronyd 4.3 would send it: a 28-byte header
with the reply code and the data of that code's length, zero but for the
number of sources and the address of a source. Run from anywhere:
python3 make_stratumc_reports_seeds.py
"""
import os
import struct

# Reply codes and their lengths (header included), as chrony's protocol v6.
N_SOURCES, SOURCE_DATA, TRACKING, SOURCESTATS, RTC = 2, 3, 5, 6, 7
ACTIVITY, SMOOTHING, NTP_DATA, MANUAL_LIST, SOURCE_NAME = 12, 13, 16, 18, 19
AUTH_DATA, CLIENTS, SELECT_DATA, SERVER_STATS, NULL = 20, 21, 23, 24, 1
ST_TEXT = 0x5301       # Stratum's own: a line of the reload report
LENGTHS = {NULL: 28, N_SOURCES: 32, SOURCE_DATA: 76, TRACKING: 104, SOURCESTATS: 84, RTC: 56,
           ACTIVITY: 48, SMOOTHING: 52, NTP_DATA: 152, MANUAL_LIST: 416, SOURCE_NAME: 284,
           AUTH_DATA: 52, CLIENTS: 520, SELECT_DATA: 76, SERVER_STATS: 72, ST_TEXT: 288}
ADDRESS = bytes([192, 0, 2, 1]) + bytes(12) + struct.pack(">HH", 1, 0)   # IPv4, family 1


def reply(code, data=b"", status=0):
    header = struct.pack(">BBBBHHHHHHIII", 6, 2, 0, 0, 0, code, status, 0, 0, 0, 0, 0, 0)
    body = data + bytes(LENGTHS[code] - len(header) - len(data))
    return header + body


def n_sources(n):
    return reply(N_SOURCES, struct.pack(">I", n))


def source():
    return reply(SOURCE_DATA, ADDRESS)


def name():
    return reply(SOURCE_NAME, b"ntp.example\0")


# The target's commands, in its order, and the replies each one asks for.
SEEDS = [
    [reply(TRACKING)],
    [n_sources(2), source(), source()],
    [n_sources(2), reply(SOURCESTATS, b"\0" * 4 + ADDRESS), reply(SOURCESTATS)],
    [n_sources(2), reply(SELECT_DATA, b"\0" * 4 + ADDRESS), reply(SELECT_DATA)],
    [reply(ACTIVITY)],
    [reply(SERVER_STATS)],
    [reply(CLIENTS, struct.pack(">III", 1, 1, 1) + ADDRESS)],
    [reply(CLIENTS, struct.pack(">III", 1, 1, 1) + ADDRESS)],
    [n_sources(1), source(), reply(NTP_DATA, ADDRESS)],
    [reply(NTP_DATA, ADDRESS)],
    [n_sources(1), source(), reply(AUTH_DATA)],
    [name()],
    [reply(TRACKING)],
    [reply(SMOOTHING)],
    [reply(RTC)],
    [reply(MANUAL_LIST, struct.pack(">I", 1))],
    [n_sources(1), source()],
    [reply(NULL, status=4)],
    [reply(NULL), reply(ST_TEXT, struct.pack(">I", 2) + b"t.conf:1: port: needs a restart\0"),
     reply(ST_TEXT, struct.pack(">I", 2) + b"Configuration reloaded\0")],
    [reply(NULL, status=1), reply(ST_TEXT, struct.pack(">I", 1) + b"t.conf:2: x: unknown\0")],
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stratumc_reports")
os.makedirs(out, exist_ok=True)
for index, replies in enumerate(SEEDS):
    for mode in range(3):
        data = bytes([index, mode])
        for r in replies:
            data += struct.pack(">H", len(r)) + r
        with open(os.path.join(out, "seed_%02d_%d" % (index, mode)), "wb") as f:
            f.write(data)
