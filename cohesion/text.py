"""Cleaning text that people type, one way for every field.

Removed everywhere: NUL (PostgreSQL refuses it), the other C0 and C1 control characters
(terminal escapes, DEL), and the Unicode bidirectional controls (U+202A-U+202E, U+2066-U+2069,
U+200E, U+200F, U+061C), with which "evil.exe" can be made to read as "exe.live" on a page, in
an export or in an email. Line breaks and tabs are kept in multi-line text; in single-line text
they become spaces. The ends are trimmed (unless a caller keeps them); nothing inside is
collapsed unless a caller asks for a single line (clean_line).

Forms clean every text field through cohesion.forms; services clean what they are given too,
since not everything reaches them through a form (imports, the demo, other services).
"""

_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
_LINE_BREAKS_AND_TABS = [ord("\t"), ord("\n"), ord("\r")]

_MULTI_LINE = {code: None for code in _CONTROLS + _BIDI if code not in _LINE_BREAKS_AND_TABS}
_SINGLE_LINE = _MULTI_LINE | {code: " " for code in _LINE_BREAKS_AND_TABS}


def clean_text(text: str | None, *, multiline: bool = True, strip: bool = True) -> str:
    """`text` without control and bidirectional control characters, its line breaks and tabs
    kept (multiline) or turned into spaces, trimmed unless `strip` is False. None gives ""."""
    if not text:
        return ""
    text = text.translate(_MULTI_LINE if multiline else _SINGLE_LINE)
    return text.strip() if strip else text


def clean_line(text: str | None) -> str:
    """Single-line text as names and titles are kept: cleaned, each run of white space one
    space."""
    return " ".join(clean_text(text, multiline=False).split())
