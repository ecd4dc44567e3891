"""stratumd as a client of a real chronyd 4.3 server (chronyd -x: it never
touches the clock) serving `local stratum 3` on a free loopback port."""
import re
import subprocess

import pytest

from ntptest import (MODE_SERVER, client_request, parse, query, require_stratumd,
                     serving_chronyd)

OFFSET_RE = re.compile(r"System clock wrong by (-?\d+\.\d+) seconds")


@pytest.fixture(scope="module")
def chronyd_server(tmp_path_factory):
    yield from serving_chronyd(tmp_path_factory.mktemp("chronyd-server"), 3)


def test_chronyd_server_answers(chronyd_server):
    """Sanity check of the peer itself (so a failure below is stratumd's)."""
    req = client_request()
    _, rep, _ = query(chronyd_server, req, timeout=2.0)
    p = parse(rep)
    assert (p.mode, p.stratum, p.li) == (MODE_SERVER, 3, 0)


def test_stratumd_query_against_chronyd(chronyd_server):
    stratumd = require_stratumd()
    r = subprocess.run([str(stratumd), "-x", "-d", "-Q", "-f", "/dev/null",
                        "server %s port %d iburst" % chronyd_server],
                       capture_output=True, text=True, timeout=40, stdin=subprocess.DEVNULL)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    m = OFFSET_RE.search(out)
    assert m, "no 'System clock wrong by X seconds' in:\n" + out
    assert abs(float(m.group(1))) < 1e-3, out
