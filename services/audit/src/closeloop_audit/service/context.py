"""Everything the audit service's entry points use, built once in ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_audit.adapters.checkpoint_store import CheckpointStore
from closeloop_audit.adapters.entry_store import EntryStore
from closeloop_audit.adapters.log_reader import Client, open_client
from closeloop_audit.adapters.signing import CheckpointSigner
from closeloop_audit.config import AuditSettings
from closeloop_audit.service.checkpointer import Checkpointer
from closeloop_audit.service.log_writer import LogWriter
from closeloop_audit.service.proofs import Prover
from closeloop_audit.service.verifier import Verifier
from closeloop_shared.crypto import Sealer
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.mongo import Document


@dataclass
class AuditContext:
    """The audit log's stores and services."""

    settings: AuditSettings
    entries: EntryStore
    checkpoints: CheckpointStore
    signer: CheckpointSigner
    writer: LogWriter
    checkpointer: Checkpointer
    prover: Prover
    verifier: Verifier
    sync_client: Client

    @classmethod
    def build(
        cls, settings: AuditSettings, db: AsyncDatabase[Document], producer: EventProducer
    ) -> AuditContext:
        """Wire the services on the service's database and producer (nothing connects yet)."""
        entries, checkpoints = EntryStore(db), CheckpointStore(db)
        signer = CheckpointSigner(settings.audit_signing_key)
        writer = LogWriter(entries, checkpoints, Sealer(settings.pii_key))
        checkpointer = Checkpointer(
            writer,
            checkpoints,
            signer,
            producer,
            every=settings.audit_checkpoint_every,
            interval_s=settings.audit_checkpoint_interval_s,
        )
        sync_client = open_client(settings.mongo_uri)  # connects lazily, on first use
        trusted = [signer.public_key_b64, *settings.audit_retired_public_keys]
        verifier = Verifier(
            sync_client,
            settings.database_name,
            trusted_keys=trusted,
            whole_every_s=settings.audit_full_verify_interval_s,
        )
        return cls(
            settings=settings,
            entries=entries,
            checkpoints=checkpoints,
            signer=signer,
            writer=writer,
            checkpointer=checkpointer,
            prover=Prover(entries, checkpoints),
            verifier=verifier,
            sync_client=sync_client,
        )
