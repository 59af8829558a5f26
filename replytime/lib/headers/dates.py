"""Date header values as UTC epoch seconds (spec §2)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from email.utils import parsedate_tz
from functools import lru_cache

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    # A few non-English abbreviations that some mailers wrote into Date headers.
    "mai": 5, "okt": 10, "dez": 12, "mrz": 3, "mär": 3, "déc": 12, "fév": 2, "avr": 4,
}  # fmt: skip

# Named zones in minutes east of UTC: RFC 5322 names plus common abbreviations seen in real mail
# (an ambiguous name takes its most common meaning in mail: IST = India, CST = US Central).
# Military letters and unknown names count as UTC (RFC 5322 §4.3: their sign was wrong in RFC
# 822, so they carry no reliable offset; a missing zone is UTC per spec §2).
_ZONES = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 60, "ist": 330, "west": 60,
    "cet": 60, "met": 60, "mez": 60, "cest": 120, "mest": 120, "mesz": 120, "eet": 120,
    "eest": 180, "msk": 180, "msd": 240, "sast": 120, "cat": 120, "eat": 180,
    "hkt": 480, "sgt": 480, "awst": 480, "wib": 420, "kst": 540, "jst": 540,
    "acst": 570, "acdt": 630, "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
    "pst": -480, "pdt": -420, "akst": -540, "akdt": -480, "hst": -600, "hdt": -540,
    "ast": -240, "adt": -180, "nst": -210, "ndt": -150, "brt": -180, "art": -180,
}  # fmt: skip

# The shape nearly every mailer writes: "Mon, 2 Mar 2026 10:00:00 +0000", maybe with a comment.
_FAST_DATE_RE = re.compile(
    r"\s*(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"
    r"(?: \([^()]*\))?\s*"
)
_FAST_MONTHS = {name.capitalize(): number for name, number in list(_MONTHS.items())[:12]}
_MONTH_WORD = r"[A-Za-z\u00e4\u00e9\u00fb]{3,9}\.?"
# RFC 5322 with its obsolete variants (no weekday, two- or three-digit year, no seconds, named or
# military zone, "GMT+0100", zone with a comment, extra blanks, AM/PM). Possessive quantifiers
# keep the matching linear on long runs of blanks.
_DATE_RE = re.compile(
    rf"\s*+(?:[A-Za-z]++\.?\s*+,?\s*+)?(?P<d>\d{{1,2}})(?:\s*+-\s*+|\s++)(?P<mon>{_MONTH_WORD})"
    r"(?:\s*+-\s*+|\s++)(?P<y>\d{2,4}),?\s++(?P<H>\d{1,2}):(?P<M>\d\d)(?::(?P<S>\d\d)(?:[.,]\d+)?)?"
    r"(?:\s*+(?P<ampm>[AaPp])\.?[Mm]\b\.?)?"
    r"\s*+(?:(?P<sign>[+-])\s*+(?P<zh>\d\d?):?(?P<zm>\d\d)(?:\s++[A-Za-z]{1,5}\b)?"
    r"|(?P<zname>[A-Za-z]{1,5})(?:\s*+(?P<nsign>[+-])(?P<nzh>\d\d?):?(?P<nzm>\d\d)?)?)?"
    r"\s*+(?:\(.*)?\Z",  # a trailing comment, "(PDT)", whatever it holds
)
# asctime / From_ line: "Tue Apr  1 09:28:56 1997", optionally with a zone before or after the year.
_ASCTIME_RE = re.compile(
    rf"\s*[A-Za-z]+,?\s+({_MONTH_WORD})\s+(\d{{1,2}})\s+(\d{{1,2}}):(\d\d)(?::(\d\d))?"
    r"\s+(?:([A-Za-z]{1,5}|[+-]\d{4})\s+)?(\d{4})(?:\s+([A-Za-z]{1,5}|[+-]\d{4}))?\s*\Z",
)
# ISO 8601-like: "2026-03-02T10:00:00Z", "2026-03-02 10:00:00 +01:00", "2026/03/02 10:00".
_ISO_RE = re.compile(
    r"\s*(\d{4})[-/](\d\d)[-/](\d\d)(?:T|\s+(?:[A-Za-z]{3}\s+)?)(\d\d):(\d\d)(?::(\d\d)(?:[.,]\d+)?)?"
    r"\s*(?:([A-Za-z]{1,5})|([+-])(\d\d):?(\d\d)?)?\s*\Z",
    re.IGNORECASE,
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZONE_WORD_RE = re.compile(r"\b([A-Za-z]{1,5})\b\s*\Z")
_MERIDIEM_RE = re.compile(r"\d\s*([AaPp])\.?[Mm]\b\.?", re.ASCII)


def _year(text: str) -> int:
    """RFC 5322 §4.3 obsolete years: 00-49 -> 20xx, 50-99 -> 19xx, three digits -> +1900. A
    zero-padded "0102" is the same three-digit year (C's tm_year printed with %04d)."""
    year = int(text)
    if len(text) == 2:
        return year + (2000 if year < 50 else 1900)
    if len(text) == 3 or (text[0] == "0" and 100 <= year <= 199):
        return year + 1900
    return year


def _month(word: str) -> int | None:
    return _MONTHS.get(word[:3].lower())


@lru_cache(maxsize=16384)
def _day_start(year: int, month: int, day: int) -> int | None:
    """Epoch second of a UTC day's midnight, or None for an impossible calendar day."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1 <= year <= 9999):
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return calendar.timegm((year, month, day, 0, 0, 0))


def _zone_minutes(
    sign: str | None, hours: str | None, minutes: str | None, name: str | None
) -> int:
    """Minutes east of UTC for a numeric offset or a zone name; implausible offsets count as 0."""
    if sign:
        offset = int(hours or 0) * 60 + int(minutes or 0)
        if offset > 14 * 60 or int(minutes or 0) >= 60:
            return 0
        return -offset if sign == "-" else offset
    if name:
        return _ZONES.get(name.lower(), 0)
    return 0


def _epoch(y: int, mo: int | None, d: int, h: int, mi: int, s: int, zone: int) -> int | None:
    if mo is None or h > 24 or mi > 59 or s > 61:
        return None
    start = _day_start(y, mo, d)
    if start is None:
        return None
    return start + h * 3600 + mi * 60 + s - zone * 60


def _parse_rfc(value: str) -> int | None:
    m = _DATE_RE.match(value)
    if m is None:
        return None
    g = m.groupdict()
    if g["sign"]:
        zone = _zone_minutes(g["sign"], g["zh"], g["zm"], None)
    elif g["nsign"]:  # "GMT+0100", "UTC-5": an offset relative to the named zone
        zone = _zone_minutes(g["nsign"], g["nzh"], g["nzm"], None) + _ZONES.get(
            g["zname"].lower(), 0
        )
    else:
        zone = _zone_minutes(None, None, None, g["zname"])
    hour = int(g["H"])
    if g["ampm"] and hour <= 12:
        hour = hour % 12 + (12 if g["ampm"] in "Pp" else 0)
    minute, second = int(g["M"]), int(g["S"] or 0)
    return _epoch(_year(g["y"]), _month(g["mon"]), int(g["d"]), hour, minute, second, zone)


def _parse_asctime(value: str) -> int | None:
    m = _ASCTIME_RE.match(value)
    if m is None:
        return None
    mon, day, hh, mm, ss, zone_a, year, zone_b = m.groups()
    zone_text = zone_a or zone_b
    zone = 0
    if zone_text:
        if zone_text[0] in "+-":
            zone = _zone_minutes(zone_text[0], zone_text[1:3], zone_text[3:5], None)
        else:
            zone = _zone_minutes(None, None, None, zone_text)
    return _epoch(int(year), _month(mon), int(day), int(hh), int(mm), int(ss or 0), zone)


def _parse_iso(value: str) -> int | None:
    m = _ISO_RE.match(value)
    if m is None:
        return None
    year, mon, day, hh, mm, ss, zname, sign, zh, zm = m.groups()
    zone = _zone_minutes(sign, zh, zm, zname)
    return _epoch(int(year), int(mon), int(day), int(hh), int(mm), int(ss or 0), zone)


def _parse_fallback(value: str) -> int | None:
    """email.utils.parsedate_tz for anything else, with our named-zone table for names it does
    not know (it reports those as "no zone"), and AM/PM, which it would read as a zone."""
    meridiem = _MERIDIEM_RE.search(value)
    if meridiem is not None:
        value = value[: meridiem.start(1)] + value[meridiem.end() :]
    try:
        parts = parsedate_tz(value)
    except Exception:  # it has raised on hostile input in some Python versions
        return None
    if parts is None:
        return None
    year, mon, day, hh, mm, ss = parts[:6]
    offset = parts[9]
    if offset is None:
        zone_match = _ZONE_WORD_RE.search(value)
        offset = _ZONES.get(zone_match.group(1).lower(), 0) * 60 if zone_match else 0
    if not isinstance(year, int) or year < 1:
        return None
    if meridiem is not None and hh <= 12:  # "10:00 PM" (Outlook-style dates)
        hh = hh % 12 + (12 if meridiem.group(1).lower() == "p" else 0)
    return _epoch(year, mon, day, hh, mm, ss, offset // 60)


# Raw-bytes twin of _FAST_DATE_RE for the hot path: no decoding, and each of its three parts is
# looked up in a bounded memo (a mailbox holds many messages per day, and clock times and zones
# repeat): the day's start by its "d Mon yyyy" text, the time of day by "hh:mm:ss", the offset by
# "+hhmm". A memo value of None marks a part that parse_date must judge.
_FAST_DATE_BYTES_RE = re.compile(
    rb"\s*(?:[A-Z][a-z]{2}, )?(\d{1,2} [A-Z][a-z]{2} \d{4}) (\d\d:\d\d:\d\d) ([+-]\d{4})"
    rb"(?: \([^()]*\))?\s*"
)
_MEMO_MAX = 100_000
_DAY_STARTS: dict[bytes, int | None] = {}
_CLOCKS: dict[bytes, int | None] = {}
_OFFSETS: dict[bytes, int | None] = {}


def _memo_day(text: bytes) -> int | None:
    """Epoch second of the day "d Mon yyyy" (None: impossible), remembered."""
    day, mon, year = text.decode("ascii").split(" ")
    start = _day_start(_year(year), _FAST_MONTHS.get(mon, 0), int(day))
    if len(_DAY_STARTS) >= _MEMO_MAX:
        _DAY_STARTS.clear()
    _DAY_STARTS[text] = start
    return start


def _memo_clock(text: bytes) -> int | None:
    """Seconds since midnight of "hh:mm:ss" (None: out of range), remembered."""
    hour, minute, second = int(text[0:2]), int(text[3:5]), int(text[6:8])
    seconds = hour * 3600 + minute * 60 + second
    if hour > 24 or minute > 59 or second > 61:
        seconds = None
    if len(_CLOCKS) >= _MEMO_MAX:
        _CLOCKS.clear()
    _CLOCKS[text] = seconds
    return seconds


def _memo_offset(text: bytes) -> int | None:
    """Seconds east of UTC of "+hhmm" (None: out of range), remembered."""
    minutes = int(text[1:3]) * 60 + int(text[3:5])
    offset = None if minutes > 14 * 60 or int(text[3:5]) > 59 else minutes * 60
    if offset is not None and text[:1] == b"-":
        offset = -offset
    if len(_OFFSETS) >= _MEMO_MAX:
        _OFFSETS.clear()
    _OFFSETS[text] = offset
    return offset


def _fast_date_bytes(raw: bytes) -> int | None:
    """parse_date for the common shape, on raw bytes; None means "use parse_date"."""
    match = _FAST_DATE_BYTES_RE.fullmatch(raw)
    if match is None:
        return None
    day, clock, zone = match.groups()
    start = _DAY_STARTS.get(day, -1)
    if start == -1:
        start = _memo_day(day)
    seconds = _CLOCKS.get(clock, -1)
    if seconds == -1:
        seconds = _memo_clock(clock)
    offset = _OFFSETS.get(zone, -1)
    if offset == -1:
        offset = _memo_offset(zone)
    if start is None or seconds is None or offset is None:
        return None  # let parse_date decide on the odd ones
    return start + seconds - offset


def parse_date(value: str) -> int | None:
    """A Date header value as UTC epoch seconds, or None when it cannot be read.

    Accepts RFC 5322 dates with the obsolete forms (no weekday, two- or three-digit years, named
    zones such as PST, military zones, a trailing comment such as "(PDT)", extra blanks, any
    letter case), asctime-style dates, and ISO 8601-like dates. A date without a zone, or with
    an unknown zone name, is taken as UTC (spec §2). Impossible calendar dates give None; no
    plausibility window is applied here (see `parse_message`).
    """
    match = _FAST_DATE_RE.fullmatch(value)
    if match is not None:
        day, mon, year, hh, mm, ss, sign, zh, zm = match.groups()
        start = _day_start(_year(year), _FAST_MONTHS.get(mon, 0), int(day))
        hour, minute, second, zone = int(hh), int(mm), int(ss), int(zh) * 60 + int(zm)
        if start is not None and hour <= 24 and minute <= 59 and second <= 61:
            if zone > 14 * 60 or int(zm) >= 60:
                zone = 0  # an impossible offset carries no information, as in _zone_minutes
            elif sign == "-":
                zone = -zone
            return start + hour * 3600 + minute * 60 + second - zone * 60
    if not value or len(value) > 200:
        return None
    try:
        for parser in (_parse_rfc, _parse_asctime, _parse_iso, _parse_fallback):
            epoch = parser(value)
            if epoch is not None:
                return epoch
    except (ValueError, OverflowError, TypeError):
        return None
    return None
