"""Merkle tree hashing, proofs and verification as specified by RFC 9162 (CT v2), §2.1.

Leaves are hashed ``SHA-256(0x00 || data)`` and interior nodes ``SHA-256(0x01 || l || r)``,
which is also RFC 6962, so the published Certificate Transparency vectors apply. Every
function is iterative: no recursion depth limit, and proofs over a million stored leaf
hashes hash each needed subtree once (O(n) in the worst case, no per-level rebuilding).

Degenerate sizes follow the transparency-dev/merkle reference library: consistency from
an empty tree, or between equal sizes, has an empty proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleAccumulator",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "root_from_inclusion_proof",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf: ``SHA-256(0x00 || data)``."""
    return sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash an interior node: ``SHA-256(0x01 || left || right)``."""
    return sha256(_NODE_PREFIX + left + right).digest()


def _split_point(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (``size`` ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _perfect_root(hashes: Sequence[bytes], start: int, size: int) -> bytes:
    """Root of the perfect subtree of ``size`` (a power of two) leaves from ``start``."""
    level = list(hashes[start : start + size])
    while len(level) > 1:
        # Pairing a whole level at once keeps the loop in C-level list/zip machinery.
        pairs = zip(level[::2], level[1::2], strict=True)
        level = [sha256(_NODE_PREFIX + left + right).digest() for left, right in pairs]
    return level[0]


def subtree_root(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH of the leaf hashes ``hashes[start:end]`` (RFC 9162 §2.1.1)."""
    if not 0 <= start <= end <= len(hashes):
        raise ValueError(f"range [{start}, {end}) outside 0..{len(hashes)}")
    if start == end:
        return EMPTY_ROOT
    # Decompose into perfect subtrees of decreasing size, then fold from the right.
    peaks: list[bytes] = []
    position = start
    remaining = end - start
    while remaining:
        size = 1 << (remaining.bit_length() - 1)
        peaks.append(_perfect_root(hashes, position, size))
        position += size
        remaining -= size
    root = peaks[-1]
    for peak in reversed(peaks[:-1]):
        root = node_hash(peak, root)
    return root


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a whole list of leaf hashes; the empty tree is ``SHA-256("")``."""
    return subtree_root(leaf_hashes, 0, len(leaf_hashes))


class MerkleAccumulator:
    """Append-only tree state in O(log n) memory: the roots of its perfect subtrees.

    ``peaks`` are ordered left to right, largest first; their count is the number of set
    bits in ``size``. The state can be persisted and restored with ``peaks``/``size``.
    """

    __slots__ = ("_peaks", "_size")

    def __init__(self, size: int = 0, peaks: Sequence[bytes] = ()) -> None:
        if size < 0 or len(peaks) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} peaks")
        self._size = size
        self._peaks = list(peaks)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def peaks(self) -> tuple[bytes, ...]:
        """The perfect-subtree roots, left to right (the persistable state)."""
        return tuple(self._peaks)

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash (already ``leaf_hash``-ed), merging equal-size peaks."""
        peaks = self._peaks
        merged = leaf
        carry = self._size
        while carry & 1:
            merged = sha256(_NODE_PREFIX + peaks.pop() + merged).digest()
            carry >>= 1
        peaks.append(merged)
        self._size += 1

    def extend(self, leaves: Sequence[bytes]) -> None:
        """Append many leaf hashes; whole aligned subtrees are hashed level by level.

        Equivalent to calling ``append`` for each leaf, but much faster in CPython.
        """
        start, total = 0, len(leaves)
        while start < total:
            size = self._size
            aligned = size & -size if size else 1 << 62  # largest block size can take
            block = min(aligned, 1 << ((total - start).bit_length() - 1))
            node = _perfect_root(leaves, start, block)
            carry = size // block  # merge with equal-size peaks, as in ``append``
            while carry & 1:
                node = sha256(_NODE_PREFIX + self._peaks.pop() + node).digest()
                carry >>= 1
            self._peaks.append(node)
            self._size = size + block
            start += block

    def root(self) -> bytes:
        """MTH of all leaves appended so far."""
        if not self._peaks:
            return EMPTY_ROOT
        root = self._peaks[-1]
        for peak in reversed(self._peaks[:-1]):
            root = node_hash(peak, root)
        return root


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, tree_size: int) -> list[bytes]:
    """Audit path for leaf ``index`` in the tree of the first ``tree_size`` leaves.

    RFC 9162 §2.1.3.1 PATH(m, D[n]); nodes are returned leaf-side first.
    """
    if not 0 <= index < tree_size <= len(leaf_hashes):
        raise ValueError(f"need 0 <= index ({index}) < tree_size ({tree_size}) <= stored")
    path: list[bytes] = []  # collected root-side first, reversed at the end
    start, end = 0, tree_size
    while end - start > 1:
        half = _split_point(end - start)
        middle = start + half
        if index < middle:
            path.append(subtree_root(leaf_hashes, middle, end))
            end = middle
        else:
            path.append(_perfect_root(leaf_hashes, start, half))
            start = middle
    path.reverse()
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """Proof that the tree of ``old_size`` leaves is a prefix of the one of ``new_size``.

    RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true); nodes leaf-side first.
    """
    if not 0 <= old_size <= new_size <= len(leaf_hashes):
        raise ValueError(f"need 0 <= old_size ({old_size}) <= new_size ({new_size}) <= stored")
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []  # collected outermost first, reversed at the end
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        half = _split_point(end - start)
        if m <= half:
            proof.append(subtree_root(leaf_hashes, start + half, end))
            end = start + half
        else:
            proof.append(_perfect_root(leaf_hashes, start, half))
            start += half
            m -= half
            complete = False
    if not complete:
        proof.append(subtree_root(leaf_hashes, start, end))
    proof.reverse()
    return proof


def root_from_inclusion_proof(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes | None:
    """Recompute the root from an audit path (RFC 9162 §2.1.3.2), None if malformed."""
    if not 0 <= index < tree_size or len(leaf) != HASH_SIZE:
        return None
    fn, sn = index, tree_size - 1
    result = leaf
    for sibling in proof:
        if sn == 0 or len(sibling) != HASH_SIZE:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return result if sn == 0 else None


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True iff ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree with ``root``."""
    return root_from_inclusion_proof(leaf, index, tree_size, proof) == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True iff ``proof`` shows the ``old_size`` tree is a prefix of the ``new_size`` one.

    RFC 9162 §2.1.4.2, plus the degenerate sizes: an empty old tree is consistent with any
    tree (empty proof), equal sizes need equal roots and an empty proof.
    """
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof or any(len(node) != HASH_SIZE for node in proof):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            second = node_hash(second, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and first == old_root and second == new_root
