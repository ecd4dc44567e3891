"""chronyc's per-source settings (maxdelay, maxdelayratio, maxdelaydevratio,
minstratum, polltarget, minpoll, maxpoll) logged as Debian's chronyd 4.3
logs them, with the values it keeps: "Source ADDR new maxdelay 1000.000000"
for a maxdelay of 5000 (chronyd's limits: 1000 s, ratios 1e6). Both
daemons -x, a server nothing answers (loopback, a private port), a private
command socket; every command is sent the same way to both, each bounded."""
import re

from ntptest import (Daemon, chronyc_rc, chronyd_daemon, free_udp_port, require_stratumd,
                     wait_for)

COMMANDS = (("maxdelay", "0.5"), ("maxdelay", "5000"), ("maxdelayratio", "2e7"),
            ("maxdelaydevratio", "3"), ("minstratum", "3"), ("polltarget", "0"),
            ("minpoll", "5"), ("maxpoll", "9"))
LOGGED = r"Source 127\.0\.0\.1 new .*"


def test_settings_logged_as_chronyd(tmp_path):
    require_stratumd()
    port = free_udp_port()
    logs = {}
    for name in ("chronyd", "stratumd"):
        work = tmp_path / name[0]
        work.mkdir(mode=0o770)
        work.chmod(0o770)          # chronyd refuses other modes
        sock = work / "d.sock"
        lines = ["server 127.0.0.1 port %d minpoll 4 maxpoll 6" % port, "port 0", "cmdport 0",
                 "bindcmdaddress %s" % sock]
        d = (chronyd_daemon(work, lines) if name == "chronyd"
             else Daemon(work, "\n".join(lines) + "\n"))
        try:
            d.start()
            assert wait_for(lambda: chronyc_rc(sock, "sources")[0] == 0, 10.0), d.log()
            for command, value in COMMANDS:
                rc, out = chronyc_rc(sock, command, "127.0.0.1", value)
                assert rc == 0, (name, command, out)
            assert wait_for(lambda: len(re.findall(LOGGED, d.log())) >= len(COMMANDS), 10.0), \
                d.log()
        finally:
            d.stop()
        logs[name] = re.findall(LOGGED, d.log())
        print("%s:\n  %s" % (name, "\n  ".join(logs[name])))
    assert logs["stratumd"] == logs["chronyd"]
