"""mailonchange ADDRESS THRESHOLD: an update correcting more than THRESHOLD
seconds is mailed to ADDRESS through `/usr/sbin/sendmail -t`, as chronyd
does; a smaller one is not; a sendmail that fails is logged.

stratumd (-x) runs in a mount namespace of its own (unshare -m, private
propagation) where a temporary directory with a fake sendmail, which
records its arguments and message, is bind-mounted over /usr/sbin. The
server is a Python one whose time is `offset` seconds ahead. Needs root."""
import os
import re
import shutil
import stat

import pytest

from ntptest import Daemon, FakeServer, is_root, require_stratumd, wait_for

WAIT = 30.0          # s: the first update comes after iburst's four samples


class NamespacedDaemon(Daemon):
    """stratumd with `sbin` mounted over /usr/sbin, in its own mount namespace."""

    def __init__(self, workdir, config, sbin):
        super().__init__(workdir, config)
        self.sbin = sbin

    def argv(self):
        return ["unshare", "-m", "--propagation", "private", "sh", "-c",
                'mount --bind "$0" /usr/sbin && exec "$@"', str(self.sbin)] + super().argv()


def fake_sendmail(tmp_path, status=0):
    sbin = tmp_path / "sbin"
    sbin.mkdir()
    out = tmp_path / "mail"
    script = sbin / "sendmail"
    script.write_text('#!/bin/sh\n{ echo "args: $*"; cat; echo "--end--"; } >> %s\nexit %d\n'
                      % (out, status))
    script.chmod(0o755)
    # The daemon may run sendmail as another user: let it write the record.
    tmp_path.chmod(tmp_path.stat().st_mode | stat.S_IWOTH | stat.S_IXOTH | stat.S_IROTH)
    return sbin, out


def run(tmp_path, offset, threshold, status=0):
    require_stratumd()
    if not is_root() or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a mount namespace")
    sbin, out = fake_sendmail(tmp_path, status)
    server = FakeServer(offset=offset)
    d = NamespacedDaemon(tmp_path / "d", "server 127.0.0.1 port %d iburst minpoll 0 maxpoll 0\n"
                         "mailonchange ops@example.org %g\n" % (server.port, threshold), sbin)
    try:
        d.start()
        assert wait_for(lambda: "System clock wrong by" in d.log() or
                        "Selected source" in d.log(), WAIT), d.log()
        return d, out
    except BaseException:
        d.stop()
        raise
    finally:
        server.close()


def test_large_correction_is_mailed(tmp_path):
    d, out = run(tmp_path, offset=2.0, threshold=0.5)
    try:
        assert wait_for(lambda: out.exists() and "--end--" in out.read_text(), 10.0), d.log()
        mail = out.read_text()
        assert mail.startswith("args: -t\nTo: ops@example.org\n"), mail
        host = os.uname().nodename
        assert "Subject: stratumd reports change to system clock on node [%s]" % host in mail
        # The server is 2 s ahead; the measurement has the loopback's few
        # ms of delay and scheduling in it (1.999 s seen).
        m = re.search(r"adjustment of (-?[\d.]+) seconds", mail)
        assert m and abs(float(m.group(1)) - 2.0) < 0.05, mail
        assert "threshold of 0.500 seconds" in mail, mail
        assert mail.count("--end--") == 1, mail     # one update over the threshold
        assert "Could not send mail" not in d.log()
    finally:
        # A clean exit (with -F 1 too: nothing the filter forbids at the end).
        assert d.stop() == 0, d.log()


def test_small_correction_is_not_mailed(tmp_path):
    d, out = run(tmp_path, offset=0.2, threshold=0.5)
    try:
        # The update (0.2 s) has been made; a mail would have followed it.
        assert wait_for(lambda: "Selected source" in d.log(), WAIT), d.log()
        assert not wait_for(lambda: out.exists(), 3.0), out.read_text()
    finally:
        d.stop()


def test_failing_sendmail_is_logged(tmp_path):
    d, out = run(tmp_path, offset=2.0, threshold=0.5, status=1)
    try:
        assert wait_for(lambda: "Could not send mail notification to user ops@example.org"
                        in d.log(), 10.0), d.log()
        assert d.alive()
    finally:
        d.stop()
