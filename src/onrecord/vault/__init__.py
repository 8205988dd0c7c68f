"""The vault: evidence blobs, encryption, the custody log and verification."""
