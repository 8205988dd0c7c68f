"""The custody log as a Merkle log: signed heads, inclusion and consistency proofs."""

from __future__ import annotations

import pytest
from django.db import transaction

from onrecord.errors import ProofError
from onrecord.vault import merkle
from onrecord.vault.custody import CustodyLog, canonical_json, head_message, head_timestamp
from onrecord.vault.home import Vault


def fill(vault: Vault, log: CustodyLog, count: int) -> None:
    with transaction.atomic():
        for i in range(count):
            log.append("test.event", "tester", {"n": i, "text": f"entry {i} ✓"})


def test_entries_are_canonical_json_with_position(vault: Vault) -> None:
    log = vault.log("case-x")
    fill(vault, log, 2)
    first = log.entries()[0]
    assert first.data.startswith('{"action":"test.event","by":"tester","index":0,"log":"case-x"')
    assert "✓" in first.data  # UTF-8, not escaped
    assert first.leaf_hash == merkle.leaf_hash(first.data.encode()).hex()
    with pytest.raises(TypeError, match="no floats"):
        canonical_json({"x": 1.5})
    assert canonical_json({"b": 1, "a": [True, None]}) == b'{"a":[true,null],"b":1}'


def test_each_seal_signs_size_and_root(vault: Vault) -> None:
    log = vault.log("case-x")
    assert log.seal(vault.signer) is None  # nothing to sign
    fill(vault, log, 5)
    head = log.seal(vault.signer)
    assert head is not None and head.tree_size == 5
    assert log.seal(vault.signer) is None  # nothing new
    root = merkle.root_from_leaf_hashes(log.leaf_hashes())
    assert head.root_hash == root.hex()
    message = head_message("case-x", 5, head.root_hash, head_timestamp(head))
    assert vault.verifier.is_valid(message, bytes.fromhex(head.signature))
    forged = head_message("case-x", 6, head.root_hash, head_timestamp(head))
    assert not vault.verifier.is_valid(forged, bytes.fromhex(head.signature))


def test_inclusion_proof_for_every_entry_against_the_signed_head(vault: Vault) -> None:
    log = vault.log("case-y")
    fill(vault, log, 13)
    head = log.seal(vault.signer)
    assert head is not None
    root = bytes.fromhex(head.root_hash)
    for entry in log.entries():
        proof = log.inclusion_proof(entry.index, head.tree_size)
        merkle.verify_inclusion(
            merkle.leaf_hash(entry.data.encode()), entry.index, head.tree_size, proof, root
        )
    other = log.entries()[3]
    with pytest.raises(ProofError):
        merkle.verify_inclusion(
            merkle.leaf_hash(other.data.encode() + b" "),
            3,
            head.tree_size,
            log.inclusion_proof(3, head.tree_size),
            root,
        )


def test_consistency_between_every_pair_of_heads(vault: Vault) -> None:
    log = vault.log("case-z")
    for batch in (1, 2, 5, 1, 9):
        fill(vault, log, batch)
        log.seal(vault.signer)
    heads = log.heads()
    assert [h.tree_size for h in heads] == [1, 3, 8, 9, 18]
    for i, old in enumerate(heads):
        for new in heads[i:]:
            proof = log.consistency_proof(old.tree_size, new.tree_size)
            merkle.verify_consistency(
                old.tree_size,
                new.tree_size,
                bytes.fromhex(old.root_hash),
                bytes.fromhex(new.root_hash),
                proof,
            )


def test_logs_are_independent(vault: Vault) -> None:
    a, b = vault.log("case-a"), vault.log("case-b")
    fill(vault, a, 3)
    fill(vault, b, 1)
    assert [e.index for e in a.entries()] == [0, 1, 2]
    assert [e.index for e in b.entries()] == [0]
    assert vault.seal_all() == 2
    assert vault.seal_all() == 0


def test_a_seal_reads_only_the_entries_since_the_last_head(vault: Vault) -> None:
    """Heads carry their frontier; one whose frontier was tampered with is not trusted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onrecord.vault.models import TreeHead

    log = vault.log("case-f")
    sizes = [1, 2, 3, 7, 8, 9, 30, 64, 65]
    for size in sizes:
        fill(vault, log, size - log.size())
        head = log.seal(vault.signer)
        assert head is not None and head.tree_size == size
        assert head.root_hash == merkle.root_from_leaf_hashes(log.leaf_hashes()).hex()
    fill(vault, log, 3)
    with CaptureQueriesContext(connection) as queries:
        head = log.seal(vault.signer)
    assert head is not None and head.tree_size == 68
    reads = [q["sql"] for q in queries.captured_queries if "leaf_hash" in q["sql"]]
    assert len(reads) == 1 and "65" in reads[0]  # only entries from index 65 on

    TreeHead.objects.filter(pk=head.pk).update(frontier="00" * 32)  # not its root: ignored
    fill(vault, log, 2)
    head = log.seal(vault.signer)
    assert head is not None and head.tree_size == 70
    assert head.root_hash == merkle.root_from_leaf_hashes(log.leaf_hashes()).hex()
