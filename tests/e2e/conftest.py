"""Fixtures shared by the end-to-end test files: the server `mcpgen new` scaffolds."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mcp_servers import TARGET, cargo_build, mcpgen_bin


@pytest.fixture(scope="session")
def scaffold(tmp_path_factory) -> Path:
    """`mcpgen new weather`, built once."""
    parent = tmp_path_factory.mktemp("scaffold")
    subprocess.run([mcpgen_bin(), "new", "weather"], cwd=parent, check=True, timeout=60)
    crate = parent / "weather"
    cargo_build(crate)
    return crate


@pytest.fixture(scope="session")
def weather_bin(scaffold, tmp_path_factory) -> str:
    """The scaffold's binary, hard-linked out of the target directory: another build of a
    crate named `weather` into the same (shared) CARGO_TARGET_DIR replaces
    target/debug/weather, and the link keeps this one."""
    built = TARGET / "debug" / "weather"
    assert built.exists()
    path = tmp_path_factory.mktemp("bin") / "weather"
    try:
        os.link(built, path)
    except OSError:
        shutil.copy2(built, path)
    return str(path)
