import json
import logging

from closeloop_shared.observability.logging import JsonFormatter, redact, redact_text


def test_log_lines_are_json_without_personal_data() -> None:
    record = logging.makeLogRecord(
        {
            "name": "t",
            "levelname": "INFO",
            "levelno": 20,
            "msg": "mail from zw@example.com phone +86 138 0013 8000",
            "customer": {"name": "张伟"},
            "complaint_id": "c-1",
        }
    )
    line = JsonFormatter("intake").format(record)
    out = json.loads(line)
    assert out["service"] == "intake" and out["complaint_id"] == "c-1"
    assert "zw@example.com" not in line and "13800138000" not in line.replace(" ", "")
    assert "张伟" not in line


def test_redaction_of_nested_values() -> None:
    assert redact({"phone": "1"}) == {"phone": "[redacted]"}
    assert redact(["call 13800138000"]) == ["call [phone]"]
    assert redact_text("no personal data here") == "no personal data here"
