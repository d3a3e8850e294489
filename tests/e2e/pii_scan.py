"""The PII scan: every record of every topic (the DLQs included) and every service's log,
searched for personal data the test planted. Any hit is a finding naming where it was."""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from e2e_env import E2E, read_topic

from closeloop_shared.topics import all_topics

_SEPARATORS = re.compile(r"[\s\-()]")


@dataclass(frozen=True)
class Finding:
    where: str
    datum: str


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def readable(raw: bytes) -> str:
    """The bytes as text, plus the strings inside if it is JSON (so escaped non-ASCII
    characters are searched decoded too)."""
    text = raw.decode("utf-8", "replace")
    try:
        return text + "\n" + "\n".join(_strings(json.loads(text)))
    except ValueError:
        return text


def forms(datum: str) -> set[str]:
    """The forms a datum may take in text: as planted, and numbers without separators."""
    compact = _SEPARATORS.sub("", datum)
    return {datum, compact} if compact.lstrip("+").isdigit() else {datum}


def find_planted(sources: Iterable[tuple[str, str]], planted: Iterable[str]) -> list[Finding]:
    """Each (where, datum) pair such that a form of ``datum`` occurs in the text at ``where``."""
    wanted = [(datum, forms(datum)) for datum in planted]
    found = []
    for where, text in sources:
        folded = text.casefold()
        for datum, variants in wanted:
            if any(v.casefold() in folded for v in variants):
                found.append(Finding(where, datum))
    return found


def record_text(record: ConsumerRecord) -> str:
    parts = [readable(record.value or b""), readable(record.key or b"")]
    parts.extend(f"{k}={readable(v or b'')}" for k, v in record.headers or ())
    return "\n".join(parts)


async def topic_sources(bootstrap: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(where, text) of every record of every topic, DLQs included; and the topics read."""
    sources, names = [], []
    for spec in all_topics():
        names.append(spec.name)
        for record in await read_topic(bootstrap, spec.name, within=20.0):
            where = f"topic {spec.name} partition {record.partition} offset {record.offset}"
            sources.append((where, record_text(record)))
    return sources, names


def log_sources(e2e: E2E) -> list[tuple[str, str]]:
    """(where, text) of each line of every service's log."""
    sources: list[tuple[str, str]] = []
    for name, service in e2e.stack.services.items():
        text = service.log_path.read_text(encoding="utf-8", errors="replace")
        sources.extend((f"log {name} line {n}", line) for n, line in enumerate(text.splitlines()))
    return sources


# --- planting ------------------------------------------------------------------------------

_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: random.Random) -> str:
    """A random 18-character Chinese resident ID with a valid check character."""
    body = f"{rng.choice(['110105', '310104', '440305'])}19{rng.randrange(50, 99)}"
    body += f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(100, 999)}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _CN_ID_WEIGHTS, strict=True)) % 11]
    return body + check


def card_number(rng: random.Random) -> str:
    """A random 16-digit card number that passes the Luhn check, written in groups of 4."""
    digits = [6, 2, 2, 2] + [rng.randrange(10) for _ in range(11)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += (d * 2 - 9 if d > 4 else d * 2) if i % 2 == 0 else d
    number = "".join(map(str, digits)) + str((10 - total % 10) % 10)
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class PlantedPerson:
    """Unique personal data of one run, and texts full of it."""

    name: str
    resident_id: str
    mobile: str
    landline: str
    international: str
    card: str
    email: str
    other_email: str
    street: str
    english_street: str

    @classmethod
    def make(cls, seed: int) -> PlantedPerson:
        rng = random.Random(seed)
        letters = "".join(rng.choice(string.ascii_lowercase) for _ in range(6))
        return cls(
            name="欧阳" + rng.choice("娜燕梅丽华") + rng.choice("明亮静婷"),
            resident_id=resident_id(rng),
            mobile=f"139{rng.randrange(10**8):08d}",
            landline=f"010-{rng.randrange(10**7, 10**8)}",
            international=f"+44 20 7946 {rng.randrange(1000, 9999)}",
            card=card_number(rng),
            email=f"op.{letters}@mail.example.cn",
            other_email=f"j.{letters}@post.example.org",
            street=f"朝阳区建国路{rng.randrange(100, 999)}号",
            english_street=f"{rng.randrange(100, 999)} Aldwych{letters} Street",
        )

    @property
    def chinese_text(self) -> str:
        return (
            f"我叫{self.name}，身份证号{self.resident_id}，住在北京市{self.street}3号楼1502室，"
            f"手机{self.mobile}，座机{self.landline}，银行卡{self.card}被重复扣费两次，"
            f"请发邮件到{self.email}联系我。"
        )

    @property
    def english_text(self) -> str:
        return (
            f"Call me on {self.international} "
            f"or write to {self.other_email}; I live at {self.english_street}, London."
        )

    @property
    def data(self) -> list[str]:
        """Every datum that must never appear on a topic or in a log."""
        return [
            self.name,
            self.resident_id,
            self.mobile,
            self.landline,
            self.international,
            self.card,
            self.email,
            self.other_email,
            self.street,
            self.english_street,
        ]
