"""The Debian package of `make deb` installed, upgraded, removed and purged
with dpkg in throwaway roots (a minimal Debian 12 made by debootstrap),
never on this machine: chroot, no systemd running there, a policy-rc.d that
forbids starting services, so the maintainer scripts run as on a machine
being installed.

Scenarios: a fresh install; an install over Debian's chrony with an admin's
edits to chrony.conf and a drift file (both kept, chrony removed, its unit
names and enablement taken over) and the way back to chrony; an upgrade to
a higher version; remove (configuration and state kept); purge (removed as
chrony's purge removes them, unless chrony is installed again). And the
installed programs at work in the target: the DHCP and NetworkManager
hooks, stratumd answering the installed chronyc on its compiled-in socket
and the onoffline hooks;
systemd-analyze verifies the packaged units.

The base root is debootstrapped once and kept under .cache/debootstrap
(the download as a tarball, the installed root as a directory copied for
each scenario). Needs root (chroot), debootstrap and network access the
first time; $STRATUM_DEB names the package (default: the newest one in
build-deb, made by `make deb`). About 40 s once the root is cached (the
first debootstrap takes a few minutes more).
"""
import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ntptest import REPO, base_units, free_udp_port, wait_for

CACHE = REPO / ".cache" / "debootstrap"
MIRROR = "http://deb.debian.org/debian"
# What the scenarios need besides minbase: chrony's dependencies (to install
# it first) and the libraries stratumd and stratumc link against.
INCLUDE = ("adduser,iproute2,tzdata,ucf,libcap2,libedit2,libgnutls30,libseccomp2,libssl3,"
           "libc-ares2,logrotate")
PEERS_DIR = Path(os.environ.get("PEERS_DIR", str(REPO / ".cache" / "peers")))
ADMIN_EDIT = "\n# edited by the admin\nmaxdistance 7.5\n"
DRIFT = "12.345678 0.456789\n"
STEP_TIMEOUT = 300


def run(argv, timeout=STEP_TIMEOUT, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, **kw)
    return r


def base_root():
    """The cached, fully installed minimal root (debootstrapped on first use)."""
    root = CACHE / "root"
    if (root / ".stratum-base-ready").exists():
        return root
    if shutil.which("debootstrap") is None:
        pytest.skip("debootstrap missing (scripts/deps.sh deb)")
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / "bookworm.tgz"
    common = ["debootstrap", "--variant=minbase", "--include=" + INCLUDE]
    if not tarball.exists():
        work = CACHE / "work"
        shutil.rmtree(work, ignore_errors=True)
        r = run(common + ["--make-tarball=%s" % tarball, "bookworm", str(work), MIRROR],
                timeout=1200)
        shutil.rmtree(work, ignore_errors=True)
        if r.returncode != 0:
            pytest.skip("debootstrap --make-tarball failed: " + r.stderr[-500:])
    tmp = CACHE / "root.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    r = run(common + ["--unpack-tarball=%s" % tarball, "bookworm", str(tmp), MIRROR],
            timeout=1200)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    (tmp / ".stratum-base-ready").touch()
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    return root


def newest(pattern):
    found = sorted(glob.glob(pattern), key=os.path.getmtime)
    return Path(found[-1]) if found else None


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    """(the package, the same at a higher version, chrony's package)."""
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    deb = Path(os.environ["STRATUM_DEB"]) if "STRATUM_DEB" in os.environ else \
        newest(str(REPO / "build-deb" / "stratum_*.deb"))
    if deb is None or not deb.is_file():
        pytest.skip("no package: run `make deb`")
    version = run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()
    # The upgrade: the same build packed again with a higher version.
    out = tmp_path_factory.mktemp("deb-next")
    r = run([str(REPO / "scripts" / "deb.sh"), "--version", version + "+next",
             str(deb.parent)], cwd=str(REPO))
    assert r.returncode == 0, r.stderr
    # moved out, so that the newest package in build-deb stays `make deb`'s
    nxt = Path(shutil.move(r.stdout.strip().splitlines()[-1], str(out)))
    chrony = newest(str(PEERS_DIR / "chrony_*.deb"))
    if chrony is None:
        r = run(["bash", str(REPO / "scripts" / "peers.sh")], timeout=600)
        chrony = newest(str(PEERS_DIR / "chrony_*.deb"))
        if chrony is None:
            pytest.skip("chrony's package unavailable: " + r.stderr[-300:])
    return deb, nxt, chrony


class Root:
    """A copy of the base root for one scenario, removed afterwards."""

    def __init__(self, path):
        self.path = path
        r = run(["cp", "-a", str(base_root()), str(path)])
        assert r.returncode == 0, r.stderr
        # As in a Debian installer's chroot: services are never started.
        policy = path / "usr" / "sbin" / "policy-rc.d"
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        (path / "tmp" / "debs").mkdir()

    def p(self, name):
        return self.path / name.lstrip("/")

    def sh(self, command):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
               "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}
        r = run(["chroot", str(self.path), "/bin/sh", "-c", command], env=env)
        print("# %s (exit %d)\n%s%s" % (command, r.returncode, r.stdout, r.stderr))
        return r

    def ok(self, command):
        r = self.sh(command)
        assert r.returncode == 0, "%s: exit %d\n%s%s" % (command, r.returncode, r.stdout,
                                                         r.stderr)
        return r.stdout

    def dpkg(self, *args, deb=None):
        if deb is not None:
            shutil.copy(str(deb), str(self.p("/tmp/debs")))
            args = args + ("/tmp/debs/" + deb.name,)
        return self.ok("dpkg " + " ".join(args))

    def status(self, package):
        r = self.sh("dpkg-query -W -f='${db:Status-Abbrev}${Version}' %s" % package)
        return r.stdout.strip() if r.returncode == 0 else "not-installed"

    def exists(self, name):
        return os.path.lexists(self.p(name))


@pytest.fixture
def root(tmp_path):
    r = Root(tmp_path / "root")
    yield r
    shutil.rmtree(str(tmp_path / "root"), ignore_errors=True)


def check_installed(root, version):
    assert root.status("stratum") == "ii " + version
    assert os.readlink(root.p("/usr/bin/chronyc")) == "stratumc"
    # the binaries run in the target (their libraries are there)
    assert root.ok("chronyc -v").startswith("stratumc (Stratum) version ")
    assert root.ok("stratumd -v").startswith("stratumd (Stratum) version ")
    # the unit under chrony's names, enabled, running stratumd as _chrony
    unit = root.p("/lib/systemd/system/chrony.service").read_text()
    assert "ExecStart=/usr/sbin/stratumd" in unit and "User=_chrony" in unit
    assert "Alias=chronyd.service" in unit
    wants = root.p("/etc/systemd/system/multi-user.target.wants/chrony.service")
    assert os.readlink(wants) == "/lib/systemd/system/chrony.service"
    assert os.readlink(root.p("/etc/systemd/system/chronyd.service")) == \
        "/lib/systemd/system/chrony.service"
    assert "stratumc" in root.p("/lib/systemd/system/chrony-wait.service").read_text()
    # the user and its directories
    root.ok("getent passwd _chrony && getent group _chrony")
    owner = root.ok("stat -c '%U:%G %a' /var/lib/chrony /var/log/chrony").split("\n")
    assert owner[:2] == ["_chrony:_chrony 750"] * 2
    # the configuration parses (stratumd -p prints it back)
    root.ok("stratumd -p -f /etc/chrony/chrony.conf >/dev/null")


def test_fresh_install_upgrade_remove_purge(debs, root):
    deb, nxt, _ = debs
    version = run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()
    root.dpkg("-i", deb=deb)
    check_installed(root, version)
    conf = root.p("/etc/chrony/chrony.conf")
    assert conf.read_text() == root.p("/usr/share/stratum/chrony.conf").read_text()
    assert "sourcedir /run/chrony-dhcp" in conf.read_text()
    # not a conffile: dpkg does not own it
    assert root.sh("dpkg -S /etc/chrony/chrony.conf").returncode != 0

    # The DHCP hooks write the leases' servers where chrony.conf's sourcedir
    # reads them (the daemon's reload fails quietly: none runs here).
    dhcp = root.p("/run/chrony-dhcp")
    root.ok("reason=BOUND interface=eth0 new_ntp_servers='192.0.2.1 ntp.example' "
            "sh -c '. /etc/dhcp/dhclient-exit-hooks.d/chrony'")
    assert (dhcp / "eth0.sources").read_text() == \
        "server 192.0.2.1 iburst\nserver ntp.example iburst\n"
    root.ok("reason=RELEASE interface=eth0 sh -c '. /etc/dhcp/dhclient-exit-hooks.d/chrony'")
    assert not (dhcp / "eth0.sources").exists()
    nm = "/usr/lib/NetworkManager/dispatcher.d/"
    root.ok("DHCP4_NTP_SERVERS='192.0.2.3 bad;name' DHCP6_DHCP6_NTP_SERVERS=2001:db8::1 "
            + nm + "20-chrony-dhcp eth1 up")
    assert (dhcp / "eth1.sources").read_text() == \
        "server 192.0.2.3 iburst\nserver 2001:db8::1 iburst\n"
    root.ok(nm + "20-chrony-dhcp eth1 down")
    assert not (dhcp / "eth1.sources").exists()
    root.ok(nm + "20-chrony-onoffline eth1 up")

    # The admin edits the configuration and a conffile; the daemon leaves a
    # drift file. An upgrade keeps all three, without a question.
    with open(conf, "a") as f:
        f.write(ADMIN_EDIT)
    edited = conf.read_text()
    with open(root.p("/etc/logrotate.d/chrony"), "a") as f:
        f.write("# admin's note\n")
    root.p("/var/lib/chrony/chrony.drift").write_text(DRIFT)
    root.dpkg("-i", deb=nxt)
    check_installed(root, version + "+next")
    assert conf.read_text() == edited
    assert root.p("/etc/logrotate.d/chrony").read_text().endswith("# admin's note\n")
    assert root.p("/var/lib/chrony/chrony.drift").read_text() == DRIFT

    # remove: programs gone, configuration, state and user kept
    root.dpkg("-r", "stratum")
    assert root.status("stratum").startswith("rc ")
    for gone in ("/usr/sbin/stratumd", "/usr/bin/stratumc", "/usr/bin/chronyc",
                 "/lib/systemd/system/chrony.service"):
        assert not root.exists(gone), gone
    assert conf.read_text() == edited
    assert root.p("/var/lib/chrony/chrony.drift").read_text() == DRIFT
    assert root.exists("/etc/logrotate.d/chrony")
    root.ok("getent passwd _chrony")

    # purge: what chrony's purge removes is removed
    root.dpkg("-P", "stratum")
    assert root.status("stratum") == "not-installed"
    for gone in ("/etc/chrony", "/var/lib/chrony", "/var/log/chrony",
                 "/etc/logrotate.d/chrony", "/etc/dhcp/dhclient-exit-hooks.d/chrony",
                 "/etc/systemd/system/chronyd.service",
                 "/etc/systemd/system/multi-user.target.wants/chrony.service"):
        assert not root.exists(gone), gone
    assert root.sh("getent passwd _chrony").returncode != 0


def test_install_over_chrony_keeps_its_configuration_and_drift(debs, root):
    deb, _, chrony = debs
    version = run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()
    root.dpkg("-i", deb=chrony)
    assert root.status("chrony").startswith("ii ")
    conf = root.p("/etc/chrony/chrony.conf")
    with open(conf, "a") as f:
        f.write(ADMIN_EDIT)
    edited = conf.read_text()
    keys = root.p("/etc/chrony/chrony.keys").read_text()
    root.p("/var/lib/chrony/chrony.drift").write_text(DRIFT)
    uid = root.ok("id -u _chrony")

    # An admin's edit to one of chrony's conffiles that stratum takes over.
    with open(root.p("/etc/logrotate.d/chrony"), "a") as f:
        f.write("# admin's note\n")

    # As `apt install ./stratum.deb` does: apt removes chrony (it conflicts
    # with time-daemon, which stratum provides; plain `dpkg -i` refuses),
    # then dpkg installs stratum, which takes over chrony's remaining
    # conffiles (Replaces). The unchanged ones are replaced silently; for
    # the edited one dpkg asks, as at any upgrade: --force-confold answers
    # "keep mine" here.
    shutil.copy(str(deb), str(root.p("/tmp/debs")))
    root.ok("apt-get install -y -o Dpkg::Options::=--force-confold /tmp/debs/" + deb.name)
    assert root.status("chrony").startswith("rc ")
    check_installed(root, version)
    assert conf.read_text() == edited
    assert root.p("/etc/chrony/chrony.keys").read_text() == keys
    assert root.p("/var/lib/chrony/chrony.drift").read_text() == DRIFT
    assert root.ok("id -u _chrony") == uid
    # the hooks under chrony's names are stratum's now, calling chronyc
    owner = root.ok("dpkg -S /etc/dhcp/dhclient-exit-hooks.d/chrony /etc/logrotate.d/chrony "
                    "/usr/lib/NetworkManager/dispatcher.d/20-chrony-onoffline "
                    "/etc/network/if-up.d/chrony /etc/ppp/ip-down.d/chrony")
    assert all(line.startswith("stratum: ") for line in owner.splitlines()), owner
    hook = root.p("/etc/dhcp/dhclient-exit-hooks.d/chrony").read_text()
    assert "stratum" in hook and "chronyc reload sources" in hook
    assert root.p("/etc/logrotate.d/chrony").read_text().endswith("# admin's note\n")
    # chrony's configuration as the admin left it is read by stratumd
    # (parsed without an error)
    root.ok("stratumd -p -f /etc/chrony/chrony.conf | grep -q '^maxdistance 7.5'")

    # Back to chrony (README.md): apt removes stratum and chrony takes its
    # files back; the configuration and the drift file stay as they were.
    root.ok("apt-get install -y -o Dpkg::Options::=--force-confold /tmp/debs/" + chrony.name)
    assert root.status("chrony").startswith("ii ") and root.status("stratum").startswith("rc ")
    assert "/usr/sbin/chronyd" in root.p("/lib/systemd/system/chrony.service").read_text()
    assert not os.path.islink(root.p("/usr/bin/chronyc"))
    assert conf.read_text() == edited
    assert root.p("/var/lib/chrony/chrony.drift").read_text() == DRIFT
    # Purging stratum then leaves chrony's files, user and enablement alone.
    root.dpkg("-P", "stratum")
    assert root.status("stratum") == "not-installed"
    assert conf.read_text() == edited
    assert root.p("/var/lib/chrony/chrony.drift").read_text() == DRIFT
    assert root.ok("id -u _chrony") == uid
    assert root.exists("/etc/systemd/system/multi-user.target.wants/chrony.service")
    root.ok("chronyd -p -f /etc/chrony/chrony.conf | grep -q '^maxdistance 7.5'")

def test_packaged_daemon_answers_chronyc_and_the_hooks(debs, root):
    """In the target, the installed stratumd (-x) with the installed
    chrony.conf (minus its pool, plus `port 0`, `cmdport 0`, a local
    reference and one source on a free loopback port, starting offline) and
    the installed chronyc: chronyc finds the daemon at the compiled-in
    /run/chrony/chronyd.sock without -h; the commands of the distribution's
    hooks succeed; and each onoffline hook (ifupdown, ppp, networkd- and
    NetworkManager dispatcher) brings the source online ("online,offline,..."
    of `chronyc -c activity`), NetworkManager's only for its actions."""
    deb = debs[0]
    root.dpkg("-i", deb=deb)
    conf = "".join(line for line in root.p("/etc/chrony/chrony.conf").read_text()
                   .splitlines(keepends=True) if not line.startswith("pool "))
    root.p("/tmp/test.conf").write_text(
        conf + "port 0\ncmdport 0\nlocal stratum 8\nserver 127.0.0.1 port %d offline\n"
        % free_udp_port())
    log = open(root.p("/tmp/stratumd.log"), "wb")
    proc = subprocess.Popen(["chroot", str(root.path), "/usr/sbin/stratumd", "-x", "-d", "-f",
                             "/tmp/test.conf"], stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log, start_new_session=True)
    try:
        assert wait_for(lambda: root.exists("/run/chrony/chronyd.sock"), 10), \
            root.p("/tmp/stratumd.log").read_text()
        assert root.ok("chronyc -c tracking").split(",")[2] == "8"
        for command in ("reload sources", "cyclelogs"):
            assert root.ok("chronyc " + command).strip() == "200 OK", command

        def online():
            return root.ok("chronyc -c activity").split(",")[:2]

        assert online() == ["0", "1"]
        nm = "/usr/lib/NetworkManager/dispatcher.d/20-chrony-onoffline"
        root.ok(nm + " eth0 pre-up")
        assert online() == ["0", "1"]
        for hook in (nm + " eth0 up", "/etc/network/if-up.d/chrony",
                     "/etc/ppp/ip-up.d/chrony ppp0 /dev/ttyS0 38400 10.0.0.1 10.0.0.2 x",
                     "/usr/lib/networkd-dispatcher/routable.d/chrony-onoffline"):
            root.ok(hook)
            assert online() == ["1", "0"], hook
            assert root.ok("chronyc offline").strip() == "200 OK"
            assert online() == ["0", "1"]
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        print(root.p("/tmp/stratumd.log").read_text())
    assert proc.returncode == 0
    assert not root.exists("/run/chrony/chronyd.pid")


def test_systemd_analyze_verifies_the_packaged_units(debs, tmp_path):
    """The units as packaged (chrony.service running stratumd, chrony-wait),
    in the package's tree extracted over the host's base units."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (scripts/deps.sh test)")
    deb = debs[0]
    root = tmp_path / "root"
    r = run(["dpkg-deb", "-x", str(deb), str(root)])
    assert r.returncode == 0, r.stderr
    # the package's units in /lib, where the systemd of a root without
    # merged /usr looks for them too
    base_units(root)
    env = dict(os.environ, MANPATH=str(root / "usr" / "share" / "man"))
    r = run(["systemd-analyze", "verify", "--root=%s" % root, "chrony.service",
             "chrony-wait.service"], env=env)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.stdout + r.stderr
