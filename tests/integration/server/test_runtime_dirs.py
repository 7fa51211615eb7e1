"""Runtime directories outlive nobody: a start removes the ones whose owner died (even by
SIGKILL, which runs no cleanup) and never touches one that is alive or that it did not make."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.runtime import RuntimeDir, new_runtime_dir

REPO_ROOT = Path(__file__).resolve().parents[3]
OWNER = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from server.runtime import new_runtime_dir\n"
    "print(new_runtime_dir(Path(sys.argv[1])).root, flush=True)\n"
    "time.sleep(120)\n"
)


@pytest.fixture
def owners() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


def owned_elsewhere(
    parent: Path, owners: list[subprocess.Popen[str]]
) -> tuple[Path, subprocess.Popen[str]]:
    """A runtime directory made by another process, which keeps running."""
    process = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(parent)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    owners.append(process)
    assert process.stdout is not None
    made = process.stdout.readline().strip()
    assert made, "the owner process printed no directory"
    return Path(made), process


def made_here(parent: Path) -> RuntimeDir:
    runtime = new_runtime_dir(parent)
    assert runtime.root.parent == parent
    return runtime


def test_the_directory_of_an_owner_killed_by_sigkill_is_removed_by_the_next_start(
    tmp_path: Path, owners: list[subprocess.Popen[str]]
) -> None:
    abandoned, owner = owned_elsewhere(tmp_path, owners)
    (abandoned / "worker-0.sock").touch()  # what a stack leaves inside
    assert abandoned.is_dir()
    owner.kill()
    owner.wait()
    assert abandoned.is_dir()  # SIGKILL ran no cleanup
    fresh = made_here(tmp_path)
    assert not abandoned.exists()
    assert fresh.root.is_dir()
    fresh.remove()


def test_the_directory_of_a_living_owner_is_kept(
    tmp_path: Path, owners: list[subprocess.Popen[str]]
) -> None:
    alive, _ = owned_elsewhere(tmp_path, owners)
    fresh = made_here(tmp_path)
    assert alive.is_dir()
    fresh.remove()
    assert alive.is_dir()


def test_directories_it_did_not_make_are_kept(tmp_path: Path) -> None:
    """An operator's directory that happens to share the prefix, and one whose maker has
    created its lock file but not yet taken the lock (it may be starting right now)."""
    foreign = tmp_path / "huntaze-mine"
    foreign.mkdir()
    starting = tmp_path / "huntaze-starting"
    starting.mkdir()
    (starting / "owner.lock").touch()
    fresh = made_here(tmp_path)
    assert foreign.is_dir()
    assert starting.is_dir()
    fresh.remove()


def test_remove_deletes_the_directory_once(tmp_path: Path) -> None:
    runtime = made_here(tmp_path)
    (runtime.root / "metrics.sock").touch()
    runtime.remove()
    assert not runtime.root.exists()
    assert list(tmp_path.iterdir()) == []
    # A second stop (start's cleanup, then the caller's) must not close a descriptor that
    # has been reused meanwhile.
    reused = os.open(tmp_path, os.O_RDONLY)
    runtime.remove()
    os.fstat(reused)
    os.close(reused)
