"""The Merkle root of a 5-leaf tree recomputed outside Python by an external SHA-256 tool,
fed files holding the 0x00 / 0x01 prefixed bytes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from closeloop_audit.domain.merkle import leaf_hash, merkle_root

TOOL = shutil.which("openssl") or shutil.which("sha256sum")


def _external_sha256(path: Path) -> bytes:
    assert TOOL is not None
    if TOOL.endswith("openssl"):
        command = [TOOL, "dgst", "-sha256", "-binary", str(path)]
        return subprocess.run(command, check=True, capture_output=True).stdout
    output = subprocess.run([TOOL, str(path)], check=True, capture_output=True, text=True)
    return bytes.fromhex(output.stdout.split()[0])


@pytest.mark.skipif(TOOL is None, reason="neither openssl nor sha256sum is installed")
def test_five_leaf_root_matches_an_external_sha256_tool(tmp_path: Path) -> None:
    counter = iter(range(100))

    def digest(content: bytes) -> bytes:
        path = tmp_path / f"node-{next(counter)}.bin"
        path.write_bytes(content)
        return _external_sha256(path)

    data = [b"alpha", b"beta", b"gamma", b"delta", "ε-五".encode()]
    leaves = [digest(b"\x00" + item) for item in data]
    # RFC 9162 shape for n=5: k=4, so root = H(H(H(l0,l1), H(l2,l3)), l4).
    pair_01 = digest(b"\x01" + leaves[0] + leaves[1])
    pair_23 = digest(b"\x01" + leaves[2] + leaves[3])
    root = digest(b"\x01" + digest(b"\x01" + pair_01 + pair_23) + leaves[4])

    assert merkle_root([leaf_hash(item) for item in data]) == root
    assert [leaf_hash(item) for item in data] == leaves
