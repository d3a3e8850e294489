"""Fault injection: nothing lost and nothing duplicated while parts of the system fail.

The stack runs two replicas of every service. A generator submits complaints at a bounded
rate over loopback, spread over the intake replicas (retrying on the next replica with the
same ``Idempotency-Key`` while one is down, as a client behind a load balancer would; a 201
counts as acknowledged), then acknowledges each (which mails the customer), while the faults
of a profile are injected one at a time under that load:

- ``services``: kill -9 each replica of each service in turn and restart it;
- ``infra``: kill -9 the Kafka broker, then the database server, and restart each.

The verdict is per stage (see ``fault_verdict``): created once, routed once, clocks armed
once, each customer e-mail in the sink once, one audit entry per event produced, audit
verification ok, no DLQ record unexplained; with the recovery time of every kill.

    uv run python -m bench.faults --scale 1.0      # 5,000 complaints per profile at 50/s

The CI profile (tests/e2e/test_e2e_faults.py) runs the same campaign with a few hundred.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.fault_stack import Say, bearer, replica_urls, start_stack
from bench.fault_stages import judge_stages
from bench.fault_tally import tally
from bench.fault_verdict import (
    CampaignReport,
    FaultRecord,
    count_in_intake,
    dead_letters,
    get_any,
    settle,
    unexpected,
)
from closeloop_devstack.stack import Stack
from closeloop_shared.auth import Role

FULL_SCALE = 5_000  # complaints per profile at --scale 1.0
FULL_RATE = 50.0  # complaints per second at full scale
REPLICAS = 2  # processes of each service
PROFILES = ("services", "infra")
VOICE_CHANNELS = ("phone", "walk_in")  # answered by SMS or a call, never by e-mail


def profile_faults(profile: str, stack: Stack) -> tuple[str, ...]:
    """The faults of ``profile`` on ``stack``: every service replica, or broker and database."""
    if profile == "services":
        return tuple(f"kill:{name}" for name in stack.services)
    if profile == "infra":
        return ("kill:kafka", "kill:mongo")
    raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")


# --- the generator -----------------------------------------------------------------------


CHANNELS = ("web", "phone", "email", "wechat", "walk_in")


def channel_of(seq: int) -> str:
    """The channel complaint ``seq`` arrives on."""
    return CHANNELS[seq % len(CHANNELS)]


def mail_address(run_id: str, seq: int) -> str:
    """The customer address of complaint ``seq`` of one run (unique across runs)."""
    return f"fault{seq}.{run_id}@example.com"


def complaint_body(run_id: str, seq: int) -> dict[str, Any]:
    """A valid complaint whose description carries ``[run_id#seq]`` to find it again."""
    return {
        "channel": channel_of(seq),
        "kind": "complaint",
        "customer": {
            "name": f"客户{seq}",
            "phone": f"+86139{seq % 100_000_000:08d}",
            "email": mail_address(run_id, seq),
        },
        "description": f"[{run_id}#{seq}] 账单重复扣费两次",
        "demand": "退还重复扣款",
        "category": "billing",
        "received_by": f"agent-{seq % 7:03d}",
    }


@dataclass
class Submission:
    """One complaint the generator submitted, and what became of it."""

    seq: int
    key: str
    complaint_id: str | None = None
    acknowledged: bool = False  # the agent's acknowledgement was applied (a mail is due)
    created_at: float | None = None  # monotonic time of the 201
    attempts: int = 0
    error: str | None = None


@dataclass
class Generator:
    """Submits ``count`` complaints at ``rate`` per second over the intake replicas, each
    until it is acknowledged, then acknowledges it as an agent would."""

    intake_urls: list[str]
    run_id: str
    count: int
    rate: float
    give_up_s: float = 240.0
    submissions: list[Submission] = field(default_factory=list)
    # Submission number -> event that must be set before it is submitted (see fault_gates).
    gates: dict[int, asyncio.Event] = field(default_factory=dict)
    _progress: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def started(self) -> int:
        """How many submissions have begun."""
        return len(self.submissions)

    async def reached(self, started: int) -> None:
        """Return once ``started`` submissions (or all of them) have begun."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.started >= min(started, self.count))

    async def run(self) -> list[Submission]:
        """Submit everything; returns when each submission is acknowledged or given up."""
        headers = {"Authorization": bearer(Role.channel, sub="fault-generator")}
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10.0) as client:
            tasks = []
            next_at = time.monotonic()
            for seq in range(self.count):
                if seq in self.gates:
                    await self.gates[seq].wait()
                    next_at = max(next_at, time.monotonic())  # no burst after a wait
                if next_at > time.monotonic():
                    await asyncio.sleep(next_at - time.monotonic())
                next_at += 1 / self.rate
                sub = Submission(seq, f"{self.run_id}-{seq}")
                async with self._progress:
                    self.submissions.append(sub)
                    self._progress.notify_all()
                tasks.append(asyncio.create_task(self._submit(client, sub)))
            await asyncio.gather(*tasks)
        return self.submissions

    def _url(self, sub: Submission, attempt: int) -> str:
        """Round robin over the intake replicas; a retry goes to the next one."""
        return self.intake_urls[(sub.seq + attempt) % len(self.intake_urls)]

    async def _submit(self, client: httpx.AsyncClient, sub: Submission) -> None:
        body = complaint_body(self.run_id, sub.seq)
        deadline = time.monotonic() + self.give_up_s
        pause = 0.2
        while time.monotonic() < deadline and sub.complaint_id is None:
            sub.attempts += 1
            try:
                reply = await client.post(
                    f"{self._url(sub, sub.attempts)}/v1/complaints",
                    json=body,
                    headers={"Idempotency-Key": sub.key},
                )
            except httpx.HTTPError as exc:
                sub.error = f"{type(exc).__name__}"
            else:
                if reply.status_code == 201:
                    sub.complaint_id, sub.error = reply.json()["id"], None
                    sub.created_at = time.monotonic()
                    break
                sub.error = f"HTTP {reply.status_code}: {reply.text[:200]}"
                if reply.status_code < 500 and reply.status_code != 429:
                    return  # the request itself is wrong: retrying cannot help
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 1.5)
        if sub.complaint_id is not None:
            await self._acknowledge(client, sub, deadline)

    async def _acknowledge(
        self, client: httpx.AsyncClient, sub: Submission, deadline: float
    ) -> None:
        """Acknowledge the complaint (retrying while a replica or the database is down). A
        409 after a failed attempt means that attempt was applied after all."""
        headers = {"Authorization": bearer(Role.admin, sub="fault-agent")}
        pause, tries = 0.2, 0
        while time.monotonic() < deadline:
            tries += 1
            url = f"{self._url(sub, sub.attempts + tries)}/v1/complaints/{sub.complaint_id}"
            try:
                reply = await client.post(f"{url}/acknowledge", headers=headers)
            except httpx.HTTPError as exc:
                sub.error = f"acknowledge: {type(exc).__name__}"
            else:
                if reply.status_code == 200 or (reply.status_code == 409 and tries > 1):
                    sub.acknowledged, sub.error = True, None
                    return
                sub.error = f"acknowledge: HTTP {reply.status_code}: {reply.text[:200]}"
                if reply.status_code < 500 and reply.status_code != 429:
                    return
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 1.5)


# --- the faults --------------------------------------------------------------------------


async def wait_all_ready(stack: Stack, within: float = 180.0) -> list[str]:
    """Wait until every replica answers /readyz; restart any that exited (returned)."""
    exited: list[str] = []
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        for name, svc in stack.services.items():
            while True:
                if not svc.is_running():
                    exited.append(name)
                    await asyncio.to_thread(stack.restart, name, 120.0)
                try:
                    if (await client.get(f"{svc.url}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not ready again:\n{svc.log_tail()}")
                await asyncio.sleep(0.3)
    return exited


def thresholds(count: int, faults: int) -> list[int]:
    """Submission numbers at which the faults are injected, evenly spread."""
    return [(i + 1) * count // (faults + 1) for i in range(faults)]


def open_gates(generator: Generator) -> None:
    """Release every gate (once injecting ended, even by failing: never hold forever)."""
    for gate in generator.gates.values():
        gate.set()


def fault_gates(count: int, faults: int) -> dict[int, asyncio.Event]:
    """Gates that hold the generator just after each threshold until that fault has been
    injected, so that every fault strikes while complaints are still being submitted even
    when an earlier recovery took longer than planned."""
    return {t + 1: asyncio.Event() for t in thresholds(count, faults)}


async def inject(stack: Stack, fault: str, *, broken: asyncio.Event, down_s: float = 2.0) -> None:
    """SIGKILL one component (``kill:<replica>``, ``kill:kafka``, ``kill:mongo``), set
    ``broken``, leave it down a moment (long enough for every client to notice) and start
    it again on the same ports and data."""
    _verb, name = fault.split(":", 1)
    component = stack.component(name)
    await asyncio.to_thread(component.kill)
    broken.set()
    await asyncio.sleep(0.5 if name in stack.services else down_s)
    await asyncio.to_thread(component.start, 120.0)


async def first_routed_after(
    stack: Stack, generator: Generator, since: float, *, within: float = 180.0
) -> float | None:
    """Seconds from ``since`` until a complaint created after that moment has been routed
    (the pipeline progresses again); None when none was within ``within`` seconds."""
    deadline = time.monotonic() + within
    headers = {"Authorization": bearer(Role.admin, sub="fault-verifier")}
    async with httpx.AsyncClient(headers=headers, timeout=5.0) as client:
        while time.monotonic() < deadline:
            ids = [
                s.complaint_id
                for s in generator.submissions
                if s.complaint_id and s.created_at is not None and s.created_at > since
            ]
            for cid in ids[:3]:
                try:
                    reply = await get_any(client, stack, "routing", f"/v1/routing/complaints/{cid}")
                except httpx.HTTPError:
                    continue
                if reply.status_code == 200:
                    return round(time.monotonic() - since, 1)
            await asyncio.sleep(0.2)
    return None


async def inject_while(
    stack: Stack, generator: Generator, faults: Sequence[str], say: Say
) -> list[FaultRecord]:
    """Inject ``faults`` one at a time, spread evenly over the generator's submissions, and
    time each recovery."""
    records = []
    for threshold, fault in zip(thresholds(generator.count, len(faults)), faults, strict=True):
        await generator.reached(threshold)
        at = generator.started
        say(f"fault {fault} at {at} submitted")
        broken = generator.gates.get(threshold + 1, asyncio.Event())
        began = time.monotonic()
        # Watched from the kill on: with a second replica the pipeline may progress before
        # the killed one is back.
        progress = asyncio.create_task(first_routed_after(stack, generator, began))
        await inject(stack, fault, broken=broken)
        exited = await wait_all_ready(stack)
        recovered = time.monotonic() - began
        progressing = await progress
        notes = [f"services that exited and were restarted: {exited}"] if exited else []
        if at >= generator.count:
            notes.append("injected after the generator had submitted everything")
        records.append(FaultRecord(fault, at, round(recovered, 1), progressing, "; ".join(notes)))
        say(
            f"fault {fault}: ready again after {recovered:.1f} s, progressing after {progressing} s"
        )
    return records


async def run_campaign(
    stack: Stack,
    *,
    profile: str,
    count: int,
    rate: float,
    say: Say = print,
    settle_s: float = 240.0,
) -> CampaignReport:
    """Submit ``count`` complaints while injecting ``profile``'s faults; check the promises."""
    began = time.monotonic()
    run_id = f"{profile}-{int(time.time())}"
    report = CampaignReport(profile, run_id)
    faults = profile_faults(profile, stack)
    say(f"{profile}: {count} complaints at {rate:.1f}/s, faults {', '.join(faults)}")
    generator = Generator(replica_urls(stack, "intake"), run_id, count, rate)
    generator.gates = fault_gates(count, len(faults))
    injecting = asyncio.create_task(inject_while(stack, generator, faults, say))
    injecting.add_done_callback(lambda _: open_gates(generator))
    submissions = await generator.run()
    report.faults = await injecting
    report.faults_injected = len(report.faults)
    report.problems += [f"fault {f.fault}: {f.note}" for f in report.faults if f.note]
    await wait_all_ready(stack)
    acked = [s for s in submissions if s.complaint_id]
    report.submitted, report.acknowledged = len(submissions), len(acked)
    report.retried = sum(1 for s in submissions if s.attempts > 1)
    report.problems += [
        f"never acknowledged #{s.seq}: {s.error}"
        for s in submissions
        if not (s.complaint_id and s.acknowledged)
    ]
    say(f"{report.acknowledged}/{report.submitted} acknowledged; checking every complaint")
    clocks: dict[str, list[str]] = {}
    outstanding = await settle(
        stack,
        [s.complaint_id for s in acked if s.complaint_id],
        within=settle_s,
        say=say,
        clocks=clocks,
    )
    markers = await count_in_intake(stack, run_id)
    acked_markers = {f"[{run_id}#{s.seq}]" for s in acked}
    report.found = sum(1 for m in acked_markers if markers.get(m))
    report.duplicates = sum(n - 1 for n in markers.values() if n > 1)
    report.losses = report.acknowledged - report.found
    report.problems += [p for problems in outstanding.values() for p in problems][:50]
    mails = {
        mail_address(run_id, s.seq): 0 if channel_of(s.seq) in VOICE_CHANNELS else 1
        for s in acked
        if s.acknowledged
    }
    report.add_stage("created", tally(markers, dict.fromkeys(acked_markers, 1), "complaint"))
    await judge_stages(
        stack,
        report,
        complaint_ids=[s.complaint_id for s in acked if s.complaint_id],
        clocks=clocks,
        mails=mails,
        within=settle_s,
        say=say,
    )
    bad_letters = unexpected(await dead_letters(f"127.0.0.1:{stack.config.kafka_port}"))
    report.unexpected_dead_letters = len(bad_letters)
    report.problems += [
        f"dead letter on {d['topic']}: {d.get('ce_type')} {d.get('x-dlq-error', '')[:300]}"
        for d in bad_letters[:20]
    ]
    report.seconds = round(time.monotonic() - began, 1)
    return report


# --- make bench --------------------------------------------------------------------------


def run(scale: float = 1.0, *, say: Say = print, rate: float | None = None) -> dict[str, Any]:
    """Both profiles at ``scale`` (1.0 = 5,000 complaints each at 50/s), each on a fresh
    stack of two replicas per service."""
    count = max(50, int(FULL_SCALE * scale))
    per_second = rate or max(5.0, FULL_RATE * min(1.0, scale * 10))
    results: dict[str, Any] = {
        "complaints_per_profile": count,
        "rate_per_s": per_second,
        "replicas": REPLICAS,
    }
    for profile in PROFILES:
        with tempfile.TemporaryDirectory(prefix=f"closeloop-faults-{profile}-") as tmp:
            stack = start_stack(Path(tmp), say=say, replicas=REPLICAS)
            try:
                report = asyncio.run(
                    run_campaign(stack, profile=profile, count=count, rate=per_second, say=say)
                )
            finally:
                stack.stop()
        results[profile] = report.to_dict()
        say(summary(report))
    return results


def summary(report: CampaignReport) -> str:
    """One paragraph of a campaign's figures."""
    kills = ", ".join(f"{f.fault} {f.recovered_s}/{f.progressing_s} s" for f in report.faults)
    stages = ", ".join(
        f"{name} lost {v['lost']} duplicated {v['duplicated']} of {v['expected']}"
        for name, v in report.stages.items()
    )
    return (
        f"{report.profile}: submitted {report.submitted}, acknowledged {report.acknowledged}, "
        f"found {report.found}, duplicates {report.duplicates}, losses {report.losses}, "
        f"kills {report.faults_injected} (ready/progressing: {kills}); {stages}; "
        f"audit entries {report.audit_entries} of {report.events_produced} events, "
        f"verify ok {report.audit_verify_ok}; problems {len(report.problems)}; "
        f"{report.seconds} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.faults``: print the results; exit 1 if a promise was broken."""
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 5,000 complaints")
    parser.add_argument("--rate", type=float, default=None, help="complaints per second")
    args = parser.parse_args(argv)
    results = run(args.scale, rate=args.rate)
    print(json.dumps(results, indent=2, default=str))
    clean = all(not results[p]["problems"] for p in PROFILES)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
