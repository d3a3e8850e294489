"""The "callback task" provider: instead of a machine sending the message, an agent phones
the customer. The task holds the script to read; the phone number is not copied into it
(it stays sealed in the complaint record and is opened only for an agent allowed to read it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_feedback.adapters.providers import OutgoingMessage
from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_shared.mongo import Document, IndexSpec

COLLECTION = "callback_tasks"
INDEXES = [IndexSpec(COLLECTION, [("status", 1), ("created_at", 1)])]


class CallbackTasks:
    """Open and completed phone callback tasks."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[COLLECTION]

    async def create(self, message: OutgoingMessage, *, at: datetime) -> bool:
        """Create the task for a notification (once: the id is the notification id)."""
        try:
            await self._coll.insert_one(
                {
                    "_id": message.notification_id,
                    "complaint_id": message.complaint_id,
                    "template": message.template.value,
                    "survey_id": message.survey_id,
                    "language": message.language.value,
                    "script": message.text,
                    "status": "open",
                    "created_at": at,
                }
            )
            return True
        except DuplicateKeyError:
            return False

    async def list(self, *, status: str, limit: int) -> list[Document]:
        cursor = self._coll.find({"status": status}).sort("created_at", 1).limit(limit)
        return [doc async for doc in cursor]

    async def get(self, task_id: str) -> Document | None:
        return await self._coll.find_one({"_id": task_id})

    async def complete(self, task_id: str, *, by: str, note_sealed: str, at: datetime) -> bool:
        """Mark an open task done; False if it is unknown or already done."""
        update: dict[str, Any] = {
            "status": "done",
            "done_by": by,
            "done_at": at,
            "note_sealed": note_sealed,
        }
        result = await self._coll.update_one({"_id": task_id, "status": "open"}, {"$set": update})
        return result.modified_count == 1


class CallbackTaskProvider:
    """Delivers a notification by queueing a phone call for an agent."""

    channel = NotifyChannel.phone_callback

    def __init__(self, tasks: CallbackTasks) -> None:
        self._tasks = tasks

    async def send(self, message: OutgoingMessage) -> None:
        await self._tasks.create(message, at=datetime.now(UTC))
