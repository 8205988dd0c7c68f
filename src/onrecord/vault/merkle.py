"""Merkle tree hashing and proofs for the custody log, as pure functions.

The custody log is an append-only Merkle tree in the Certificate Transparency style: leaves
are hashed as SHA-256(0x00 || data) and interior nodes as SHA-256(0x01 || left || right), the
tree hash over n leaves is the Merkle Tree Hash of RFC 6962 §2.1, audit paths and
consistency proofs are generated as in RFC 6962 §2.1.1 and §2.1.2, and they are verified with
the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 (Certificate Transparency v2, RFC 9162
§2.1). Everything here works on already-computed 32-byte hashes, touches no database and does
no I/O; generators raise ``ValueError`` for impossible arguments and verifiers raise
:class:`onrecord.errors.ProofError` for any proof that does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

from onrecord.errors import ProofError

HASH_SIZE = 32
"""Length in bytes of every leaf, node and root hash (SHA-256)."""

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""The Merkle Tree Hash of the empty tree: SHA-256 of the empty string."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf's data: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes into their parent: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_root(leaf_hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) in O(hi - lo) time, iteratively, without copying the sequence.

    Leaves are pushed onto a stack of perfect subtrees whose sizes are decreasing powers of
    two (the binary decomposition of the count so far); the stack is then folded right to
    left, which is exactly how RFC 6962 §2.1 splits an unbalanced tree.
    """
    if hi <= lo:
        return EMPTY_ROOT
    stack: list[bytes] = []
    for i in range(lo, hi):
        h = leaf_hashes[i]
        count = i - lo + 1
        while not count & 1:
            h = node_hash(stack.pop(), h)
            count >>= 1
        stack.append(h)
    root = stack.pop()
    while stack:
        root = node_hash(stack.pop(), root)
    return root


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash (RFC 6962 §2.1) over already-computed leaf hashes."""
    return _range_root(leaf_hashes, 0, len(leaf_hashes))


def extend_frontier(
    frontier: Sequence[bytes], size: int, leaf_hashes: Iterable[bytes]
) -> tuple[list[bytes], int]:
    """Append leaves to a tree known only by its frontier; return the new frontier and size.

    The frontier of a tree of ``size`` leaves is the roots of its perfect subtrees, largest
    (leftmost) first: one per set bit of ``size``. It is all a new root needs, so a log of a
    million entries is extended by reading only the entries added since its last head.
    """
    if len(frontier) != size.bit_count():
        raise ValueError(f"a frontier of {len(frontier)} hashes cannot describe {size} leaves")
    stack = list(frontier)
    for h in leaf_hashes:
        level = 0
        while (size >> level) & 1:
            h = node_hash(stack.pop(), h)
            level += 1
        stack.append(h)
        size += 1
    return stack, size


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the tree whose frontier this is (RFC 6962's right-to-left fold)."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for h in reversed(frontier[:-1]):
        root = node_hash(h, root)
    return root


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path PATH(index, D[n]) of RFC 6962 §2.1.1, ordered leaf to root."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of size {n}")
    lo, hi, m = 0, n, index
    siblings: list[bytes] = []  # collected root to leaf, returned reversed
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            siblings.append(_range_root(leaf_hashes, lo + k, hi))
            hi = lo + k
        else:
            siblings.append(_range_root(leaf_hashes, lo, lo + k))
            lo, m = lo + k, m - k
    siblings.reverse()
    return siblings


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D[n]) = SUBPROOF(old_size, D[n], true) of RFC 6962 §2.1.2.

    An ``old_size`` of 0 or of ``n`` itself gives the empty proof, as in the reference
    implementations: every tree is consistent with the empty tree and with itself.
    """
    n = len(leaf_hashes)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} is outside 0..{n} (the new tree size)")
    if old_size in (0, n):
        return []
    lo, hi, m, whole = 0, n, old_size, True
    nodes: list[bytes] = []  # collected root to leaf, returned reversed
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            nodes.append(_range_root(leaf_hashes, lo + k, hi))
            hi = lo + k
        else:
            nodes.append(_range_root(leaf_hashes, lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        nodes.append(_range_root(leaf_hashes, lo, hi))
    nodes.reverse()
    return nodes


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes long; a SHA-256 hash is {HASH_SIZE}")


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an audit path with the algorithm of RFC 9162 §2.1.3.2; raise ProofError if bad."""
    if not 0 <= index < tree_size:
        raise ProofError(f"leaf index {index} is outside a tree of size {tree_size}")
    _check_hash(leaf_hash, "the leaf hash")
    for i, p in enumerate(proof):
        _check_hash(p, f"inclusion proof element {i}")
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError(
                f"inclusion proof for leaf {index} in a tree of size {tree_size} is too long"
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of size {tree_size} is too short"
        )
    if not hmac.compare_digest(r, root):
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of size {tree_size} does not lead "
            "to the expected root: the leaf, the proof or the root has been altered"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof with RFC 9162 §2.1.4.2; raise ProofError if bad.

    Edge cases follow the reference implementations: equal sizes need an empty proof and
    equal roots; an old size of 0 needs an empty proof (every tree extends the empty one).
    """
    span = f"from size {old_size} to size {new_size}"
    if old_size < 0 or new_size < old_size:
        raise ProofError(f"no consistency proof can exist {span}: the log cannot shrink")
    if old_size == new_size or old_size == 0:
        if proof:
            raise ProofError(f"consistency proof {span} must be empty, got {len(proof)} hashes")
        if old_size == new_size and not hmac.compare_digest(old_root, new_root):
            raise ProofError(f"the roots differ although the size stayed at {old_size}")
        return
    if not proof:
        raise ProofError(f"consistency proof {span} is empty")
    for i, p in enumerate(proof):
        _check_hash(p, f"consistency proof element {i}")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof {span} is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof {span} is too short")
    if not hmac.compare_digest(fr, old_root):
        raise ProofError(f"consistency proof {span} does not reproduce the old root")
    if not hmac.compare_digest(sr, new_root):
        raise ProofError(f"consistency proof {span} does not reproduce the new root")


__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]


def roots_at_sizes(leaf_hashes: Sequence[bytes], sizes: Sequence[int]) -> dict[int, bytes]:
    """The root of every prefix named in ``sizes``, in one pass over the leaves.

    Keeps the perfect subtrees of the prefix seen so far (the "frontier"); the RFC 6962
    root of a prefix folds them from the right, so each requested root costs O(log n).
    """
    wanted = set(sizes)
    if any(s < 0 or s > len(leaf_hashes) for s in wanted):
        raise ValueError("every size must be between 0 and the number of leaves")
    roots: dict[int, bytes] = {}
    if 0 in wanted:
        roots[0] = EMPTY_ROOT
    frontier: list[tuple[int, bytes]] = []  # (height, hash), heights strictly decreasing
    for count, leaf in enumerate(leaf_hashes, start=1):
        height, node = 0, leaf
        while frontier and frontier[-1][0] == height:
            node = node_hash(frontier.pop()[1], node)
            height += 1
        frontier.append((height, node))
        if count in wanted:
            root = frontier[-1][1]
            for _, left in reversed(frontier[:-1]):
                root = node_hash(left, root)
            roots[count] = root
    return roots
