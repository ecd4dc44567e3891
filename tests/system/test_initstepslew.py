"""initstepslew THRESHOLD HOST...: the hosts become temporary sources (port
123, iburst), the first update steps the clock (offset >= THRESHOLD) or
slews it, then they are removed and the configured sources start 2 s
later; nothing of the selection is logged meanwhile. A host that does not
resolve is warned about. With -x, as chronyd, "Could not step system clock".
The same checks pass on chronyd 4.3 (Debian's), run the same way.

initstepslew has no port option, so the server must listen on port 123:
everything runs in a private network namespace (`unshare -n`, root only)
with its own loopback; the server is stratumd. A name that cannot resolve
is looked up there, with no route out."""
import os
import re
import shutil
import subprocess

import pytest

from ntptest import BUILD, chronyd_path, require_stratumd

RUN_TIMEOUT = 60
CLIENT_SECONDS = 30          # at most (-t); stopped once the server is selected


def require_netns():
    if os.geteuid() != 0:
        pytest.skip("a network namespace and port 123 need root")
    if not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("unshare(1) or ip(8) missing")
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=RUN_TIMEOUT)
    if r.returncode != 0:
        pytest.skip("cannot create a network namespace: %r" % r.stderr)


def run_in_netns(tmp_path, client_argv, extra_client_conf, threshold):
    """Server stratumd on 127.0.0.1:123, then the client (foreground, -t)
    with initstepslew THRESHOLD 127.0.0.1 and a name that cannot resolve;
    returns the client's log."""
    stratumd = require_stratumd()
    srv = tmp_path / "srv.conf"
    srv.write_text("port 123\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 3\n"
                   "cmdport 0\npidfile %s/srv.pid\nbindcmdaddress %s/srv.sock\n"
                   % (tmp_path, tmp_path))
    cli = tmp_path / "cli.conf"
    cli.write_text("port 0\ncmdport 0\npidfile %s/cli.pid\nbindcmdaddress %s/cli.sock\n"
                   "initstepslew %s 127.0.0.1 nowhere.invalid\nserver 127.0.0.1 iburst\n%s"
                   % (tmp_path, tmp_path, threshold, extra_client_conf))
    log = tmp_path / "cli.log"
    script = ("ip link set lo up\n"
              "%s -x -d -f %s > %s/srv.log 2>&1 &\nSRV=$!\n"
              "sleep 0.5\n"
              "%s -x -d -t %d -f %s > %s 2>&1 &\nCLI=$!\n"
              "while kill -0 $CLI 2>/dev/null && ! grep -q 'Selected source' %s; do sleep 0.1; done\n"
              "kill $CLI $SRV; wait\n"
              % (stratumd, srv, tmp_path, " ".join(map(str, client_argv)), CLIENT_SECONDS, cli,
                 log, log))
    subprocess.run(["unshare", "-n", "sh", "-c", script], timeout=RUN_TIMEOUT, check=False)
    return log.read_text()


def client_argv(kind):
    return [require_stratumd()] if kind == "stratumd" else [chronyd_path()]


def extra_conf(kind):
    return "" if kind == "stratumd" else "user root\n"


def offset_line(text, mode):
    return re.search(r"System's initial offset : \d+\.\d{6} seconds (fast|slow) of true \(%s\)"
                     % mode, text)


@pytest.mark.parametrize("kind", ["stratumd", "chronyd"])
def test_step_then_configured_sources(tmp_path, kind):
    require_netns()
    text = run_in_netns(tmp_path, client_argv(kind), extra_conf(kind), "0")
    assert "Could not resolve address of initstepslew server nowhere.invalid" in text, text
    m = offset_line(text, "step")
    assert m, text
    after = text[m.end():]
    assert after.lstrip().split("\n")[0].endswith("Could not step system clock"), text
    # Nothing of the selection before the correction; the configured server after.
    assert "Selected source" not in text[:m.start()], text
    assert "Selected source 127.0.0.1" in after, text


@pytest.mark.parametrize("kind", ["stratumd", "chronyd"])
def test_small_offset_is_slewed(tmp_path, kind):
    require_netns()
    text = run_in_netns(tmp_path, client_argv(kind), extra_conf(kind), "10")
    assert offset_line(text, "slew"), text
    assert "Could not step system clock" not in text, text
    assert "Selected source 127.0.0.1" in text, text


@pytest.mark.parametrize("kind", ["stratumd", "chronyd"])
def test_parent_waits_for_the_correction(tmp_path, kind):
    """Started without -d, the daemon's parent exits (the service is ready)
    only once initstepslew is done, as chronyd's does."""
    require_netns()
    stratumd = require_stratumd()
    srv = tmp_path / "srv.conf"
    srv.write_text("port 123\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 3\n"
                   "cmdport 0\npidfile %s/srv.pid\nbindcmdaddress %s/srv.sock\n"
                   % (tmp_path, tmp_path))
    cli = tmp_path / "cli.conf"
    cli.write_text("port 0\ncmdport 0\npidfile %s/cli.pid\nbindcmdaddress %s/cli.sock\n"
                   "initstepslew 0 127.0.0.1\n%s" % (tmp_path, tmp_path, extra_conf(kind)))
    log = tmp_path / "cli.log"
    script = ("ip link set lo up\n"
              "%s -x -d -f %s > %s/srv.log 2>&1 &\nSRV=$!\n"
              "sleep 0.5\n"
              "timeout %d %s -x -l %s -f %s\n"
              "echo PARENT-EXITED >> %s\n"
              "kill $(cat %s/cli.pid) $SRV; wait\n"
              % (stratumd, srv, tmp_path, RUN_TIMEOUT // 2, client_argv(kind)[0], log, cli, log,
                 tmp_path))
    subprocess.run(["unshare", "-n", "sh", "-c", script], timeout=RUN_TIMEOUT, check=False)
    text = log.read_text()
    m = offset_line(text, "step")
    assert m, text
    assert "PARENT-EXITED" in text[m.end():], text



@pytest.fixture(scope="module")
def initreload(tmp_path_factory):
    """chrony's 203-initreload ("conf: don't load sourcedir during
    initstepslew and RTC init"): a sourcedir file names the server (here
    with iburst, to be selected within the run), and `reload sources` comes
    while initstepslew is under way. (client's log, its log at the reload,
    stratumc's answer)"""
    require_netns()
    stratumd = require_stratumd()
    tmp_path = tmp_path_factory.mktemp("initreload")
    srv = tmp_path / "srv.conf"
    srv.write_text("port 123\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 3\n"
                   "cmdport 0\npidfile %s/srv.pid\nbindcmdaddress %s/srv.sock\n"
                   % (tmp_path, tmp_path))
    srcdir = tmp_path / "sources.d"
    srcdir.mkdir()
    (srcdir / "a.sources").write_text("server 127.0.0.1 iburst\n")
    cli = tmp_path / "cli.conf"
    cli.write_text("port 0\ncmdport 0\npidfile %s/cli.pid\nbindcmdaddress %s/cli.sock\n"
                   "initstepslew 5 127.0.0.1\nsourcedir %s\n" % (tmp_path, tmp_path, srcdir))
    log, before, reload = tmp_path / "cli.log", tmp_path / "before.log", tmp_path / "reload.out"
    script = ("ip link set lo up\n"
              "%s -x -d -f %s > %s/srv.log 2>&1 &\nSRV=$!\n"
              "sleep 0.5\n"
              "%s -x -d -t %d -f %s > %s 2>&1 &\nCLI=$!\n"
              "sleep 1\ncp %s %s\n%s -h %s/cli.sock reload sources > %s 2>&1\n"
              "while kill -0 $CLI 2>/dev/null && ! grep -q 'Selected source' %s; do sleep 0.1; done\n"
              "kill $CLI $SRV; wait\n"
              % (stratumd, srv, tmp_path, stratumd, CLIENT_SECONDS, cli, log, log, before,
                 BUILD / "stratumc", tmp_path, reload, log))
    subprocess.run(["unshare", "-n", "sh", "-c", script], timeout=RUN_TIMEOUT, check=False)
    return log.read_text(), before.read_text(), reload.read_text()


def test_reload_during_initstepslew_waits_for_its_end(initreload):
    """The reload is answered; the sourcedir's server comes after the
    correction, and is selected."""
    text, before, reload = initreload
    assert "System's initial offset" not in before, before
    assert reload.strip() == "200 OK", reload
    m = offset_line(text, "slew")
    assert m, text
    assert "Selected source" not in text[:m.start()], text
    assert "Selected source 127.0.0.1" in text[m.end():], text


def test_reload_during_initstepslew_logs_one_addition(initreload):
    """203-initreload's check_log_messages "Added source 192.168.123.1" 1 1:
    as chronyd 4.8, a sourcedir file's source is logged when it is added,
    at start too (its reload_source_dirs runs in the LOGC_SourceFile
    context), and once, after initstepslew."""
    text, _, _ = initreload
    assert len(re.findall(r"Added source 127\.0\.0\.1\b", text)) == 1, text
    m = offset_line(text, "slew")
    assert m and "Added source" not in text[:m.start()], text
