"""RFC 6962 / RFC 9162 Merkle hashing against published Certificate Transparency vectors.

The vectors are the ones used by the transparency-dev/merkle reference library
(testonly/constants.go and proof/verify_test.go): eight standard leaves, the root for every
tree size, and known inclusion and consistency proofs.
"""

from __future__ import annotations

import pytest

from closeloop_audit.domain.merkle import (
    EMPTY_ROOT,
    MerkleAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
LEAVES = [leaf_hash(data) for data in LEAF_INPUTS]

# NodeHashes(): [level][index] for the complete subtrees of the 8-leaf tree.
NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]

# RootHashes(): the root for tree sizes 0..8.
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# (leaf index, tree size, proof) from verify_test.go (which numbers leaves from 1).
INCLUSION_PROOFS = [
    (0, 1, []),
    (0, 8, [NODES[0][1], NODES[1][1], NODES[2][1]]),
    (5, 8, [NODES[0][4], NODES[1][3], NODES[2][0]]),
    (2, 3, [NODES[1][0]]),
    (1, 5, [NODES[0][0], NODES[1][1], NODES[0][4]]),
]

CONSISTENCY_PROOFS = [
    (1, 1, []),
    (1, 8, [NODES[0][1], NODES[1][1], NODES[2][1]]),
    (6, 8, [NODES[1][2], NODES[1][3], NODES[2][0]]),
    (2, 5, [NODES[1][1], NODES[0][4]]),
    (6, 7, [NODES[1][2], NODES[0][6], NODES[2][0]]),
]


def _hex(nodes: list[bytes]) -> list[str]:
    return [node.hex() for node in nodes]


def test_leaf_hashes_match_the_published_level_zero() -> None:
    assert _hex(LEAVES) == NODES[0]


def test_node_hash_matches_the_published_level_one() -> None:
    pairs = [node_hash(LEAVES[i], LEAVES[i + 1]).hex() for i in range(0, 8, 2)]
    assert pairs == NODES[1]


@pytest.mark.parametrize("size", range(9))
def test_root_matches_the_published_root_for_every_size(size: int) -> None:
    assert merkle_root(LEAVES[:size]).hex() == ROOTS[size]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert MerkleAccumulator().root() == EMPTY_ROOT


def test_accumulator_root_matches_the_published_root_after_each_append() -> None:
    tree = MerkleAccumulator()
    for size, leaf in enumerate(LEAVES, start=1):
        tree.append(leaf)
        assert tree.root().hex() == ROOTS[size]


def test_accumulator_peaks_match_the_published_compact_ranges() -> None:
    # CompactTrees(): the perfect-subtree roots after 3, 6 and 7 leaves.
    expected = {
        3: [NODES[1][0], NODES[0][2]],
        6: [NODES[2][0], NODES[1][2]],
        7: [NODES[2][0], NODES[1][2], NODES[0][6]],
    }
    for size, peaks in expected.items():
        tree = MerkleAccumulator()
        tree.extend(LEAVES[:size])
        assert _hex(list(tree.peaks)) == peaks


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_inclusion_proof_matches_the_published_proof(
    index: int, size: int, proof: list[str]
) -> None:
    assert _hex(inclusion_proof(LEAVES, index, size)) == proof


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_published_inclusion_proof_verifies(index: int, size: int, proof: list[str]) -> None:
    nodes = [bytes.fromhex(h) for h in proof]
    root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(LEAVES[index], index, size, nodes, root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS)
def test_consistency_proof_matches_the_published_proof(
    old: int, new: int, proof: list[str]
) -> None:
    assert _hex(consistency_proof(LEAVES, old, new)) == proof


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS)
def test_published_consistency_proof_verifies(old: int, new: int, proof: list[str]) -> None:
    nodes = [bytes.fromhex(h) for h in proof]
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, nodes)


def test_consistency_proof_from_five_to_seven_is_e_f_j_k() -> None:
    # proof_test.go: "nodes e, f, j and k; j is taken instead of its missing parent".
    expected = [NODES[0][4], NODES[0][5], NODES[0][6], NODES[2][0]]
    assert _hex(consistency_proof(LEAVES, 5, 7)) == expected


def test_consistency_proof_from_three_to_seven_rehashes_l_from_i_and_j() -> None:
    # proof_test.go: c d g j i, with j and i rehashed into l = hash(i, j).
    l_node = node_hash(bytes.fromhex(NODES[1][2]), bytes.fromhex(NODES[0][6])).hex()
    expected = [NODES[0][2], NODES[0][3], NODES[1][0], l_node]
    assert _hex(consistency_proof(LEAVES, 3, 7)) == expected


def test_inclusion_proof_for_leaf_four_of_seven_is_f_j_k() -> None:
    assert _hex(inclusion_proof(LEAVES, 4, 7)) == [NODES[0][5], NODES[0][6], NODES[2][0]]


def test_degenerate_consistency_sizes_behave_like_the_reference_library() -> None:
    some, other = b"\x01" * 32, b"\x02" * 32
    assert verify_consistency(0, 0, some, some, [])
    assert not verify_consistency(0, 0, some, other, [])
    assert verify_consistency(0, 1, some, other, [])
    assert not verify_consistency(1, 0, some, other, [])
    assert not verify_consistency(1, 2, some, other, [])
    assert not verify_consistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


def test_inclusion_rejects_out_of_range_indices() -> None:
    leaf = LEAVES[0]
    for index, size in [(0, 0), (1, 0), (2, 1), (8, 8)]:
        assert not verify_inclusion(leaf, index, size, [], leaf)
    with pytest.raises(ValueError):
        inclusion_proof(LEAVES, 8, 8)
    with pytest.raises(ValueError):
        consistency_proof(LEAVES, 5, 9)
