"""The configuration a fresh installation starts with, so complaints route out of the box.

Four departments, each with a supervisor, a leader for major complaints, a special team
and a few agents; rules send complaints by category, with Chinese and English keywords
catching the ones filed under the wrong category. Customer service is the default.
"""

from __future__ import annotations

from typing import Any


def _department(
    dept_id: str, name: str, prefix: str, agents: int, special_team: list[str]
) -> dict[str, Any]:
    return {
        "id": dept_id,
        "name": name,
        "members": [f"{prefix}-agent-{n}" for n in range(1, agents + 1)],
        "supervisor": f"{prefix}-supervisor",
        "leader": f"{prefix}-leader",
        "special_team": special_team,
    }


DEFAULT_DEPARTMENTS: list[dict[str, Any]] = [
    _department("customer_service", "客户服务部", "cs", 3, ["legal-1", "cs-lead-agent"]),
    _department("billing", "账务部", "billing", 2, ["legal-1", "finance-1"]),
    _department("logistics", "物流部", "logistics", 2, ["legal-1", "ops-1"]),
    _department("product_quality", "质量管理部", "quality", 3, ["legal-1", "tech-1"]),
]

DEFAULT_RULE_SET: dict[str, Any] = {
    "version": 1,
    "default_department": "customer_service",
    "rules": [
        {
            "id": "billing-keywords",
            "order": 10,
            "department": "billing",
            "description": "Double charges and refunds, whatever category they were filed in",
            "match": {
                "keywords_any": ["重复扣费", "多扣", "退款", "发票", "double charge", "refund"]
            },
        },
        {
            "id": "billing-charged-twice",
            "order": 15,
            "department": "billing",
            "description": "Charged twice, however it is phrased (criteria of one rule all "
            "have to hold, so the pattern is a rule of its own)",
            "match": {"regex": "扣(了)?(两|2)次|charged (twice|two times)"},
        },
        {
            "id": "billing",
            "order": 20,
            "department": "billing",
            "match": {"categories": ["billing"]},
        },
        {
            "id": "logistics-keywords",
            "order": 30,
            "department": "logistics",
            "description": "Late or lost deliveries",
            "match": {"keywords_any": ["快递", "物流", "配送", "没收到", "delivery", "parcel"]},
        },
        {
            "id": "logistics",
            "order": 40,
            "department": "logistics",
            "match": {"categories": ["delivery"]},
        },
        {
            "id": "product-quality",
            "order": 50,
            "department": "product_quality",
            "match": {"categories": ["product_quality"]},
        },
        {
            "id": "quality-keywords",
            "order": 60,
            "department": "product_quality",
            "description": "Defects described in the text",
            "match": {"keywords_any": ["质量", "坏了", "故障", "defect", "broken"]},
        },
    ],
}
