"""Fixtures for these tests live in tests/ntptest.py (shared by
tests/system and tests/interop)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from ntptest import (daemons, local_server, stratumd_bin,  # noqa: E402,F401
                     unsync_server)
