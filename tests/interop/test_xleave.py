"""Interleaved mode (RFC 9769) between stratumd and Debian's chronyd 4.3:
stratumd's `xleave` (interleaved client mode) against Debian's
chronyd 4.3 and against stratumd's own server.

stratumd -x polls at 1 s with `log measurements`; after the first basic
exchange its measurements are marked 'I' (interleaved) and carry the
kernel's transmit timestamps ('K'), and chronyc's ntpdata over stratumd's
Unix socket says `Interleaved : Yes`. Without xleave they stay 'B'. And
the other way round: chronyd with xleave against stratumd's server reports
interleaved measurements and `Interleaved : Yes` in its own chronyc's
ntpdata. Waits are bounded (15 s for the rows)."""
import os
import re

import pytest

from ntptest import (Daemon, chronyd_daemon, require_stratumd, serving_chronyd, start_server,
                     wait_log_rows)
from test_peer import chronyc

ROW = re.compile(r"^\d{4}-\S+ \S+ \S+ .* (\d)([BI]) (\S) (\S)\s*$", re.M)


@pytest.fixture(scope="module")
def chronyd_server(tmp_path_factory):
    yield from serving_chronyd(tmp_path_factory.mktemp("chronyd-server"), 1)


@pytest.fixture(scope="module")
def stratumd_server(tmp_path_factory):
    d, addr = start_server(tmp_path_factory.mktemp("stratumd-server"), local_stratum=1)
    yield addr
    print("---- stratumd server (exit %s)\n%s" % (d.stop(), d.log()))


def measure(tmp_path, server, options, want_rows, timeout=15.0):
    """Run stratumd -x as a client of server until measurements.log has
    want_rows rows (bounded); return (rows as (version, B|I, tx src, rx src),
    chronyc ntpdata output)."""
    require_stratumd()
    sock = tmp_path / "stratumd.sock"
    d = Daemon(tmp_path, "server %s port %d minpoll 0 maxpoll 0 %s\n"
               "logdir %s\nlog measurements\nbindcmdaddress %s\n"
               % (server + (options, tmp_path, sock)))
    log = tmp_path / "measurements.log"
    rows, ntpdata = [], ""
    try:
        d.start()
        rows = wait_log_rows(d, log, ROW, want_rows, timeout)
        ntpdata = chronyc(str(sock), "ntpdata", server[0])
    finally:
        print("---- stratumd client (exit %s)\n%s" % (d.stop(), d.log()))
    print("\n".join(" ".join(r) for r in rows))
    return rows, ntpdata


@pytest.mark.parametrize("server_kind", ["chronyd", "stratumd"])
def test_xleave_client_gets_interleaved_measurements(server_kind, request, tmp_path):
    server = request.getfixturevalue(server_kind + "_server")
    rows, ntpdata = measure(tmp_path, server, "xleave", 5)
    assert len(rows) >= 5, rows
    assert rows[0][1] == "B", "the first exchange can only be basic: %s" % rows
    assert all(r[1] == "I" for r in rows[2:]), rows
    # The previous request's transmit time, as the kernel took it.
    assert rows[-1][2] == "K", rows
    assert re.search(r"^Interleaved\s*: Yes$", ntpdata, re.M), ntpdata
    assert re.search(r"^TX timestamping\s*: Kernel$", ntpdata, re.M), ntpdata


def test_basic_client_stays_basic(chronyd_server, tmp_path):
    rows, ntpdata = measure(tmp_path, chronyd_server, "", 3)
    assert len(rows) >= 3 and all(r[1] == "B" for r in rows), rows
    assert re.search(r"^Interleaved\s*: No$", ntpdata, re.M), ntpdata


def test_chronyd_xleave_client_of_stratumd_reports_interleaved(stratumd_server, tmp_path):
    """Debian's chronyd with xleave against stratumd: its measurements turn
    'I' and chronyc ntpdata on its own socket says `Interleaved : Yes`."""
    sockdir = tmp_path / "chronyd-sock"
    sockdir.mkdir(mode=0o770)
    os.chmod(sockdir, 0o770)          # chronyd insists on no access for others
    sock = sockdir / "chronyd.sock"
    d = chronyd_daemon(tmp_path / "chronyd", [
        "server %s port %d minpoll 0 maxpoll 0 xleave" % stratumd_server,
        "logdir %s" % (tmp_path / "chronyd"), "log measurements",
        "cmdport 0", "bindcmdaddress %s" % sock])
    try:
        d.start()
        rows = wait_log_rows(d, tmp_path / "chronyd" / "measurements.log",
                             re.compile(r"^\d{4}-.* (\d)([BI]) \S \S\s*$", re.M), 5, 15.0)
        ntpdata = chronyc(str(sock), "ntpdata", stratumd_server[0])
    finally:
        print("---- chronyd (exit %s)\n%s" % (d.stop(), d.log()))
    print(rows, ntpdata)
    assert len(rows) >= 5 and rows[-1] == ("4", "I"), rows
    assert re.search(r"^Interleaved\s*: Yes$", ntpdata, re.M), ntpdata
