"""Personal data found in free text, whoever wrote it and whoever it is about.

Customers write their own and other people's details into descriptions, notes and survey
comments; none of it may reach a topic (DLQs included) or a log line. Detection is by
pattern, confirmed by checksum where the format has one, so that order numbers and other
references that merely look alike stay readable:

- Chinese resident ID numbers: 18 characters, ISO 7064 MOD 11-2 check character;
- bank card numbers: 13-19 digits, Luhn check;
- phone numbers: Chinese mobiles and landlines, ``+``-prefixed international numbers and
  North American numbers written with separators;
- e-mail addresses;
- street addresses: Chinese ones down to the road and house number (路/街/号/室...),
  English ones with a house number and a street type ("221B Baker Street").

Detected data is replaced by a label (``[id]``, ``[card]``, ``[phone]``, ``[email]``,
``[address]``); the original stays sealed where the service keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ID_LABEL, CARD_LABEL, PHONE_LABEL = "[id]", "[card]", "[phone]"
EMAIL_LABEL, ADDRESS_LABEL = "[email]", "[address]"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# Digits inside an identifier such as CMP-20261122-78DE7F40D8 are references, not data:
# every number pattern must stand clear of letters, digits and hyphen-joined words.
# (ASCII classes: ``\w`` would also match Chinese characters, which do sit right next to
# numbers in Chinese text.)
_START = r"(?<![0-9A-Za-z_+-])"
_END = r"(?![0-9A-Za-z_-])"

CN_ID_CANDIDATE = re.compile(_START + r"\d{17}[\dXx]" + _END)
CARD_CANDIDATE = re.compile(_START + r"\d(?:[ -]?\d){12,18}" + _END)
PHONE = re.compile(
    "|".join(
        (
            # Chinese mobile, optionally with +86/0086: 13800138000, +86 138-0013-8000
            _START + r"(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}" + _END,
            # Chinese landline with area code: 010-65529988, (021) 6888 8888, 0755 8765432
            r"(?:\(0\d{2,3}\)\s?|" + _START + r"0\d{2,3}[\s-]?)\d{3,4}[\s-]?\d{4}"
            r"(?:-\d{1,5})?" + _END,
            # International: +44 20 7946 0958, +1 (415) 555-0132, +49-30-901820
            r"\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){1,2}(?:[\s.-]?\d{2,4}){1,4}" + _END,
            # North American with separators: (415) 555-0132, 415-555-0132, 415.555.0132
            r"(?:\(\d{3}\)\s?|" + _START + r"\d{3}[.-])\d{3}[.-]\d{4}" + _END,
        )
    )
)

_CJK = r"\u4e00-\u9fff"
# Words that introduce an address ("我住在", "寄到") are not part of it; place and road names
# are made of the other characters.
_LEAD_IN = "我你他她们在住于至到是的从往寄送址家为请"
_NAME_CHAR = rf"(?:(?![{_LEAD_IN}])[{_CJK}])"
CN_ADDRESS = re.compile(
    rf"(?:{_NAME_CHAR}{{2,8}}?(?:省|自治区|市|区|县|旗|镇|乡|街道))*"
    rf"(?:(?:{_NAME_CHAR}|[A-Za-z0-9]){{1,10}}?(?:路|街|大道|大街|巷|弄|胡同|里|村))"
    r"\s?[0-9０-９]+(?:[-－][0-9]+)?号"
    rf"(?:[{_CJK}A-Za-z0-9]{{0,10}}?[0-9一二三四五六七八九十A-Za-z]+"
    r"(?:号楼|号院|栋|幢|座|单元|楼|层|室|号))*"
)
CN_ROOM = re.compile(
    r"[0-9一二三四五六七八九十]+(?:号楼|栋|幢|座)[0-9一二三四五六七八九十]*(?:单元)?"
    r"[0-9]*(?:楼|层)?[0-9]+(?:室|号)"
)
_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    "Terrace|Close|Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy"
)
EN_ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\.?\s+){1,4}"
    rf"(?:{_STREET_TYPES})\b\.?(?:\s(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Unit|Flat|Room|#)\.?\s*#?\w+)?"
    r"(?:,\s+[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?:,?\s+[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?)?"
)

_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"


def is_cn_resident_id(value: str) -> bool:
    """An 18-character Chinese resident ID with a valid MOD 11-2 check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11] == value[17].upper()


def passes_luhn(digits: str) -> bool:
    """The Luhn check of card numbers (``digits`` holds digits only)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _checked(
    pattern: re.Pattern[str], label: str, valid: Callable[[str], bool]
) -> Callable[[str], str]:
    def replace(text: str) -> str:
        return pattern.sub(lambda m: label if valid(m.group(0)) else m.group(0), text)

    return replace


def _is_card(candidate: str) -> bool:
    digits = _digits(candidate)
    return 13 <= len(digits) <= 19 and passes_luhn(digits)


def _is_phone(candidate: str) -> bool:
    return 7 <= len(_digits(candidate)) <= 15


_redact_ids = _checked(CN_ID_CANDIDATE, ID_LABEL, is_cn_resident_id)
_redact_cards = _checked(CARD_CANDIDATE, CARD_LABEL, _is_card)
_redact_phones = _checked(PHONE, PHONE_LABEL, _is_phone)


def redact_personal_data(text: str) -> str:
    """``text`` with every ID number, card number, phone number, e-mail address and street
    address replaced by its label.

    E-mails go first (their local parts may hold digits), then the checksummed numbers
    (an ID or card number also looks like a long phone number), then phones, then addresses
    (whose house numbers are short and must not hide a phone).
    """
    text = EMAIL.sub(EMAIL_LABEL, text)
    text = _redact_ids(text)
    text = _redact_cards(text)
    text = _redact_phones(text)
    text = CN_ADDRESS.sub(ADDRESS_LABEL, text)
    text = CN_ROOM.sub(ADDRESS_LABEL, text)
    return EN_ADDRESS.sub(ADDRESS_LABEL, text)


def contains_personal_data(text: str) -> bool:
    """Whether :func:`redact_personal_data` would change ``text``."""
    return redact_personal_data(text) != text
