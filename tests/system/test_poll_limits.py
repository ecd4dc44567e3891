"""Poll limits: stratumd -x never polls a server faster than chronyd would.

chronyd (ntp_core.c) keeps minpoll and maxpoll within -7..24 (a value below
-7 takes the default, 6 or 10), polls below 1 s only while the server
answers over a LAN round trip, and ignores chronyc's minpoll/maxpoll
outside -7..24. Its highest rate is thus 128 requests a second. A stratum 1
server written here (on 127.0.0.1, answering every request at once)
counts the requests; before the limits, `minpoll -32 maxpoll -32` made
stratumd send about 21,000 a second to it."""
import socket
import struct
import subprocess
import threading
import time

from ntptest import BUILD, Daemon, ntp_now, wait_for

CHRONYD_MAX_RATE = 2 ** 7          # requests per second at poll -7
WINDOW = 2.0                       # seconds counted
CMD_TIMEOUT = 10


class CountingServer:
    """Answers every NTP request on 127.0.0.1:port as a stratum 1 server
    and records when each arrived."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.times = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.is_set():
            try:
                data, src = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            self.times.append(time.monotonic())
            if len(data) < 48:
                continue
            now = struct.pack("!Q", ntp_now())
            head = struct.pack("!BBbbII4s", (4 << 3) | 4, 1, data[2], -20, 0, 0, b"GPS\0")
            self.sock.sendto(head + now + data[40:48] + now + now, src)

    def count(self, seconds):
        """Requests that arrive in the next `seconds`."""
        before = len(self.times)
        time.sleep(seconds)
        return len(self.times) - before

    def close(self):
        self.done.set()
        self.thread.join()
        self.sock.close()


def start_client(tmp_path, server, options, sock=None):
    config = "port 0\nserver 127.0.0.1 port %d %s\n" % (server.port, options)
    if sock:
        config += "bindcmdaddress %s\n" % sock
    return Daemon(tmp_path / "client", config).start()


def stratumc(sock, *args):
    r = subprocess.run([str(BUILD / "stratumc"), "-h", str(sock)] + list(args),
                       capture_output=True, text=True, timeout=CMD_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def test_minpoll_minus_32_polls_at_the_default(tmp_path, stratumd_bin):
    server = CountingServer()
    client = start_client(tmp_path, server, "iburst minpoll -32 maxpoll -32")
    try:
        # iburst: 4 requests 2 s apart, then 64 s (minpoll -32 is 6).
        n = server.count(WINDOW)
        assert client.alive(), client.log()
    finally:
        client.stop()
        server.close()
    assert n <= 2, "%d requests in %.0f s" % (n, WINDOW)
    assert "minpoll -32 is outside chronyd's limits, using 6" in client.log()


def test_minpoll_minus_7_at_most_chronyds_rate(tmp_path, stratumd_bin):
    server = CountingServer()
    client = start_client(tmp_path, server, "minpoll -7 maxpoll -7")
    try:
        assert wait_for(lambda: len(server.times) >= 10, 10), "no fast polling:\n" + client.log()
        n = server.count(WINDOW)
    finally:
        client.stop()
        server.close()
    # 2 % of randomness only ever lengthens an interval.
    assert n <= CHRONYD_MAX_RATE * WINDOW + 2, "%d requests in %.0f s" % (n, WINDOW)


def test_stratumc_minpoll_out_of_range_is_ignored(tmp_path, stratumd_bin):
    server = CountingServer()
    sock = tmp_path / "stratumd.sock"
    client = start_client(tmp_path, server, "iburst minpoll 1 maxpoll 1", sock)
    try:
        for cmd, value in (("minpoll", "-32"), ("maxpoll", "-32"), ("minpoll", "-8"),
                           ("maxpoll", "99")):
            rc, out = stratumc(sock, cmd, "127.0.0.1", value)
            assert rc == 0 and "200 OK" in out, out   # chronyd's reply too
        time.sleep(2.5)                               # the iburst is over
        n = server.count(2 * WINDOW)
        assert client.alive(), client.log()
    finally:
        client.stop()
        server.close()
    assert n <= 3, "%d requests in %.0f s at poll 1" % (n, 2 * WINDOW)
    assert "Source 127.0.0.1 minpoll -32 ignored (not within -7..24)" in client.log()
    assert "Source 127.0.0.1 maxpoll 99 ignored (not within -7..24)" in client.log()
