"""Text encodings of CSV exports: UTF-8 (with or without BOM), UTF-16 with BOM,
Windows-1251 (Russian), Windows-1250 (Polish, Czech), Latin-1 / Windows-1252 (Western).

The 8-bit encodings cannot be told apart from their bytes alone, so each candidate is
scored on the words it would produce: a Russian export decoded as Latin-1 gives long runs
of accented capitals (``Äàòà``), a Polish one decoded as Windows-1251 mixes Latin and
Cyrillic letters inside one word (``zamуwienia``), and a Polish ``ł`` read as Latin-1 is
a ``³``. The candidate whose words look most like real words of its languages wins.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from retention_core.errors import InputError

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}

# Candidates for a file that is not UTF-8, in tie-break order.
CANDIDATES = ("windows-1251", "windows-1250", "windows-1252")

# Letters typical of the languages each encoding serves: strong (+2) and weak (+1).
_POLISH = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_CENTRAL = set("áäčďéěíĺľňôŕřšťúůýžÁÄČĎÉĚÍĹĽŇÔŔŘŠŤÚŮÝŽőűŐŰöüÖÜăâîșțşţĂÂÎȘȚŞŢ")
_WESTERN = set("àâäçéèêëîïôöùûüÿñáíóúÀÂÄÇÉÈÊËÎÏÔÖÙÛÜÑÁÍÓÚ")
_WESTERN_WEAK = set("ãõåæøœßìòýÃÕÅÆØŒŸÌÒÝðþÐÞ")
# Non-letters that are normal in any export (currency, quotes, dashes, degree, NBSP...).
_NEUTRAL = set("\u00a0«»€£¥§°±µ·×÷–—‘’‚“”„…•™©®№¢¬¦¤¹²³")
_WORD = re.compile(r"[^\W\d_]+")


def _letter_score(word: str, encoding: str) -> int:
    """Plausibility of one word containing non-ASCII letters under ``encoding``."""
    if encoding == "windows-1251":
        cyrillic = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
        if cyrillic == len(word):
            return 2 * cyrillic
        return -2 * len(word)  # Latin and Cyrillic mixed in one word: wrong decoding
    strong, weak = (_POLISH, _CENTRAL) if encoding == "windows-1250" else (_WESTERN, _WESTERN_WEAK)
    score = 0
    run = run_score = weak_in_run = 0
    for ch in word + " ":
        if ch.isascii():
            # Latin words are mostly ASCII; three accented letters in a row are rare in
            # Western and Central European words but are every Russian word. (Polish
            # "żółć" is all strong letters, which Russian text read as Windows-1250 is not.)
            long_run = run >= 3 and (encoding != "windows-1250" or weak_in_run)
            score += -2 * run if long_run else run_score
            run = run_score = weak_in_run = 0
            continue
        run += 1
        if ch not in strong:
            weak_in_run += 1
        if "\u0400" <= ch <= "\u04ff":
            run_score -= 2
        elif ch in strong:
            run_score += 2
        elif ch in weak:
            run_score += 1
        else:
            run_score -= 2
    return score


def score_text(text: str, encoding: str) -> int:
    """How plausible ``text`` is as the decoding of a file written in ``encoding``."""
    score = 0
    for word in _WORD.findall(text):
        if not word.isascii():
            score += _letter_score(word, encoding)
    for ch in text:
        if ch.isascii() or ch in _NEUTRAL or ch.isalpha() or ch.isdigit():
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Co", "Cn") or ch == "\ufffd":
            score -= 5  # control characters and undefined bytes: certainly wrong
        elif category.startswith(("S", "P", "Z")):
            score -= 1
    return score


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("retention-latin1", _latin1_fallback)


def decode_8bit(data: bytes, encoding: str) -> str:
    """Decode with one of :data:`CANDIDATES`.

    "Latin-1" exports are nearly always Windows-1252 (its superset with curly quotes and
    the euro sign); the five bytes Windows-1252 leaves undefined are read as Latin-1.
    """
    if encoding == "windows-1252":
        return data.decode("cp1252", errors="retention-latin1")
    return data.decode(encoding, errors="replace")


def non_ascii_sample(data: bytes, max_runs: int = 4000, context: int = 24) -> bytes:
    """The parts of ``data`` around its non-ASCII bytes (which decide the encoding)."""
    pieces = []
    for n, match in enumerate(re.finditer(rb"[\x80-\xff]+", data)):
        if n >= max_runs:
            break
        start = max(0, match.start() - context)
        pieces.append(data[start:match.end() + context])
    return b"\n".join(pieces)


def guess_8bit_encoding(data: bytes) -> str:
    """The most plausible of :data:`CANDIDATES` for bytes that are not valid UTF-8."""
    sample = non_ascii_sample(data)
    best, best_score = CANDIDATES[0], None
    for encoding in CANDIDATES:
        score = score_text(decode_8bit(sample, encoding), encoding)
        if best_score is None or score > best_score:
            best, best_score = encoding, score
    return best


def is_utf8(data: bytes | memoryview, chunk: int = 16 << 20) -> bool:
    """True when ``data`` is valid UTF-8 (checked in chunks to keep memory flat)."""
    if isinstance(data, bytes) and data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), chunk):
            decoder.decode(view[start:start + chunk], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def to_utf8(data: bytes, name: str) -> tuple[bytes, str]:
    """UTF-8 bytes of a text file and a label of the encoding it was written in.

    Raises
    ------
    InputError
        When the bytes are not text in any supported encoding.
    """
    if data.startswith(UTF8_BOM):
        body = data[len(UTF8_BOM):]
        if not is_utf8(body):
            raise InputError("the file starts like UTF-8 text but contains bytes that are "
                             "not UTF-8; save it again as 'CSV UTF-8'", file=name)
        return body, "utf-8 (with BOM)"
    for bom, encoding in UTF16_BOMS.items():
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                raise InputError("the file starts like UTF-16 text but cannot be decoded; "
                                 "save it again as 'CSV UTF-8'", file=name) from None
            return text.encode("utf-8"), "utf-16"
    if b"\x00" in data[:1 << 16]:
        raise InputError("the file contains binary data (zero bytes), not text; upload a CSV, "
                         "CSV.gz, Parquet or XLSX export", file=name)
    if is_utf8(data):
        return data, "utf-8"
    encoding = guess_8bit_encoding(data)
    return decode_8bit(data, encoding).encode("utf-8"), encoding


def utf8_start(head: bytes, complete: bool) -> tuple[int, str] | None:
    """Where the text starts (after a BOM) and the encoding label :func:`to_utf8` would give,
    when a file's first bytes ``head`` are UTF-8 text; ``None`` when :func:`to_utf8` has to
    see the whole content (UTF-16, zero bytes, not UTF-8, or a refusal to word).

    Only the head is checked (``complete``: it is the whole file): a reader given this
    answer must still refuse the rest of the file if it is not UTF-8.
    """
    offset, label = (len(UTF8_BOM), "utf-8 (with BOM)") if head.startswith(UTF8_BOM) \
        else (0, "utf-8")
    if not offset and (any(head.startswith(bom) for bom in UTF16_BOMS)
                       or b"\x00" in head[:1 << 16]):
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head[offset:], final=complete)
    except UnicodeDecodeError:
        return None
    return offset, label


def check_looks_like_text(sample: str, name: str) -> None:
    """Refuse text that is mostly control characters (a binary file renamed .csv)."""
    if not sample:
        return
    bad = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    bad += sample.count("\ufffd")
    if bad > max(2, len(sample) // 100):
        raise InputError("the file does not look like text (too many control characters); "
                         "upload a CSV, CSV.gz, Parquet or XLSX export", file=name)
