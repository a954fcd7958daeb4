"""Import readers: statements (JSONL, CSV, txt, zip) and the actor registry CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.formats import FormatError
from annotator.formats.actor_csv import (
    ACTOR_TYPES,
    ActorRow,
    iter_actor_rows,
    normalize_alias,
    write_actor_rows,
)
from annotator.formats.statement_readers import StatementRecord, iter_statements

DEMO = Path(__file__).parents[1] / "annotator" / "demo"


def read(name: str, data: bytes, **options) -> list[StatementRecord]:
    """Read all statements from in-memory bytes."""
    return list(iter_statements(name, io.BytesIO(data), **options))


def error(name: str, data: bytes, **options) -> str:
    """Read expecting a FormatError and return its message."""
    with pytest.raises(FormatError) as caught:
        read(name, data, **options)
    return str(caught.value)


def actors(data: bytes) -> list[ActorRow]:
    """Read all actors from in-memory bytes."""
    return list(iter_actor_rows("actors.csv", io.BytesIO(data)))


def actor_error(data: bytes) -> str:
    """Read actors expecting a FormatError and return its message."""
    with pytest.raises(FormatError) as caught:
        actors(data)
    return str(caught.value)


def jsonl(*objects: object) -> bytes:
    """Encode objects as JSON lines."""
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode()


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Build a zip archive in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class Pipe(io.RawIOBase):
    """A non-seekable stream, like a request body."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


GOOD = {"id": "s1", "text": "Teheran claims."}
ACTOR_HEADER = b"id,name,type,aliases,wikidata\n"


# --- the demo corpus ---------------------------------------------------------------------


def test_demo_statements_parse():
    with (DEMO / "statements.jsonl").open("rb") as stream:
        (record,) = iter_statements("statements.jsonl", stream, max_bytes=10_000_000)
    assert record.external_id == "rcit-2024-01-19-iran-strikes"
    assert record.author == "Michael Pröbsting"
    assert record.organization.startswith("Revolutionary Communist")
    assert (record.date, record.url, record.lang, record.meta) == ("2024-01-19", None, None, {})
    assert record.text.startswith("The Mullah regime in Iran") and len(record.text) == 3130
    assert (record.file, record.line) == ("statements.jsonl", 1)


def test_demo_actors_parse_and_round_trip_byte_for_byte():
    data = (DEMO / "actors.csv").read_bytes()
    rows = actors(data)
    assert len(rows) == 16 and all(row.type in ACTOR_TYPES for row in rows)
    iran = next(row for row in rows if row.key == "iran")
    assert iran.aliases[:3] == ("Iran", "Teheran", "Tehran") and iran.wikidata == "Q794"
    assert rows[0].wikidata is None and rows[0].type == "organization"
    assert rows[-1].name == "Workers, women and national minorities in Iran"
    out = io.StringIO(newline="")
    assert write_actor_rows(rows, out) == 16
    assert out.getvalue().encode() == data


def test_demo_registry_has_non_latin_aliases_that_match_in_text():
    from annotator.text.mentions import compile_aliases, find_mentions

    rows = actors((DEMO / "actors.csv").read_bytes())
    by_key = {row.key: row for row in rows}
    assert "داعش" in by_key["daesh"].aliases and "تهران" in by_key["iran"].aliases
    pattern, table = compile_aliases((row.key, a) for row in rows for a in row.aliases)
    text = "هاجم داعش كرمان، ثم ردّت تهران."
    found = {(m.actor, text[m.start : m.end]) for m in find_mentions(text, pattern, table)}
    assert found == {("daesh", "داعش"), ("iran", "تهران")}


# --- JSONL -------------------------------------------------------------------------------


def test_jsonl_fields_meta_and_int_id():
    line = {"id": 7, "text": "x", "title": " T ", "lang": "en", "topic": ["a"], "url": ""}
    (record,) = read("s.jsonl", jsonl(line))
    assert (record.external_id, record.title, record.lang, record.url) == ("7", "T", "en", None)
    assert record.meta == {"topic": ["a"]}


def test_jsonl_blank_lines_skipped_and_line_numbers_kept():
    data = b"\n" + jsonl(GOOD) + b"  \n\n" + jsonl({**GOOD, "id": "s2"})
    assert [r.line for r in read("s.jsonl", data)] == [2, 5]


def test_jsonl_bom_crlf_and_escaped_line_endings():
    data = b"\xef\xbb\xbf" + jsonl({"id": "a", "text": "one\r\ntwo\rthree\n"}).replace(
        b"\n", b"\r\n"
    )
    (record,) = read("s.jsonl", data)
    assert record.text == "one\ntwo\nthree\n"


def test_jsonl_keeps_unicode_line_separators_inside_text():
    (record,) = read("s.jsonl", jsonl({"id": "a", "text": "a\u2028b\x85c\x0cd"}))
    assert record.text == "a\u2028b\x85c\x0cd"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"id": "a", "text": ', "s.jsonl:2: invalid JSON"),
        (b'["a", "b"]', "s.jsonl:2: expected a JSON object"),
        (b'"text"', "s.jsonl:2: expected a JSON object"),
        (b'{"id": "a"}', "s.jsonl:2: text: is missing"),
        (b'{"id": "a", "text": ""}', "s.jsonl:2: text: is empty"),
        (b'{"id": "a", "text": " \\n "}', "s.jsonl:2: text: is empty"),
        (b'{"id": "a", "text": 5}', "s.jsonl:2: text: must be a string"),
        (b'{"text": "x"}', "s.jsonl:2: id: is missing"),
        (b'{"id": "  ", "text": "x"}', "s.jsonl:2: id: must be a non-empty string"),
        (b'{"id": true, "text": "x"}', "s.jsonl:2: id: must be a non-empty string"),
        (b'{"id": ["a"], "text": "x"}', "s.jsonl:2: id: must be a non-empty string"),
        (b'{"id": "a", "text": "x", "title": 3}', "s.jsonl:2: title: must be a string"),
        (b'{"id": "a", "text": "x", "date": "2024-02-30"}', "s.jsonl:2: date: '2024-02-30'"),
        (b"[" * 100_000, "s.jsonl:2: JSON nested too deeply"),
    ],
)
def test_jsonl_bad_lines_name_file_line_and_field(line, expected):
    assert error("s.jsonl", jsonl(GOOD) + line + b"\n").startswith(expected)


@pytest.mark.parametrize(
    ("line", "where"),
    [
        (b'{"id": "a", "text": "x"', "(at the end of the line)"),  # the missing closing }
        (b'{"id": "a" "text": "x"}', "(column 12)"),
        (b'{"id": "a", "text": "x",}', "(column 25)"),
    ],
)
def test_jsonl_syntax_errors_name_the_column_on_the_line(line, where):
    for ending in (b"\n", b"\r\n", b""):
        message = error("s.jsonl", jsonl(GOOD) + line + ending)
        assert message.startswith("s.jsonl:2: invalid JSON") and message.endswith(where), message


@pytest.mark.parametrize("value", ["2024", "2024-02", "2024-02-29", "0001-01-01"])
def test_dates_of_year_month_or_day_precision(value):
    assert read("s.jsonl", jsonl({**GOOD, "date": value}))[0].date == value


@pytest.mark.parametrize(
    "value",
    ["2023-02-29", "2024-13", "2024-00", "0000", "24-01-19", "2024-1-5", "2024-01-19T10:00"],
)
def test_bad_dates_rejected(value):
    assert error("s.jsonl", jsonl({**GOOD, "date": value})).startswith("s.jsonl:1: date: ")


def test_invalid_utf8_reports_its_line():
    data = jsonl(GOOD, GOOD) + b'{"id": "c", "text": "\xff"}\n'
    assert error("s.jsonl", data).startswith("s.jsonl:3: not valid UTF-8 (byte 0xff")


@pytest.mark.parametrize("data", [b"", b"\n \n", b"\xef\xbb\xbf"])
def test_empty_file(data):
    assert error("s.jsonl", data) == "s.jsonl: file is empty"


@pytest.mark.parametrize("name", ["s.json", "s.xlsx", "statements"])
def test_unknown_extension(name):
    assert error(name, jsonl(GOOD)).startswith(f"{name}: unsupported file type")


def test_extension_is_case_insensitive_and_ndjson_accepted():
    assert len(read("S.JSONL", jsonl(GOOD))) == len(read("s.ndjson", jsonl(GOOD))) == 1


@pytest.mark.parametrize("stream", [io.BytesIO, Pipe])
def test_max_bytes(stream):
    data = jsonl(*[{"id": str(n), "text": "x" * 50} for n in range(10)])
    with pytest.raises(FormatError) as caught:
        list(iter_statements("s.jsonl", stream(data), max_bytes=100))
    assert str(caught.value) == "s.jsonl: file is larger than the limit of 0.0001 MB"
    assert len(list(iter_statements("s.jsonl", stream(data), max_bytes=len(data)))) == 10


# --- CSV ---------------------------------------------------------------------------------


def test_csv_fields_meta_and_multiline_cells():
    data = (
        b"id,title,text,source\r\n"
        b'a,T,"first\r\nparagraph\r\n\r\nend",web\r\n'
        b"\r\n"
        b'b,,"say ""no""",\r\n'
    )
    first, second = read("s.csv", data)
    assert (first.line, first.text, first.title, first.meta) == (
        2,
        "first\nparagraph\n\nend",
        "T",
        {"source": "web"},
    )
    assert (second.line, second.text, second.title, second.meta) == (
        7,
        'say "no"',
        None,
        {"source": ""},
    )


def test_csv_bom_and_lone_cr_line_ends():
    data = b'\xef\xbb\xbfid,text\rA,one\rB,"two\rlines"\r'
    assert [(r.external_id, r.text, r.line) for r in read("s.csv", data)] == [
        ("A", "one", 2),
        ("B", "two\nlines", 3),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"id,title\na,b\n", "s.csv:1: text: missing column"),
        (b"text,title\na,b\n", "s.csv:1: id: missing column"),
        (b"id,text,id\na,b,c\n", "s.csv:1: id: duplicate column"),
        (b"id,text,\na,b,c\n", "s.csv:1: column 3 has no name"),
        (b"id,text\na,b\nc,d,e\n", "s.csv:3: expected 2 cells as in the header, found 3"),
        (b"id,text\na,b\nc\n", "s.csv:3: expected 2 cells as in the header, found 1"),
        (b'id,text\na,"b\n\nc\n', "s.csv:2: malformed CSV"),
        (b'id,text\na,"b"c\n', "s.csv:2: malformed CSV"),
        (b"id,text\na,\n", "s.csv:2: text: is empty"),
        (b"id,text,date\na,b,2024-1\n", "s.csv:2: date: '2024-1'"),
        (b"id,text\na,b\n,c\n", "s.csv:3: id: is missing"),
        (b"id,text\n", "s.csv: file is empty"),
        (b"id,text\na,\xc3(\n", "s.csv:2: not valid UTF-8"),
    ],
)
def test_csv_bad_input_names_file_line_and_field(data, expected):
    assert error("s.csv", data).startswith(expected)


# --- plain text --------------------------------------------------------------------------


def test_txt_whole_file_is_one_statement_named_after_the_file():
    (record,) = read("uploads/iran-strikes.txt", b"\xef\xbb\xbf\r\nA | B\r\nsecond\rthird\n")
    assert (record.external_id, record.text, record.title) == (
        "iran-strikes",
        "\nA | B\nsecond\nthird\n",
        None,
    )


def test_txt_header():
    data = "Strikes | Michael Pröbsting / RCIT | 2024-01-19 | https://x.org/a\n\n\nText.\n\nMore.\n"
    (record,) = read("a.txt", data.encode(), txt_header=True)
    assert (record.title, record.author, record.organization) == (
        "Strikes",
        "Michael Pröbsting",
        "RCIT",
    )
    assert (record.date, record.url, record.text, record.line) == (
        "2024-01-19",
        "https://x.org/a",
        "Text.\n\nMore.\n",
        1,
    )


def test_txt_header_single_who_is_the_organisation_and_fields_may_be_missing():
    (record,) = read("a.txt", b"Title | RCIT\nText", txt_header=True)
    assert (record.author, record.organization, record.date, record.text) == (
        None,
        "RCIT",
        None,
        "Text",
    )


def test_txt_header_is_optional():
    (record,) = read("a.txt", b"No header here\nText", txt_header=True)
    assert (record.title, record.text) == (None, "No header here\nText")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a | b | 2024 | u | extra\ntext", "a.txt:1: header: has more than 4 '|' fields"),
        (b"a | b | 19.01.2024\ntext", "a.txt:1: date: '19.01.2024'"),
        (b"a | b\n\n  \n", "a.txt:1: text: is empty"),
        (b"", "a.txt: file is empty"),
    ],
)
def test_txt_bad_input(data, expected):
    assert error("a.txt", data, txt_header=True).startswith(expected)


def test_txt_blank_text_without_header():
    assert error("a.txt", b" \n\n") == "a.txt:1: text: is empty"


# --- zip ---------------------------------------------------------------------------------


def test_zip_members_in_name_order_with_located_records():
    data = make_zip(
        {
            "b/second.csv": b"id,text\nc,C\n",
            "a.jsonl": jsonl(GOOD),
            "b/": b"",
            "b/z.txt": b"Z",
            "__MACOSX/._a.jsonl": b"\x00\x05\x16\x07",
            ".DS_Store": b"\x00\x00",
        }
    )
    records = read("batch.zip", data)
    assert [(r.external_id, r.file, r.line) for r in records] == [
        ("s1", "batch.zip!a.jsonl", 1),
        ("c", "batch.zip!b/second.csv", 2),
        ("z", "batch.zip!b/z.txt", 1),
    ]


def test_zip_member_errors_name_the_member():
    data = make_zip({"a.jsonl": jsonl(GOOD), "b.jsonl": jsonl(GOOD) + b'{"id": "x", "text": ""}\n'})
    assert error("batch.zip", data) == "batch.zip!b.jsonl:2: text: is empty"
    assert error("batch.zip", make_zip({"a.csv": b"id,text\n"})) == "batch.zip!a.csv: file is empty"


def test_zip_passes_txt_header_on():
    (record,) = read("t.zip", make_zip({"x.txt": b"T | O | 2024\n\nBody"}), txt_header=True)
    assert (record.title, record.organization, record.text) == ("T", "O", "Body")


@pytest.mark.parametrize(
    "member",
    [
        "../evil.jsonl",
        "a/../../evil.jsonl",
        "/etc/evil.jsonl",
        "C:/evil.jsonl",
        "..\\evil.jsonl",
        "a\\..\\..\\e.jsonl",
    ],
)
def test_zip_path_traversal_rejected(member):
    data = make_zip({"a.jsonl": jsonl(GOOD), member: jsonl(GOOD)})
    assert error("batch.zip", data) == f"batch.zip!{member}: unsafe path in archive"


@pytest.mark.parametrize("member", ["inner.zip", "data.jsonl.gz", "x.tar", "x.7z"])
def test_zip_nested_archive_rejected(member):
    data = make_zip({"a.jsonl": jsonl(GOOD), member: b"whatever"})
    assert error("batch.zip", data) == f"batch.zip!{member}: nested archives are not supported"


def test_zip_unsupported_member_rejected():
    data = make_zip({"a.jsonl": jsonl(GOOD), "notes.md": b"# notes"})
    assert error("batch.zip", data).startswith("batch.zip!notes.md: unsupported file type .md")


def test_zip_encrypted_member_rejected():
    data = bytearray(make_zip({"a.jsonl": jsonl(GOOD)}, zipfile.ZIP_STORED))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x01  # the "encrypted" general purpose flag
    assert (
        error("e.zip", bytes(data)) == "e.zip!a.jsonl: encrypted archive members are not supported"
    )


def test_zip_bomb_by_ratio_rejected():
    bomb = b'{"id": "a", "text": "' + b"a" * 5_000_000 + b'"}\n'
    message = error("bomb.zip", make_zip({"a.jsonl": bomb}))
    assert message == "bomb.zip!a.jsonl: compression ratio above 100: possible zip bomb"


def test_zip_total_size_limit():
    data = make_zip({"a.jsonl": jsonl(GOOD) * 20, "b.jsonl": jsonl(GOOD) * 20})
    assert len(data) < 1000
    message = error("big.zip", data, max_bytes=1000)
    assert message == "big.zip: archive contents are larger than the limit of 0.001 MB"


@pytest.mark.parametrize("stream", [io.BytesIO, Pipe])
def test_zip_from_seekable_or_piped_stream(stream):
    data = make_zip({"a.jsonl": jsonl(GOOD)})
    assert [r.external_id for r in iter_statements("a.zip", stream(data))] == ["s1"]
    with pytest.raises(FormatError, match="^a.zip: file is larger than the limit of 0.0001 MB$"):
        list(iter_statements("a.zip", stream(data), max_bytes=100))


def test_zip_damaged_or_invalid():
    data = bytearray(make_zip({"a.jsonl": jsonl(GOOD)}, zipfile.ZIP_STORED))
    at = data.index(b"Teheran")
    data[at] = ord("X")  # the CRC no longer matches
    assert error("d.zip", bytes(data)).startswith(
        "d.zip!a.jsonl: damaged or unsupported archive member"
    )
    assert error("n.zip", b"not a zip").startswith("n.zip: not a valid zip archive")
    assert error("e.zip", make_zip({"dir/": b""})) == "e.zip: file is empty"


# --- actor registry ----------------------------------------------------------------------


def test_actor_aliases_are_stripped_deduplicated_and_types_normalised():
    (row,) = actors(ACTOR_HEADER + b"iran,Iran,State, Iran || Teheran |Iran|,Q794\n")
    assert row == ActorRow("iran", "Iran", "state", ("Iran", "Teheran"), "Q794", 2)
    (row,) = actors(ACTOR_HEADER + b"rcit,RCIT,organisation,,\n")
    assert (row.type, row.aliases, row.wikidata) == ("organization", (), None)


def test_actor_columns_may_come_in_any_order():
    (row,) = actors(b"wikidata,aliases,type,name,id\r\nQ1,a|b,other,N,n-1\r\n")
    assert row == ActorRow("n-1", "N", "other", ("a", "b"), "Q1", 2)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"id,name,type,aliases\n", "actors.csv:1: wikidata: missing column"),
        (b"id,name,type,aliases,wikidata,notes\n", "actors.csv:1: notes: unknown column"),
        (b"id,name,type,aliases,wikidata,id\n", "actors.csv:1: id: duplicate column"),
        (ACTOR_HEADER + b",Iran,state,,\n", "actors.csv:2: id: is empty"),
        (ACTOR_HEADER + b"iran,,state,,\n", "actors.csv:2: name: is empty"),
        (ACTOR_HEADER + b"Iran,Iran,state,,\n", "actors.csv:2: id: 'Iran' is not a slug"),
        (ACTOR_HEADER + b"-iran,Iran,state,,\n", "actors.csv:2: id: '-iran' is not a slug"),
        (ACTOR_HEADER + b"the iran,Iran,state,,\n", "actors.csv:2: id: 'the iran' is not a slug"),
        (ACTOR_HEADER + b"iran,Iran,country,,\n", "actors.csv:2: type: 'country' is not one of"),
        (ACTOR_HEADER + b"iran,Iran,state,,Q0\n", "actors.csv:2: wikidata: 'Q0' is not"),
        (ACTOR_HEADER + b"iran,Iran,state,,q794\n", "actors.csv:2: wikidata: 'q794' is not"),
        (ACTOR_HEADER + b"iran,Iran,state,,794\n", "actors.csv:2: wikidata: '794' is not"),
        (ACTOR_HEADER + b"iran,Iran,state,\n", "actors.csv:2: expected 5 cells"),
        (
            ACTOR_HEADER + b"iran,Iran,state,,\n\niran,Tehran,government,,\n",
            "actors.csv:4: id: duplicate id, first used on line 2",
        ),
        (ACTOR_HEADER, "actors.csv: file is empty"),
        (b"", "actors.csv: file is empty"),
        (ACTOR_HEADER + b"iran,\xff,state,,\n", "actors.csv:2: not valid UTF-8"),
    ],
)
def test_actor_bad_input_names_file_line_and_field(data, expected):
    assert actor_error(data).startswith(expected)


def test_write_actor_rows_refuses_an_alias_with_the_separator():
    with pytest.raises(ValueError, match="alias cannot contain"):
        write_actor_rows([ActorRow("a", "A", "other", ("x|y",))], io.StringIO())


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("داعش", "\ufea9\ufe8d\ufecb\ufeb6"),  # Arabic letters vs. their presentation forms
        ("Teheran", "TEHERAN"),
        ("Teheran", "  teheran "),
        ("Pröbsting", "Pro\u0308bsting"),  # composed vs. combining diaeresis
        ("Résistance", "RÉSISTANCE"),
        ("Straße", "STRASSE"),
        ("ISIS", "ＩＳＩＳ"),  # fullwidth
        ("Mullah regime", "Mullah\u00a0\t regime"),
    ],
)
def test_normalize_alias_matches_variants(left, right):
    assert normalize_alias(left) == normalize_alias(right)


def test_normalize_alias_keeps_distinct_words_distinct():
    assert normalize_alias("داعش") == "داعش"
    assert normalize_alias("  Mullah  Regime ") == "mullah regime"
    assert normalize_alias("Teheran") != normalize_alias("Tehran")
    assert normalize_alias("Résistance") != normalize_alias("Resistance")


# --- properties --------------------------------------------------------------------------

# Any text but surrogates, weighted towards the characters that break naive readers.
TRICKY = st.sampled_from(
    list("\r\n\"',|\\ \t\u2028\u2029\x85\x0b\x0c\ufeff")
    + ["🙂", "👩🏽‍⚖️", "داعش", "עברית", "e\u0301"]
)
# Any text a database stores: lone surrogates (Cs) and NUL are refused (test_import_hostile.py).
STORABLE = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
TEXTS = st.lists(st.one_of(st.text(STORABLE), TRICKY)).map("".join)
STATEMENT_TEXTS = TEXTS.filter(lambda text: text.strip() != "")


def expected_text(text: str) -> str:
    """What a reader should return for text written verbatim: line endings normalised."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(STATEMENT_TEXTS, min_size=1, max_size=5),
    ascii_only=st.booleans(),
    crlf=st.booleans(),
)
def test_jsonl_round_trips_any_text(texts, ascii_only, crlf):
    newline = "\r\n" if crlf else "\n"
    lines = [
        json.dumps({"id": str(n), "text": t}, ensure_ascii=ascii_only) for n, t in enumerate(texts)
    ]
    records = read("p.jsonl", newline.join(lines).encode())
    assert [r.text for r in records] == [expected_text(t) for t in texts]


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(STATEMENT_TEXTS, min_size=1, max_size=5), extra=TEXTS, crlf=st.booleans())
def test_csv_round_trips_any_text(texts, extra, crlf):
    out = io.StringIO(newline="")
    # Python's writer quotes CR or LF only when in lineterminator, so LF files quote all.
    quoting, newline = (csv.QUOTE_MINIMAL, "\r\n") if crlf else (csv.QUOTE_ALL, "\n")
    writer = csv.writer(out, lineterminator=newline, quoting=quoting)
    writer.writerow(["id", "text", "note"])
    writer.writerows([str(n), text, extra] for n, text in enumerate(texts))
    records = read("p.csv", out.getvalue().encode())
    assert [r.text for r in records] == [expected_text(t) for t in texts]
    assert all(r.meta == {"note": extra} for r in records)


ALIASES = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="|")).filter(
    str.strip
)


@settings(max_examples=100, deadline=None)
@given(
    names=st.lists(STATEMENT_TEXTS, min_size=1, max_size=4),
    aliases=st.lists(ALIASES, max_size=4),
    actor_type=st.sampled_from(ACTOR_TYPES),
    qid=st.one_of(st.none(), st.integers(1, 10**9).map(lambda n: f"Q{n}")),
)
def test_actor_rows_round_trip(names, aliases, actor_type, qid):
    clean = tuple(dict.fromkeys(a.strip() for a in aliases))
    rows = [
        ActorRow(f"a-{n}", name.strip(), actor_type, clean, qid, n + 2)
        for n, name in enumerate(names)
    ]
    out = io.StringIO(newline="")
    write_actor_rows(rows, out)
    read_back = actors(out.getvalue().encode())
    assert [(r.key, r.type, r.aliases, r.wikidata) for r in read_back] == [
        (r.key, r.type, r.aliases, r.wikidata) for r in rows
    ]
    assert [r.name for r in read_back] == [r.name for r in rows]
