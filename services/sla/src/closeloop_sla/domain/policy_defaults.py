"""The default SLA policies, straight from requirements R4 (each enterprise configures its own).

=========================  ========================  ==========================  ========
policy (matches)           registration / first      solution                    after
                           response                                              resolution
=========================  ========================  ==========================  ========
feedback (praise,          PT24H 24×7 / —            —                           archive
suggestion)                                                                      only
urgent (severity)          PT15M 24×7 / PT15M 24×7   initial solution P3D        yes
major (severity)           PT24H 24×7 / PT1H 24×7    resolution P5D              yes
complex (severity)         PT24H 24×7 / PT1H         resolution P5D              yes
default (catch-all)        PT24H 24×7 / PT1H         initial solution P3D        yes
=========================  ========================  ==========================  ========

"After resolution" is result feedback PT24H (24×7), satisfaction callback P3D and archive
P7D. Durations without "24×7" count in the ``business`` calendar. Warnings fire at 75 % and
90 % of every limit. Sources: registration ≤ 24 h, urgent immediately (001 篇1 §三1); first
response urgent 15 min / normal 1 h (000 §三(二)2); initial solution 3 working days for
general complaints (001 篇1 §三3); 5 working days for complex (000 §三(二)4) and for the
special procedure of major ones (001 篇1 §三3); archive 7 working days (001 篇1 §三5).
Result feedback (N hours) and satisfaction callback (N working days) have no figure in the
documents; PT24H and P3D are this product's defaults. Intake grades a complaint ``complex``
(several departments involved, a long-running problem) or a caller gives it.
"""

from __future__ import annotations

from closeloop_sla.domain.calendar import ALWAYS_OPEN_NAME
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.policy import (
    AFTER_RESOLUTION_CLOCKS,
    FALLBACK_POLICY,
    PolicyMatch,
    SlaPolicy,
    target,
)

_K = ClockKind
_H24 = ALWAYS_OPEN_NAME

FEEDBACK_POLICY = SlaPolicy(
    id="feedback",
    version=1,
    match=PolicyMatch(kinds=frozenset({"praise", "suggestion"})),
    clocks=(target(_K.REGISTRATION, "PT24H", _H24), target(_K.ARCHIVE, "P7D")),
    priority=40,
    description="praise and suggestions: recorded and archived, no handling clocks",
)

URGENT_POLICY = SlaPolicy(
    id="urgent",
    version=1,
    match=PolicyMatch(severities=frozenset({"urgent"})),
    clocks=(
        target(_K.REGISTRATION, "PT15M", _H24),
        target(_K.FIRST_RESPONSE, "PT15M", _H24),
        target(_K.INITIAL_SOLUTION, "P3D"),
        *AFTER_RESOLUTION_CLOCKS,
    ),
    priority=30,
    description="urgent: registered and answered within 15 minutes, day and night",
)

MAJOR_POLICY = SlaPolicy(
    id="major",
    version=1,
    match=PolicyMatch(severities=frozenset({"major"})),
    clocks=(
        target(_K.REGISTRATION, "PT24H", _H24),
        target(_K.FIRST_RESPONSE, "PT1H", _H24),
        target(_K.RESOLUTION, "P5D"),
        *AFTER_RESOLUTION_CLOCKS,
    ),
    priority=20,
    description="major: special procedure within 5 working days, first response any hour",
)

COMPLEX_POLICY = SlaPolicy(
    id="complex",
    version=1,
    match=PolicyMatch(severities=frozenset({"complex"})),
    clocks=(
        target(_K.REGISTRATION, "PT24H", _H24),
        target(_K.FIRST_RESPONSE, "PT1H"),
        target(_K.RESOLUTION, "P5D"),
        *AFTER_RESOLUTION_CLOCKS,
    ),
    priority=20,
    description="complex: solved within 5 working days; if late the customer is told why",
)

DEFAULT_POLICIES: tuple[SlaPolicy, ...] = (
    FEEDBACK_POLICY,
    URGENT_POLICY,
    MAJOR_POLICY,
    COMPLEX_POLICY,
    FALLBACK_POLICY,
)
