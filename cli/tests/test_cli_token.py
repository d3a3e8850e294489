import subprocess
import sys

import pytest

from closeloop_cli.main import main
from closeloop_shared.auth import TokenVerifier
from closeloop_shared.settings import ServiceSettings


def test_token_command_prints_a_token_services_accept(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--role", "department", "--dept", "billing", "--sub", "amy"]) == 0
    token = capsys.readouterr().out.strip()
    principal = TokenVerifier(ServiceSettings()).verify(token)
    assert principal.sub == "amy"
    assert principal.departments == {"billing"}
    assert not principal.can_read_pii


def test_console_script_is_installed() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "closeloop_cli.main", "token", "--role", "agent"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.count(".") == 2
