"""`buf breaking`: compares the contract in the work tree with the one at a git ref.

Both sides are descriptor images built by protos/generate.py, because buf cannot resolve our
dependencies (googleapis, protovalidate) offline on its own.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True)


def main(ref: str) -> int:
    if _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        print(f"buf breaking: no git ref {ref!r}; nothing to compare against")
        return 0
    if not _git("ls-tree", "-d", ref, "protos/huntaze").stdout:
        print(f"buf breaking: {ref} has no protos yet; nothing to compare against")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        archive = _git("archive", ref, "protos")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        baseline = Path(tmp) / "baseline.binpb"
        subprocess.run(
            [sys.executable, str(ROOT / "protos/generate.py"), "--image-only", str(baseline)],
            cwd=tmp,
            check=True,
        )
        buf = Path(sys.executable).parent / "buf"
        current = ROOT / "generated/huntaze.binpb"
        command = [str(buf), "breaking", str(current), "--against", str(baseline)]
        result = subprocess.run([*command, "--path", "huntaze/v1"], cwd=ROOT)
        if result.returncode == 0:
            print(f"buf breaking: no breaking change against {ref}")
        return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "main"))
