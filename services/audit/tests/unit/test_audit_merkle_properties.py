"""Merkle proofs against a naive recursive implementation written from the RFC 9162 text,
plus exhaustive and property-based checks that proofs verify and tampered ones fail."""

from __future__ import annotations

import hashlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop_audit.domain.merkle import (
    MerkleAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 64


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """RFC 9162 §2.1.1: the largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(data: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as written in RFC 9162 §2.1.1, over leaf *inputs*."""
    n = len(data)
    if n == 0:
        return _sha(b"")
    if n == 1:
        return _sha(b"\x00" + data[0])
    k = _k(n)
    return _sha(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:]))


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) from RFC 9162 §2.1.3.1."""
    n = len(data)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, data[:k]), ref_mth(data[k:])]
    return [*ref_path(m - k, data[k:]), ref_mth(data[:k])]


def ref_subproof(m: int, data: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) from RFC 9162 §2.1.4.1."""
    n = len(data)
    if m == n:
        return [] if complete else [ref_mth(data)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, data[:k], complete), ref_mth(data[k:])]
    return [*ref_subproof(m - k, data[k:], False), ref_mth(data[:k])]


DATA = [f"entry {i}".encode() for i in range(MAX_SIZE)]
LEAVES = [leaf_hash(item) for item in DATA]
ROOTS = [ref_mth(DATA[:size]) for size in range(MAX_SIZE + 1)]


def _flip(node: bytes) -> bytes:
    return bytes([node[0] ^ 0x10]) + node[1:]


def test_root_equals_the_reference_for_every_size_up_to_64() -> None:
    for size in range(MAX_SIZE + 1):
        assert merkle_root(LEAVES[:size]) == ROOTS[size]


def test_accumulator_append_and_extend_agree_with_the_reference() -> None:
    one_by_one = MerkleAccumulator()
    for size in range(1, MAX_SIZE + 1):
        one_by_one.append(LEAVES[size - 1])
        assert one_by_one.root() == ROOTS[size]
        in_chunks = MerkleAccumulator()
        for start in range(0, size, 5):  # uneven chunks exercise the alignment logic
            in_chunks.extend(LEAVES[start : min(size, start + 5)])
        assert in_chunks.peaks == one_by_one.peaks


def test_accumulator_restored_from_its_state_continues_identically() -> None:
    tree = MerkleAccumulator()
    tree.extend(LEAVES[:37])
    restored = MerkleAccumulator(tree.size, tree.peaks)
    restored.extend(LEAVES[37:])
    assert restored.root() == ROOTS[MAX_SIZE]
    with pytest.raises(ValueError):
        MerkleAccumulator(37, tree.peaks[:1])


def test_every_inclusion_proof_matches_the_reference_and_verifies() -> None:
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            proof = inclusion_proof(LEAVES, index, size)
            assert proof == ref_path(index, DATA[:size])
            assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


def test_every_consistency_proof_matches_the_reference_and_verifies() -> None:
    for new in range(1, MAX_SIZE + 1):
        for old in range(1, new + 1):
            proof = consistency_proof(LEAVES, old, new)
            assert proof == ref_subproof(old, DATA[:new], True)
            assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_tampered_inclusion_proofs_fail(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, MAX_SIZE))
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(LEAVES, index, size)
    root = ROOTS[size]
    position = data.draw(st.integers(0, len(proof) - 1))
    corrupted = [*proof[:position], _flip(proof[position]), *proof[position + 1 :]]
    assert not verify_inclusion(LEAVES[index], index, size, corrupted, root)
    assert not verify_inclusion(LEAVES[index], index, size, proof[:-1], root)
    assert not verify_inclusion(LEAVES[index], index, size, [*proof, root], root)
    assert not verify_inclusion(_flip(LEAVES[index]), index, size, proof, root)
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
    assert not verify_inclusion(LEAVES[other], other, size, proof, root) or (
        inclusion_proof(LEAVES, other, size) == proof and LEAVES[other] == LEAVES[index]
    )
    assert not verify_inclusion(LEAVES[index], index, size, proof, _flip(root))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_tampered_consistency_proofs_fail(data: st.DataObject) -> None:
    new = data.draw(st.integers(2, MAX_SIZE))
    old = data.draw(st.integers(1, new - 1))
    proof = consistency_proof(LEAVES, old, new)
    old_root, new_root = ROOTS[old], ROOTS[new]
    position = data.draw(st.integers(0, len(proof) - 1))
    corrupted = [*proof[:position], _flip(proof[position]), *proof[position + 1 :]]
    assert not verify_consistency(old, new, old_root, new_root, corrupted)
    assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])
    assert not verify_consistency(old, new, _flip(old_root), new_root, proof)
    assert not verify_consistency(old, new, old_root, _flip(new_root), proof)
    assert not verify_consistency(old, new, new_root, old_root, proof)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 200), st.integers(0, 200))
def test_subtree_root_equals_the_reference_for_any_range(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    data = [str(i).encode() for i in range(end)]
    assert subtree_root([leaf_hash(d) for d in data], start, end) == ref_mth(data[start:end])


def test_proofs_over_a_large_tree_need_no_recursion_and_stay_fast() -> None:
    size = 1 << 17  # deeper than any recursion limit would allow per leaf
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size + 3)]
    started = time.perf_counter()
    tree = MerkleAccumulator()
    tree.extend(leaves)
    root = tree.root()
    index = size // 3
    proof = inclusion_proof(leaves, index, len(leaves))
    consistency = consistency_proof(leaves, size - 1, len(leaves))
    elapsed = time.perf_counter() - started
    assert verify_inclusion(leaves[index], index, len(leaves), proof, root)
    assert verify_consistency(
        size - 1, len(leaves), merkle_root(leaves[: size - 1]), root, consistency
    )
    assert elapsed < 5.0
