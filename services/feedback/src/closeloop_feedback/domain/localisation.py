"""Customer-facing words in Simplified Chinese and English: subjects, decision and clock
labels, the survey page and its messages. Templates get their text from here, so both
languages always cover the same keys (a unit test checks it)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from closeloop_feedback.domain.notices import Language, Template

ZH, EN = Language.zh_cn, Language.en

SUBJECTS: dict[Language, dict[Template, str]] = {
    ZH: {
        Template.acknowledged: "我们已受理您的投诉 {ref}",
        Template.in_progress: "您的投诉 {ref} 正在处理中",
        Template.awaiting_customer: "关于您的投诉 {ref}，我们需要您的协助",
        Template.delayed: "您的投诉 {ref} 处理延迟说明",
        Template.extended: "您的投诉 {ref} 处理期限延长说明",
        Template.resolved: "您的投诉 {ref} 处理结果",
        Template.reopened: "您的投诉 {ref} 已重新处理",
        Template.survey: "请评价投诉 {ref} 的处理结果",
        Template.survey_reminder: "提醒：请评价投诉 {ref} 的处理结果",
    },
    EN: {
        Template.acknowledged: "We have received your complaint {ref}",
        Template.in_progress: "Your complaint {ref} is being handled",
        Template.awaiting_customer: "Your complaint {ref}: we need your help",
        Template.delayed: "Your complaint {ref} is delayed",
        Template.extended: "Your complaint {ref}: time limit extended",
        Template.resolved: "The decision on your complaint {ref}",
        Template.reopened: "Your complaint {ref} is being handled again",
        Template.survey: "How did we handle your complaint {ref}?",
        Template.survey_reminder: "Reminder: how did we handle your complaint {ref}?",
    },
}

OUTCOMES: dict[Language, dict[str, str]] = {
    ZH: {"upheld": "投诉成立", "partially_upheld": "投诉部分成立", "rejected": "投诉不成立"},
    EN: {"upheld": "upheld", "partially_upheld": "partially upheld", "rejected": "not upheld"},
}

CLOCKS: dict[Language, dict[str, str]] = {
    ZH: {
        "first_response": "首次响应",
        "initial_solution": "初步处理方案",
        "resolution": "处理完成",
        "result_feedback": "结果反馈",
    },
    EN: {
        "first_response": "first response",
        "initial_solution": "initial solution",
        "resolution": "resolution",
        "result_feedback": "result feedback",
    },
}

SURVEY_PAGE: dict[Language, dict[str, str]] = {
    ZH: {
        "title": "投诉处理满意度回访",
        "intro": "感谢您的耐心。请告诉我们您对投诉 {ref} 处理结果的看法。",
        "score": "您对处理结果的满意程度（1 = 非常不满意，5 = 非常满意）",
        "solved": "您的问题解决了吗？",
        "yes": "已解决",
        "no": "未解决",
        "comment": "其他意见或建议（选填）",
        "submit": "提交评价",
        "expires": "此链接有效期至 {when}，仅可提交一次。",
        "thanks_title": "感谢您的评价",
        "thanks": "我们已收到您的评价。感谢您帮助我们改进服务。",
        "thanks_unhappy": "很抱歉未能让您满意。我们将重新处理您的投诉，并尽快与您联系。",
        "errors": "请修正以下问题：",
        "switch": "English",
        "error_title": "无法使用此链接",
    },
    EN: {
        "title": "Satisfaction callback",
        "intro": "Thank you for your patience. Please tell us what you think of how we "
        "handled your complaint {ref}.",
        "score": "How satisfied are you with the result? (1 = very dissatisfied, "
        "5 = very satisfied)",
        "solved": "Was your problem solved?",
        "yes": "Yes",
        "no": "No",
        "comment": "Anything else you would like to tell us (optional)",
        "submit": "Send my answer",
        "expires": "This link works until {when} and can be used once.",
        "thanks_title": "Thank you for your answer",
        "thanks": "We have received your answer. Thank you for helping us improve.",
        "thanks_unhappy": "We are sorry we did not satisfy you. We will handle your "
        "complaint again and contact you soon.",
        "errors": "Please correct the following:",
        "switch": "中文",
        "error_title": "This link cannot be used",
    },
}

# Messages for refused survey links and answers, by problem code.
PROBLEMS: dict[Language, dict[str, str]] = {
    ZH: {
        "malformed": "链接无效，请检查是否完整复制。",
        "forged": "链接无效或已被修改。",
        "expired": "此评价链接已过期。",
        "answered": "此评价已提交，每个链接只能使用一次。",
        "cancelled": "此评价已失效，因为您的投诉正在重新处理。",
        "unknown": "找不到此评价。",
        "rate_limited": "提交过于频繁，请稍后再试。",
        "score": "请选择 1 到 5 分。",
        "solved": "请选择问题是否已解决。",
        "comment": "意见不能超过 2000 字。",
    },
    EN: {
        "malformed": "This link is not valid; please check it was copied completely.",
        "forged": "This link is not valid or has been altered.",
        "expired": "This survey link has expired.",
        "answered": "This survey was already answered; each link can be used once.",
        "cancelled": "This survey no longer applies because your complaint is being handled again.",
        "unknown": "This survey does not exist.",
        "rate_limited": "Too many attempts; please try again shortly.",
        "score": "Please choose a score from 1 to 5.",
        "solved": "Please say whether your problem was solved.",
        "comment": "The comment must be at most 2000 characters.",
    },
}


def subject_for(template: Template, language: Language, reference: str) -> str:
    """The localised subject line of a notice about complaint ``reference``."""
    return SUBJECTS[language][template].format(ref=reference)


def outcome_label(outcome: str, language: Language) -> str:
    """The decision in words (an unknown outcome is shown as given)."""
    return OUTCOMES[language].get(outcome, outcome)


def clock_label(clock: str, language: Language) -> str:
    """A time limit in words (an unknown clock is shown as given)."""
    return CLOCKS[language].get(clock, clock.replace("_", " "))


def format_instant(at: datetime, language: Language, tz: tzinfo) -> str:
    """A date and time in the customer's language, in the service's time zone."""
    local = at.astimezone(tz)
    offset = local.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    if language is Language.zh_cn:
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（{zone}）"
    return f"{local:%d %b %Y %H:%M} ({zone})"
