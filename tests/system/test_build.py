"""Warnings as errors: off in meson.build's defaults, so that a packager's
`meson setup` on a newer compiler is not broken by a new warning; on in the
build directories that `make` (and make check, CI) sets up."""
import json
import os
import shutil
import subprocess

import pytest

from ntptest import REPO

CMD_TIMEOUT = 300


def build_options(target):
    """{option: value} of `meson introspect --buildoptions` for a build
    directory or a meson.build (its defaults)."""
    if not shutil.which("meson"):
        pytest.skip("meson is not installed")
    r = subprocess.run(["meson", "introspect", str(target), "--buildoptions"],
                       capture_output=True, text=True, timeout=CMD_TIMEOUT, cwd=str(REPO))
    assert r.returncode == 0, r.stderr
    return {o["name"]: o["value"] for o in json.loads(r.stdout)}


def test_packagers_build_without_werror():
    options = build_options(REPO / "meson.build")
    assert options["werror"] is False
    assert options["warning_level"] == "2"


def test_make_sets_up_its_build_with_werror(tmp_path):
    build = tmp_path / "build"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "BUILD")}
    r = subprocess.run(["make", "BUILD=%s" % build, "%s/build.ninja" % build],
                       capture_output=True, text=True, timeout=CMD_TIMEOUT, cwd=str(REPO),
                       stdin=subprocess.DEVNULL, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert build_options(build)["werror"] is True


def test_make_install_with_chronys_paths(tmp_path):
    """make install PATHS=chrony: chrony's paths compiled in (so chronyc and
    chrony's hooks find the daemon) and in every installed file."""
    build, dest = tmp_path / "build", tmp_path / "dest"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "BUILD", "PATHS")}
    r = subprocess.run(["make", "BUILD=%s" % build, "PATHS=chrony", "DESTDIR=%s" % dest,
                        "PREFIX=/usr", "install"], capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, cwd=str(REPO), stdin=subprocess.DEVNULL, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert build_options(build)["paths"] == "chrony"
    stratumd, stratumc = dest / "usr/sbin/stratumd", dest / "usr/bin/stratumc"
    out = subprocess.run([str(stratumd), "-h"], capture_output=True, text=True, timeout=10).stdout
    assert "(/etc/chrony/chrony.conf)" in out, out
    out = subprocess.run([str(stratumc), "-h"], capture_output=True, text=True, timeout=10)
    assert "/run/chrony/chronyd.sock,127.0.0.1,::1" in out.stdout + out.stderr
    assert b"/run/chrony/chronyd.pid" in stratumd.read_bytes()
    # the OpenSSL module where the prefix compiled in says
    assert (dest / "usr/lib/stratum/stratum-ossl.so").is_file()
    assert b"/usr/lib/stratum/stratum-ossl.so\0" in stratumd.read_bytes()
    unit = (dest / "lib/systemd/system/stratumd.service").read_text()
    for line in ("RuntimeDirectory=chrony", "StateDirectory=chrony", "LogsDirectory=chrony",
                 "ReadWritePaths=/var/lib/chrony /run/chrony /var/log/chrony"):
        assert "\n%s\n" % line in unit, line
    conf = (dest / "etc/chrony/chrony.conf").read_text()
    assert "driftfile /var/lib/chrony/drift" in conf and "/etc/chrony/conf.d" in conf
    assert (dest / "etc/chrony/sources.d").is_dir()
    for f in ("usr/lib/tmpfiles.d/stratumd.conf", "etc/logrotate.d/stratumd",
              "lib/systemd/system/stratumd.service", "etc/chrony/chrony.conf",
              "usr/lib/sysusers.d/stratumd.conf"):
        text = (dest / f).read_text()
        assert "/stratumd/" not in text and "/etc/stratum/" not in text, f
