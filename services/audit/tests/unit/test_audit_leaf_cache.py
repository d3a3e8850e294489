"""The packed leaf cache used for proofs behaves like a list of leaf hashes."""

from __future__ import annotations

from hashlib import sha256

import pytest

from closeloop_audit.domain.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
)
from closeloop_audit.service.proofs import LeafCache

LEAVES = [leaf_hash(sha256(str(i).encode()).digest()) for i in range(37)]


def cache() -> LeafCache:
    leaves = LeafCache()
    leaves.extend_hex([leaf.hex() for leaf in LEAVES[:20]])
    leaves.extend_hex([leaf.hex() for leaf in LEAVES[20:]])
    return leaves


def test_cache_indexes_and_slices_like_the_list_it_packs() -> None:
    leaves = cache()
    assert len(leaves) == len(LEAVES)
    assert leaves[0] == LEAVES[0] and leaves[-1] == LEAVES[-1]
    assert leaves[5:17] == LEAVES[5:17] and leaves[30:99] == LEAVES[30:]
    assert leaves[::5] == LEAVES[::5]
    with pytest.raises(IndexError):
        leaves[len(LEAVES)]


def test_proofs_from_the_cache_equal_proofs_from_a_list() -> None:
    leaves = cache()
    assert merkle_root(leaves) == merkle_root(LEAVES)
    for index, size in [(0, 1), (6, 7), (12, 37), (36, 37)]:
        assert inclusion_proof(leaves, index, size) == inclusion_proof(LEAVES, index, size)
    for old, new in [(1, 37), (8, 37), (13, 29)]:
        assert consistency_proof(leaves, old, new) == consistency_proof(LEAVES, old, new)
