"""Several replicas per service: each its own port, log and local state, all in one
consumer group (nothing is started here: only the plan of processes is checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from closeloop_devstack.process import DevstackError
from closeloop_devstack.service import SERVICES, port_variable
from closeloop_devstack.stack import Stack, StackConfig, replica_name


def test_two_replicas_each_get_a_port_a_log_and_local_state_of_their_own(tmp_path: Path) -> None:
    config = StackConfig.with_free_ports(tmp_path, replicas=2)
    stack = Stack(config)
    assert list(stack.services) == [replica_name(n, i) for n in SERVICES for i in (1, 2)]
    assert config.replica_names("sla") == ["sla", "sla-2"]
    ports = [svc.port for svc in stack.services.values()]
    assert len(set(ports)) == len(ports) == 2 * len(SERVICES)
    logs = {svc.log_path for svc in stack.services.values()}
    assert len(logs) == len(ports)
    first, second = config.replica_env("sla", 1), config.replica_env("sla", 2)
    assert first[port_variable("sla")] == str(stack.services["sla"].port)
    assert second[port_variable("sla")] == str(stack.services["sla-2"].port)
    # RocksDB locks its folder: two workers cannot share one.
    assert first["CLOSELOOP_SLA_DATA_DIR"] != second["CLOSELOOP_SLA_DATA_DIR"]
    intake_1, intake_2 = config.replica_env("intake", 1), config.replica_env("intake", 2)
    assert intake_1["CLOSELOOP_INTAKE_SMTP_PORT"] != intake_2["CLOSELOOP_INTAKE_SMTP_PORT"]
    # One consumer group per service: nothing that names the group differs.
    for key in ("CLOSELOOP_KAFKA_BOOTSTRAP", "CLOSELOOP_MONGO_URI", "CLOSELOOP_SLA_APP_ID"):
        assert first.get(key) == second.get(key)


def test_one_replica_keeps_the_plain_names(tmp_path: Path) -> None:
    stack = Stack(StackConfig.with_free_ports(tmp_path))
    assert list(stack.services) == list(SERVICES)


def test_replicas_come_from_the_environment_on_fixed_ports(tmp_path: Path) -> None:
    env = {"CLOSELOOP_RUN_DIR": str(tmp_path), "CLOSELOOP_DEVSTACK_REPLICAS": "2"}
    config = StackConfig.from_env(env, services=["intake"])
    assert config.replica_names("intake") == ["intake", "intake-2"]
    assert config.replica_port("intake-2") == config.replica_port("intake") + 100
    with pytest.raises(DevstackError, match="CLOSELOOP_DEVSTACK_REPLICAS"):
        StackConfig.from_env({**env, "CLOSELOOP_DEVSTACK_REPLICAS": "0"})
