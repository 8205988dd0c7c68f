"""Tests for the RFC 6962 / RFC 9162 Merkle tree of the custody log.

The 8-leaf test vector (leaf inputs, node hashes, roots for sizes 0..8, inclusion and
consistency proofs) is the one published with the Certificate Transparency reference
implementations: transparency-dev/merkle ``testonly/constants.go`` and
``proof/verify_test.go`` (the same values as google/certificate-transparency
``cpp/merkletree/merkle_tree_test.cc``). In those files inclusion vectors count leaves from 1;
here indexes are 0-based.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import pytest

from onrecord.errors import ProofError
from onrecord.vault import merkle
from onrecord.vault.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

LEAVES = [
    h(x)
    for x in (
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

# Level 0: leaf hashes; level 1..3: hashes of the complete subtrees.
L0 = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
    h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
    h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
    h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
    h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
]
L1 = [
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
]
L2 = [
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
]
L3 = [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]

ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# (0-based index, tree size, audit path)
INCLUSION_VECTORS: list[tuple[int, int, list[bytes]]] = [
    (0, 1, []),
    (0, 8, [L0[1], L1[1], L2[1]]),
    (5, 8, [L0[4], L1[3], L2[0]]),
    (2, 3, [L1[0]]),
    (1, 5, [L0[0], L1[1], L0[4]]),
]

# (old size, new size, consistency proof)
CONSISTENCY_VECTORS: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (1, 8, [L0[1], L1[1], L2[1]]),
    (6, 8, [L1[2], L1[3], L2[0]]),
    (2, 5, [L1[1], L0[4]]),
    (6, 7, [L1[2], L0[6], L2[0]]),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")
MAX_N = 40
HASHES = [leaf_hash(i.to_bytes(2, "big")) for i in range(MAX_N)]
SIZED_ROOTS = [root_from_leaf_hashes(HASHES[:n]) for n in range(MAX_N + 1)]


def flip(value: bytes, at: int = 0) -> bytes:
    return value[:at] + bytes([value[at] ^ 0x08]) + value[at + 1 :]


def naive_mth(hashes: Sequence[bytes]) -> bytes:
    """RFC 6962 §2.1 written literally, recursively, as an independent oracle."""
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(naive_mth(hashes[:k]), naive_mth(hashes[k:]))


def assert_fails(check: Callable[..., None], *args: object) -> None:
    with pytest.raises(ProofError):
        check(*args)


def test_hash_primitives() -> None:
    assert ROOTS[0] == EMPTY_ROOT
    assert leaf_hash(b"") == L0[0]
    assert [leaf_hash(d) for d in LEAVES] == L0
    assert node_hash(L0[0], L0[1]) == L1[0]
    assert node_hash(L2[0], L2[1]) == L3[0]


@pytest.mark.parametrize("size", range(9))
def test_published_roots(size: int) -> None:
    hashes = [leaf_hash(d) for d in LEAVES[:size]]
    assert root_from_leaf_hashes(hashes) == ROOTS[size]
    assert naive_mth(hashes) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_published_inclusion_proofs(index: int, size: int, proof: list[bytes]) -> None:
    assert inclusion_proof(L0[:size], index) == proof
    verify_inclusion(L0[index], index, size, proof, ROOTS[size])
    root = ROOTS[size]
    for bad_index, bad_size in [(index - 1, size), (index + 1, size), (index ^ 2, size)]:
        assert_fails(verify_inclusion, L0[index], bad_index, bad_size, proof, root)
    for bad_size in (size * 2, size // 2):
        assert_fails(verify_inclusion, L0[index], index, bad_size, proof, root)
    assert_fails(verify_inclusion, b"WrongLeaf", index, size, proof, root)
    assert_fails(verify_inclusion, L0[index], index, size, proof, EMPTY_ROOT)
    assert_fails(verify_inclusion, L0[index], index, size, proof, SOME_HASH)
    for extra in (b"", root):
        assert_fails(verify_inclusion, L0[index], index, size, [*proof, extra], root)
        assert_fails(verify_inclusion, L0[index], index, size, [extra, *proof], root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_published_consistency_proofs(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(L0[:new], old) == proof
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def test_inclusion_edge_cases() -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof([], 0)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(L0[:3], 3)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(L0[:3], -1)
    for index, size in [(0, 0), (1, 0), (2, 1), (-1, 1)]:
        assert_fails(verify_inclusion, SOME_HASH, index, size, [], b"")
        assert_fails(verify_inclusion, b"", index, size, [], EMPTY_ROOT)
        assert_fails(verify_inclusion, SOME_HASH, index, size, [], EMPTY_ROOT)
    # A one-leaf tree: the root is the leaf hash and the proof is empty.
    verify_inclusion(SOME_HASH, 0, 1, [], SOME_HASH)
    assert_fails(verify_inclusion, SOME_HASH, 0, 1, [], b"")
    assert_fails(verify_inclusion, b"", 0, 1, [], SOME_HASH)
    assert_fails(verify_inclusion, b"", 0, 1, [], b"")


def test_consistency_edge_cases() -> None:
    root1, root2 = b"don't care 1", b"don't care 2"
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(L0[:3], 4)
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(L0[:3], -1)
    assert consistency_proof([], 0) == []
    assert consistency_proof(L0[:5], 0) == []
    assert consistency_proof(L0[:5], 5) == []
    # Sizes that are always consistent, with an empty proof.
    verify_consistency(0, 0, root1, root1, [])
    verify_consistency(0, 1, root1, root2, [])
    verify_consistency(1, 1, root2, root2, [])
    verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [])
    failing: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (0, 0, root1, root2, []),
        (1, 1, root1, root2, []),
        (1, 0, root1, root2, []),  # time travel to the past
        (2, 1, root1, root2, []),
        (1, 2, root1, root2, []),  # empty proof
        (0, 0, EMPTY_ROOT, root2, []),
        (1, 1, EMPTY_ROOT, root2, []),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),  # equal roots, non-empty proof
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (-1, 1, EMPTY_ROOT, EMPTY_ROOT, []),
    ]
    for old, new, r1, r2, proof in failing:
        assert_fails(verify_consistency, old, new, r1, r2, proof)


@pytest.mark.parametrize("size", range(1, MAX_N + 1))
def test_inclusion_every_index(size: int) -> None:
    root = SIZED_ROOTS[size]
    for index in range(size):
        leaf = HASHES[index]
        proof = inclusion_proof(HASHES[:size], index)
        verify_inclusion(leaf, index, size, proof, root)
        for i in range(len(proof)):
            for at in (0, 31):
                bad = [*proof[:i], flip(proof[i], at), *proof[i + 1 :]]
                assert_fails(verify_inclusion, leaf, index, size, bad, root)
        assert_fails(verify_inclusion, leaf, index, size, proof, flip(root, 17))
        assert_fails(verify_inclusion, flip(leaf, 5), index, size, proof, root)
        for bad_index in {index - 1, index + 1, index ^ 2, index ^ 1} - {index}:
            assert_fails(verify_inclusion, leaf, bad_index, size, proof, root)
        for bad_size in (size * 2, size // 2):
            assert_fails(verify_inclusion, leaf, index, bad_size, proof, root)
        if proof:
            assert_fails(verify_inclusion, leaf, index, size, proof[:-1], root)
            assert_fails(verify_inclusion, leaf, index, size, proof[1:], root)
        for extra in (SOME_HASH, root):
            assert_fails(verify_inclusion, leaf, index, size, [*proof, extra], root)
            assert_fails(verify_inclusion, leaf, index, size, [extra, *proof], root)
            if len(proof) > 1:
                bad = [proof[0], extra, *proof[1:]]
                assert_fails(verify_inclusion, leaf, index, size, bad, root)


@pytest.mark.parametrize("new", range(1, MAX_N + 1))
def test_consistency_every_pair(new: int) -> None:
    new_root = SIZED_ROOTS[new]
    for old in range(new + 1):
        old_root = SIZED_ROOTS[old]
        proof = consistency_proof(HASHES[:new], old)
        verify_consistency(old, new, old_root, new_root, proof)
        if not proof:
            assert old in (0, new)
            continue
        for i in range(len(proof)):
            for at in (0, 31):
                bad = [*proof[:i], flip(proof[i], at), *proof[i + 1 :]]
                assert_fails(verify_consistency, old, new, old_root, new_root, bad)
        assert_fails(verify_consistency, old, new, flip(old_root, 3), new_root, proof)
        assert_fails(verify_consistency, old, new, old_root, flip(new_root, 3), proof)
        assert_fails(verify_consistency, old, new, new_root, old_root, proof)
        for bad_old in {old - 1, old + 1, old ^ 2} - {old}:
            assert_fails(verify_consistency, bad_old, new, old_root, new_root, proof)
        for bad_new in (new * 2, new // 2):
            assert_fails(verify_consistency, old, bad_new, old_root, new_root, proof)
        assert_fails(verify_consistency, old, new, old_root, new_root, [])
        assert_fails(verify_consistency, old, new, old_root, new_root, proof[:-1])
        assert_fails(verify_consistency, old, new, old_root, new_root, proof[1:])
        for extra in (b"", old_root, new_root, proof[0], SOME_HASH):
            assert_fails(verify_consistency, old, new, old_root, new_root, [*proof, extra])
            assert_fails(verify_consistency, old, new, old_root, new_root, [extra, *proof])


def test_root_matches_naive_recursion() -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(1000)]
    for size in (*range(70), 127, 128, 129, 255, 256, 257, 511, 999, 1000):
        assert root_from_leaf_hashes(hashes[:size]) == naive_mth(hashes[:size])


def test_large_tree() -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(100_000)]
    root = root_from_leaf_hashes(hashes)
    assert len(root) == 32
    for index in (0, 65_535, 65_536, 99_999):
        verify_inclusion(hashes[index], index, len(hashes), inclusion_proof(hashes, index), root)
    old = 65_537
    old_root = root_from_leaf_hashes(hashes[:old])
    verify_consistency(old, len(hashes), old_root, root, consistency_proof(hashes, old))


def test_roots_at_sizes_match_root_of_each_prefix() -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(300)]
    sizes = [*list(range(0, 301, 7)), 1, 2, 3, 64, 127, 128, 129, 255, 256, 257, 300]
    roots = merkle.roots_at_sizes(hashes, sizes)
    for size in sizes:
        assert roots[size] == merkle.root_from_leaf_hashes(hashes[:size]), size


def test_roots_at_sizes_rejects_sizes_beyond_the_leaves() -> None:
    with pytest.raises(ValueError):
        merkle.roots_at_sizes([merkle.leaf_hash(b"a")], [2])


def test_a_frontier_extended_in_steps_gives_the_root_of_every_prefix() -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(600)]
    frontier: list[bytes] = []
    size = 0
    steps = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 224]  # sums to 600
    for step in steps:
        frontier, size = merkle.extend_frontier(frontier, size, hashes[size : size + step])
        assert len(frontier) == size.bit_count()
        assert merkle.root_from_frontier(frontier) == naive_mth(hashes[:size]), size
    assert size == 600
    for size in range(70):
        one_go, _ = merkle.extend_frontier([], 0, hashes[:size])
        assert merkle.root_from_frontier(one_go) == root_from_leaf_hashes(hashes[:size])


def test_a_frontier_that_does_not_match_its_size_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot describe 3 leaves"):
        merkle.extend_frontier([merkle.leaf_hash(b"a")], 3, [])
