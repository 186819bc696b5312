"""Ukrainian alphabetical order, in the database and in Python.

A C-collation PostgreSQL sorts by code point: Є, І, Ї before А and Ґ after Я. Names, titles and
community names are stored with an ICU collation instead (`db_collation=UKRAINIAN` on the
field): the database sorts them as the alphabet does, А Б В Г Ґ Д Е Є Ж З И І Ї Й К ..., in
every list, picker, export and the admin, whoever asks. English names get English order.

PostgreSQL has the collations from a migration (communities 0005: ICU, `uk-UA` and `en`);
SQLite, for development, gets the same names registered on each connection with the Python
keys below, which give the same order for letters (ICU's finer points, such as how punctuation
weighs, are PostgreSQL's alone). Lists sorted in Python use the keys too.
"""

from django.db.backends.signals import connection_created

UKRAINIAN = "uk_ua"
ENGLISH = "en_icu"

# The Ukrainian alphabet, with the Russian letters a name may still carry placed beside their
# nearest Ukrainian ones.
ALPHABET = "абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя"
_RANK = {letter: index for index, letter in enumerate(ALPHABET)}
# Before any letter: spaces and punctuation, then digits; Latin after Cyrillic, as ICU's uk
# order puts them.
_APOSTROPHES = "'’ʼ`‘"


def _weight(character: str) -> tuple[int, int]:
    if character in _RANK:
        return (3, _RANK[character])
    if character.isdigit():
        return (1, ord(character))
    if character.isalpha():
        return (4, ord(character))
    return (0, ord(character))


def ukrainian_key(text: str) -> tuple:
    """Sorts `text` in Ukrainian alphabetical order, case only breaking ties; apostrophe
    variants weigh alike."""
    text = text or ""
    folded = text.casefold()
    for apostrophe in _APOSTROPHES[1:]:
        folded = folded.replace(apostrophe, _APOSTROPHES[0])
    return (tuple(_weight(c) for c in folded), text)


def english_key(text: str) -> tuple:
    text = text or ""
    return (text.casefold(), text)


def _comparing(key):
    def compare(left: str, right: str) -> int:
        a, b = key(left), key(right)
        return (a > b) - (a < b)

    return compare


def _register(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_collation(UKRAINIAN, _comparing(ukrainian_key))
        connection.connection.create_collation(ENGLISH, _comparing(english_key))


def install() -> None:
    """Registers the collations on every SQLite connection Django opens (cohesion.apps), and
    on any already open."""
    from django.db import connections

    connection_created.connect(_register, dispatch_uid="cohesion-collations")
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _register(None, connection)
