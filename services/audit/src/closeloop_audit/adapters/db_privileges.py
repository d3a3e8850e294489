"""The database user of the audit service: insert and find, nothing else.

The service never updates or deletes, so its user should not be able to either; then even
a compromised audit process cannot rewrite history, only append to it. SecantusDB (like
MongoDB) supports custom roles with ``createRole`` and SCRAM users with ``createUser``.
Privileges are granted per database there: a ``collection`` in the resource is accepted but
not enforced, so the role covers every collection of the audit database (which holds only
the log and its checkpoints).

Run :func:`ensure_append_only_user` once with an administrative connection (deployment
step), then give the service a ``CLOSELOOP_MONGO_URI`` with that user's credentials.
"""

from __future__ import annotations

from typing import Any

from pymongo import MongoClient

APPEND_ONLY_ROLE = "closeloopAuditAppender"
# find/insert for the log; createIndex/listIndexes so start-up can declare its indexes;
# createCollection because the first insert creates a collection; killCursors to close
# abandoned cursors. No update, remove, drop*, renameCollection, collMod.
APPEND_ONLY_ACTIONS = (
    "find",
    "insert",
    "createIndex",
    "listIndexes",
    "listCollections",
    "createCollection",
    "killCursors",
)


def append_only_privileges(db_name: str) -> list[dict[str, Any]]:
    """The role's privileges on the audit database."""
    return [{"resource": {"db": db_name, "collection": ""}, "actions": list(APPEND_ONLY_ACTIONS)}]


def ensure_append_only_user(
    client: MongoClient[dict[str, Any]], db_name: str, user: str, password: str
) -> None:
    """Create (or reset) the append-only role and a user holding only that role."""
    db = client[db_name]
    privileges = append_only_privileges(db_name)
    if db.command("rolesInfo", APPEND_ONLY_ROLE)["roles"]:
        db.command("updateRole", APPEND_ONLY_ROLE, privileges=privileges, roles=[])
    else:
        db.command("createRole", APPEND_ONLY_ROLE, privileges=privileges, roles=[])
    roles = [{"role": APPEND_ONLY_ROLE, "db": db_name}]
    if db.command("usersInfo", user)["users"]:
        db.command("updateUser", user, pwd=password, roles=roles)
    else:
        db.command("createUser", user, pwd=password, roles=roles)
