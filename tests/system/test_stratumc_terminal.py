"""stratumc at a terminal, as chronyc: a banner, the prompt, line editing
with history (the up arrow repeats a command) and completion of command
names (libedit); ^D ends it with a newline and status 0. Without a
terminal nothing of this is printed (tests/interop has the piped cases)."""
import os
import pty
import select
import subprocess
import time

from ntptest import BUILD, Daemon, free_udp_port, require_stratumd, server_config

STRATUMC = BUILD / "stratumc"
PROMPT = b"stratumc> "


def read_until(fd, want, timeout=5.0):
    """Bytes from fd until `want` appears (bounded by timeout)."""
    got = b""
    deadline = time.monotonic() + timeout
    while want not in got:
        left = deadline - time.monotonic()
        assert left > 0, "no %r in %r" % (want, got)
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    return got


def test_prompt_history_and_completion(tmp_path):
    require_stratumd()
    port = free_udp_port()
    sock = tmp_path / "s.sock"
    d = Daemon(tmp_path, server_config(port, extra=["bindcmdaddress %s" % sock]))
    d.start(wait_ports=[(4, port)])
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([str(STRATUMC), "-h", str(sock)], stdin=slave, stdout=slave,
                             stderr=slave, start_new_session=True)
        os.close(slave)
        banner = read_until(master, PROMPT)
        assert b"stratumc (Stratum) version" in banner, banner
        os.write(master, b"tracking\r")
        out = read_until(master, PROMPT)
        assert out.count(b"Reference ID") == 1 and b"Stratum         : 3" in out, out
        os.write(master, b"\x1b[A\r")             # up arrow: the last command again
        out = read_until(master, PROMPT)
        assert b"Reference ID" in out, out
        os.write(master, b"serverst\t\r")         # completed to serverstats
        out = read_until(master, PROMPT)
        assert b"NTP packets received" in out, out
        os.write(master, b"\x04")                 # ^D
        assert p.wait(5) == 0
    finally:
        os.close(master)
        d.stop()
