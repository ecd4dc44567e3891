"""stratumd as an NTP client (always -x: the system clock is never touched):
selecting a stratumd server, the drift file in chrony's format, and -q -x."""
import re
import subprocess

from ntptest import Daemon, free_udp_port, parse, query, require_stratumd, start_server, wait_for



def client_config(port, extra=()):
    return "\n".join(["port 0", "server 127.0.0.1 port %d iburst minpoll 4 maxpoll 4" % port]
                     + list(extra)) + "\n"


def test_client_selects_stratumd_server_and_serves_stratum_plus_one(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    own_port = free_udp_port()
    client = Daemon(tmp_path / "client",
                    client_config(port, ["port %d" % own_port, "bindaddress 127.0.0.1",
                                         "allow 127.0.0.1"]))
    try:
        client.start(wait_ports=[(4, own_port)])
        assert wait_for(lambda: "Selected source 127.0.0.1" in client.log(), 20), client.log()
        # Synchronised to a stratum-3 server, the client serves stratum 4
        # with the server's address as reference id.
        _, data, _ = query(("127.0.0.1", own_port), timeout=2.0)
        reply = parse(data)
        assert reply is not None
        assert (reply.li, reply.stratum) == (0, 4)
        assert reply.refid == 0x7F000001
    finally:
        client.stop()
        server.stop()
    assert "no majority" not in client.log()


def test_drift_file_read_and_rewritten_in_chrony_format(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    drift = tmp_path / "drift"
    drift.write_text("          -12.500000             0.250000\n")
    inode = drift.stat().st_ino
    client = Daemon(tmp_path / "client", client_config(port, ["driftfile %s" % drift]))
    try:
        client.start()
        assert wait_for(lambda: "Selected source" in client.log(), 20), client.log()
        assert "Frequency -12.500 +/- 0.250 ppm read from %s" % drift in client.log()
    finally:
        assert client.stop() == 0
        server.stop()
    text = drift.read_text()
    m = re.fullmatch(r"\s*(-?\d+\.\d{6})\s+(\d+\.\d{6})\n", text)
    assert m, repr(text)
    # Rewritten at exit by an atomic rename: a new file, not the old one
    # edited (its content may well be the same: a drift of 0.25 ppm skew is
    # hardly moved by a few seconds of samples).
    assert drift.stat().st_ino != inode
    assert not list(tmp_path.glob("drift.tmp*"))


def test_corrupt_drift_file_ignored_with_warning(tmp_path):
    server, (addr, port) = start_server(tmp_path / "server")
    drift = tmp_path / "drift"
    drift.write_text("garbage\n")
    client = Daemon(tmp_path / "client", client_config(port, ["driftfile %s" % drift]))
    try:
        client.start()
        assert wait_for(lambda: "Selected source" in client.log(), 20), client.log()
        assert "Could not parse %s, ignored" % drift in client.log()
    finally:
        client.stop()
        server.stop()


def test_q_with_x_reports_step_but_leaves_clock(tmp_path):
    stratumd = require_stratumd()
    server, (addr, port) = start_server(tmp_path / "server")
    try:
        r = subprocess.run([stratumd, "-q", "-x", "-t", "20",
                            "server 127.0.0.1 port %d iburst" % port],
                           capture_output=True, text=True, timeout=30)
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    assert re.search(r"System clock wrong by -?\d+\.\d{6} seconds \(step\)", r.stderr), r.stderr
