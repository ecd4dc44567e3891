"""ntpsigndsocket: an MS-SNTP request (NTPv3, the client's RID as key id, a
zeroed digest) gets its reply signed by Samba's ntp_signd, played here by
a Unix-socket server that signs with a known key (MD5 over the key and the
reply, as Samba's is made from the machine account's hash). The daemon
keeps serving while the signer has not answered, and without a signer it
logs the error once and sends nothing."""
import hashlib
import os
import socket
import struct
import threading

from ntptest import MODE_SERVER, Daemon, free_udp_port, header, parse, wait_for

KEY = b"machine account!"
RID = 0x451


class FakeSignd:
    """Samba's ntp_signd on DIR/socket: answers each request, signed (op 3)
    or, with fail set, op 4; with hold set, only once released."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "socket")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(0.1)
        self.requests = []
        self.fail = False
        self.release = threading.Event()
        self.release.set()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _serve(self, conn):
        buf = b""
        conn.settimeout(0.1)
        while not self.done.is_set():
            try:
                data = conn.recv(4096)
            except socket.timeout:
                continue
            if not data:
                return
            buf += data
            while len(buf) >= 4 and len(buf) >= 4 + struct.unpack("!I", buf[:4])[0]:
                n = 4 + struct.unpack("!I", buf[:4])[0]
                msg, buf = buf[:n], buf[n:]
                self.requests.append(msg)
                length, version, op, pid, pad, keyid = struct.unpack("!IIIHHI", msg[:20])
                packet = msg[20:]
                self.release.wait(10)
                signed = packet + struct.pack("!I", keyid) + hashlib.md5(KEY + packet).digest()
                conn.sendall(struct.pack("!IIII", 12 + len(signed), 0, 4 if self.fail else 3,
                                         pid) + signed)

    def _run(self):
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                self._serve(conn)

    def close(self):
        self.done.set()
        self.release.set()
        self.thread.join()
        self.sock.close()


def mssntp_request(xmt):
    return header(vn=3, xmt=xmt) + struct.pack("!I", RID) + bytes(16)


def receive(sock, timeout):
    sock.settimeout(timeout)
    try:
        return sock.recv(2048)
    except socket.timeout:
        return None


def start(tmp_path, signd_dir):
    port = free_udp_port()
    d = Daemon(tmp_path / "server", "port %d\nbindaddress 127.0.0.1\nallow 127.0.0.1\n"
               "local stratum 3\nntpsigndsocket %s\n" % (port, signd_dir))
    d.start(wait_ports=[(4, port)])
    return d, port


def test_reply_signed_by_signd(tmp_path):
    signd_dir = tmp_path / "signd"
    signd_dir.mkdir()
    signd = FakeSignd(str(signd_dir))
    d, port = start(tmp_path, signd_dir)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            for xmt in (0x1122334455667788, 0x99aabbccddeeff00):
                s.sendto(mssntp_request(xmt), ("127.0.0.1", port))
                reply = receive(s, 5)
                assert reply is not None, d.log()
                assert len(reply) == 68
                h = parse(reply)
                assert (h.vn, h.mode, h.stratum, h.org) == (3, MODE_SERVER, 3, xmt)
                assert struct.unpack("!I", reply[48:52])[0] == RID
                assert reply[52:] == hashlib.md5(KEY + reply[:48]).digest()
            # what the daemon asked: length 64, version 0, op 0 (sign to
            # client), ids in turn, the RID, the reply as it was sent
            assert len(signd.requests) == 2
            for i, msg in enumerate(signd.requests):
                assert struct.unpack("!IIIHHI", msg[:20]) == (64, 0, 0, i, 0, RID)
                assert len(msg) == 68
            # a signer that has not answered yet holds nothing else up
            signd.release.clear()
            s.sendto(mssntp_request(1), ("127.0.0.1", port))
            assert wait_for(lambda: len(signd.requests) == 3, 5)
            s.sendto(header(vn=4, xmt=2), ("127.0.0.1", port))
            plain = receive(s, 5)
            assert plain is not None and len(plain) == 48 and parse(plain).org == 2
            signd.release.set()
            late = receive(s, 5)
            assert late is not None and len(late) == 68 and parse(late).org == 1
            # a failed signing: nothing sent
            signd.fail = True
            s.sendto(mssntp_request(3), ("127.0.0.1", port))
            assert wait_for(lambda: len(signd.requests) == 4, 5)
            assert receive(s, 0.5) is None
        assert "MS-SNTP authentication enabled" in d.log()
    finally:
        d.stop()
        signd.close()


def test_no_signd_logged_once(tmp_path):
    signd_dir = tmp_path / "nosignd"
    signd_dir.mkdir()
    d, port = start(tmp_path, signd_dir)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            for xmt in (5, 6, 7):
                s.sendto(mssntp_request(xmt), ("127.0.0.1", port))
                assert receive(s, 0.3) is None
            # an ordinary request is still answered
            s.sendto(header(vn=3, xmt=8), ("127.0.0.1", port))
            assert receive(s, 5) is not None
    finally:
        d.stop()
    want = "Could not connect to signd socket %s/socket" % signd_dir
    assert d.log().count(want) == 1, d.log()
