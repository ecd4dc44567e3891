"""A configuration with far more sources than the daemon keeps (64): start-up
stays linear, and the refusals are summarised instead of logged one line
each (100,000 server lines logged 99,936 lines before)."""
from ntptest import Daemon, cpu_seconds, free_udp_port, require_stratumd, server_config

N = 100000
KEPT = 64                # CLIENT_MAX_SOURCES
NAMED = 10               # refusals logged by name


def test_100000_server_lines(tmp_path):
    require_stratumd()
    port = free_udp_port()
    # Loopback addresses only: the 64 kept sources are polled.
    lines = ["server 127.%d.%d.%d" % (1 + i // 65536, i // 256 % 256, i % 256) for i in range(N)]
    d = Daemon(tmp_path, server_config(port, extra=lines))
    try:
        d.start(wait_ports=[(4, port)], timeout=30)
        used = cpu_seconds(d.proc.pid)
        # Measured 0.3 s; a tenfold margin.
        assert used < 3.0, "%.2f s of CPU before the daemon was ready" % used
        log = d.log()
        assert log.count("Could not add source 127.") == NAMED, log[-2000:]
        assert "Could not add %d more sources" % (N - KEPT - NAMED) in log, log[-2000:]
        assert len(log.splitlines()) < 30, log[-2000:]
    finally:
        d.stop()
