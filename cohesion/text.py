"""Cleaning text that people type, one way for every field.

Removed everywhere: NUL (PostgreSQL refuses it), the other C0 and C1 control characters
(terminal escapes, DEL), and the Unicode bidirectional controls (U+202A-U+202E, U+2066-U+2069,
U+200E, U+200F, U+061C), with which "evil.exe" can be made to read as "exe.live" on a page, in
an export or in an email; and the invisible characters that make two names look alike but
compare unequal (zero-width space U+200B, word joiner U+2060, byte-order mark U+FEFF, soft
hyphen U+00AD, Mongolian vowel separator U+180E, tag characters U+E0000-U+E007F), so that
"Оле<zero-width space>на" is Олена to search and duplicate checks too. The zero-width joiners
U+200C and U+200D stay in multi-line text (emoji and some scripts need them) and go from single
lines. Line breaks and tabs are kept in multi-line text; in single-line text they become
spaces; Windows line ends become plain line breaks. The ends are trimmed (unless a caller
keeps them); nothing inside is collapsed unless a caller asks for a single line (clean_line).

Forms clean every text field through cohesion.forms; services clean what they are given too,
since not everything reaches them through a form (imports, the demo, other services).
"""

import re

_NUMBER = re.compile(r"^[+-]?[\d\s()./-]+$")
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
_INVISIBLE = [0x200B, 0x2060, 0xFEFF, 0x00AD, 0x180E, *range(0xE0000, 0xE0080)]
_JOINERS = [0x200C, 0x200D]
_LINE_BREAKS_AND_TABS = [ord("\t"), ord("\n"), ord("\r")]

_MULTI_LINE = {
    code: None for code in _CONTROLS + _BIDI + _INVISIBLE if code not in _LINE_BREAKS_AND_TABS
}
_SINGLE_LINE = _MULTI_LINE | {code: " " for code in _LINE_BREAKS_AND_TABS} | dict.fromkeys(_JOINERS)


def clean_text(text: str | None, *, multiline: bool = True, strip: bool = True) -> str:
    """`text` without control and bidirectional control characters, its line breaks and tabs
    kept (multiline) or turned into spaces, trimmed unless `strip` is False. None gives ""."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").translate(_MULTI_LINE if multiline else _SINGLE_LINE)
    return text.strip() if strip else text


def clean_line(text: str | None) -> str:
    """Single-line text as names and titles are kept: cleaned, each run of white space one
    space."""
    return " ".join(clean_text(text, multiline=False).split())


FORMULA_STARTS = ("=", "+", "-", "@")


def defuse_formula(value):
    """A cell for a spreadsheet file: spreadsheet programs run cells that start with = + - @
    as formulas, so such text gets a leading apostrophe; numbers, and phone numbers such as
    +380501234567, stay as they are."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS and not _NUMBER.match(value):
        return "'" + value
    return value
