"""Application services of the audit log: appending, checkpoints, proofs, verification."""
