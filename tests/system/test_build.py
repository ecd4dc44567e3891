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
