"""Export formats, stance readers and UTF-16 offsets, tested with plain data (no app)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.formats import (
    EXPORTERS,
    RELATION_FORMATS,
    Counts,
    ExportContext,
    FormatError,
    conll,
    hf_dataset,
    provenance,
    semeval,
)
from annotator.formats.records import record_stance_id
from annotator.formats.stance_readers import read_stance_lines
from annotator.text import offsets

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "annotator/formats/stance_record.schema.json").read_text()
)
LABELS = [
    {"key": "claim", "name": "Claim", "definition": "Asserts a fact.", "example": "X did Y.",
     "semeval": "NONE", "polarity": None, "color": "#1f77b4"},
    {"key": "condemnation", "name": "Condemnation", "definition": "Denounces | rejects.",
     "example": "We condemn X.", "semeval": "AGAINST", "polarity": "negative", "color": "#d62728"},
    {"key": "support", "name": "Support", "definition": "Backs an actor.",
     "example": "We stand with X.", "semeval": "FAVOR", "polarity": "positive", "color": "#2ca02c"},
]  # fmt: skip
ACTORS = {
    "iran": {"id": "iran", "name": "Iran", "type": "state",
             "aliases": ["Teheran", "Mullah regime"], "wikidata": "Q794"},
    "daesh": {"id": "daesh", "name": "Islamic State (Daesh)", "type": "armed group",
              "aliases": ["ISIS", "داعش"], "wikidata": None},
    "rcit": {"id": "rcit", "name": "RCIT", "type": "organization", "aliases": [],
             "wikidata": None},
    "evil": {"id": "evil", "name": "=HYPERLINK(\"http://x\")", "type": "other",
             "aliases": ["-1", "@me"], "wikidata": None},
}  # fmt: skip
DEMO_TEXT = (
    "The Mullah regime in Iran has launched missile strikes.\n\n"
    "Teheran claims to have hit a \u201cMossad headquarter\u201d in Erbil. "
    "We condemn the barbarian terrorist attack of Daesh (ISIS)."
)
UNICODE_TEXT = (
    "🇮🇷 Teheran sagt:\t\u201eWir verurteilen den Caf\u0065\u0301-Anschlag\u201c.\r\n"
    "تدين الحكومة داعش بشدة. We stand with the people of Iran 👩\u200d⚕️!"
)


def ref(actor_id):
    """Actor reference as it appears in a record."""
    return {k: ACTORS[actor_id][k] for k in ("id", "name", "type", "wikidata")}


def record(statement, span, label, target="iran", *, annotator="alice", occurrence=0, **extra):
    """A canonical record covering the ``occurrence``-th ``span`` of the statement text."""
    start = -1
    for _ in range(occurrence + 1):
        start = statement["text"].index(span, start + 1)
    gold = annotator is None
    rec = {
        "project": "demo", "statement_id": statement["id"], "id": None,
        "statement_title": statement["title"], "statement_date": statement["date"],
        "organization": statement["organization"], "start": start, "end": start + len(span),
        "text": span, "label": label, "polarity": None,
        "target": ref(target) if target else None, "holder": ref("rcit"),
        "annotator": annotator, "scope": "gold" if gold else "annotator", "note": None,
        "guidelines_version": 2, "created_at": "2024-02-01T10:00:00+00:00",
        "updated_at": "2024-02-01T10:05:00+00:00",
    }  # fmt: skip
    if gold:
        rec |= {"votes": 2, "source_annotators": ["alice", "bob"]}
    rec["id"] = record_stance_id(rec)
    return rec | extra


def statement(sid, text, **extra):
    """A statement dict with every documented field."""
    return {
        "id": sid, "title": f"Title of {sid}", "author": "Michael Pr\u00f6bsting",
        "organization": "RCIT", "date": "2024-01-19", "url": None, "lang": "en",
        "meta": {"source": "test"}, "text": text,
    } | extra  # fmt: skip


def demo_bundles():
    """Two annotator-scope statements, one without stances."""
    s1 = statement("rcit-1", DEMO_TEXT)
    s2 = statement("rcit-2", "Nothing to see here.", date="2024-01", lang=None)
    stances = [
        record(s1, "Teheran claims to have hit", "claim"),
        record(s1, "We condemn the barbarian terrorist attack of Daesh", "condemnation", "daesh",
               note="=cmd|' /C calc'!A0"),
        record(s1, "Mullah regime in Iran", "condemnation", annotator="bob"),
    ]  # fmt: skip
    return [{"statement": s1, "stances": stances}, {"statement": s2, "stances": []}]


def unicode_bundles():
    """Gold stances over emoji, a combining accent, RTL Arabic, tabs and CRLF."""
    s = statement("uni-1", UNICODE_TEXT, title="+Umlaut \u00e4\u00f6\u00fc", lang="de")
    stances = [
        record(s, "Teheran", "claim", annotator=None),
        record(s, "Caf\u0065\u0301-Anschlag", "condemnation", "daesh", annotator=None),
        record(s, "داعش", "condemnation", "daesh", annotator=None),
        record(s, "the people of Iran 👩\u200d⚕️", "support", annotator=None),
    ]
    return [{"statement": s, "stances": stances}]


ALL_BUNDLES = {"demo": demo_bundles, "unicode": unicode_bundles}


def make_ctx(**options):
    """An export context over the test labels and actors."""
    return ExportContext(
        project_slug="demo",
        project_name="Demo \u2013 Iran strikes",
        tool_version="0.1.0",
        labels=LABELS,
        actors=lambda: iter(ACTORS.values()),
        guidelines_version=2,
        scope="annotator",
        exported_at="2024-02-02T12:00:00+00:00",
        stance_values=("note", "guidelines_version"),
        options=options,
    )


class OneShot:
    """An iterable that refuses a second pass, to prove writers stream."""

    def __init__(self, items):
        self.items, self.used = items, False

    def __iter__(self):
        if self.used:
            raise AssertionError("bundles iterated twice")
        self.used = True
        return iter(self.items)


def export(name, bundles, tmp_path=None, **options):
    """Run one exporter; returns (output text or folder, counts)."""
    exporter = EXPORTERS[name]
    if exporter.kind == "folder":
        folder = tmp_path / name
        return folder, exporter.write(OneShot(bundles), folder, make_ctx(**options))
    out = io.StringIO(newline="")
    counts = exporter.write(OneShot(bundles), out, make_ctx(**options))
    return out.getvalue(), counts


def all_records(bundles):
    return [r for b in bundles for r in b["stances"]]


# --- offsets -------------------------------------------------------------------------


def js_slice(text, start, end):
    """What JavaScript's text.slice(start, end) returns."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def test_utf16_offsets_with_emoji_combining_marks_and_arabic():
    text = "🇮🇷 e\u0301 داعش 👩\u200d⚕️ end"
    u16 = offsets.Utf16Offsets(text)
    for span in ("e\u0301", "داعش", "👩\u200d⚕️", "end", "🇮🇷"):
        start = text.index(span)
        assert js_slice(text, u16.to_utf16(start), u16.to_utf16(start + len(span))) == span
    assert u16.to_utf16(2) == 4  # the flag is two astral code points
    for outside in (-1, len(text) + 1):
        with pytest.raises(ValueError, match="outside"):
            u16.to_utf16(outside)


@given(st.text(), st.data())
def test_utf16_offset_is_the_length_of_the_encoded_prefix(text, data):
    cp = data.draw(st.integers(0, len(text)))
    assert offsets.Utf16Offsets(text).to_utf16(cp) == len(text[:cp].encode("utf-16-le")) // 2


def test_converter_knows_only_the_two_units():
    assert offsets.converter("🙂a", "codepoints")(1) == 1
    assert offsets.converter("🙂a", "utf16")(1) == 2
    with pytest.raises(ValueError, match="unknown offset unit"):
        offsets.converter("a", "graphemes")


# --- registry, streaming, provenance ------------------------------------------------


def test_registry_lists_every_format_with_its_metadata():
    assert set(EXPORTERS) == {"jsonl", "statements-jsonl", "csv", "semeval", "conll", "hf",
                              "actors", "doccano", "label-studio", "relations", "aif",
                              "brat"}  # fmt: skip
    for name, exporter in EXPORTERS.items():
        assert exporter.name == name
        assert exporter.kind in ("stream", "folder")
        assert exporter.media_type and callable(exporter.write) and exporter.description
    assert EXPORTERS["hf"].kind == EXPORTERS["aif"].kind == EXPORTERS["brat"].kind == "folder"
    readers = {"relations", "aif", "brat", "statements-jsonl", "doccano", "label-studio", "hf"}
    assert readers == RELATION_FORMATS  # only these read relations


RELATION_RECORDS = ("relations", "aif", "brat")  # their records are relations, not stances


@pytest.mark.parametrize("name", sorted(EXPORTERS))
@pytest.mark.parametrize("bundles", sorted(ALL_BUNDLES))
def test_every_writer_streams_a_one_shot_iterable(name, bundles, tmp_path):
    data = ALL_BUNDLES[bundles]()
    _, counts = export(name, data, tmp_path)
    assert isinstance(counts, Counts)
    if name != "actors":
        assert counts.statements == len(data)
        relations = sum(len(b.get("relations") or ()) for b in data)
        stances = len(all_records(data))
        assert counts.records == (relations if name in RELATION_RECORDS else stances)


def test_writers_accept_a_generator_and_an_empty_stream(tmp_path):
    for name in EXPORTERS:
        export(name, (b for b in demo_bundles()), tmp_path)
    assert json.loads(export("label-studio", [])[0]) == []


@pytest.mark.parametrize(
    "name",
    [
        n
        for n, e in EXPORTERS.items()
        if e.kind == "stream" and n not in ("actors", *RELATION_RECORDS)
    ],
)  # a relation format writes nothing for a statement without relations
def test_stream_writers_write_each_statement_before_reading_the_next(name):
    out = io.StringIO(newline="")

    def bundles():
        yield demo_bundles()[0]
        # Resumed only when the writer wants statement 2: statement 1 must be out already.
        assert len(out.getvalue()) > len("ID\tTarget\tTweet\tStance\n")
        yield from unicode_bundles()

    EXPORTERS[name].write(bundles(), out, make_ctx())


def test_provenance_is_json_ready():
    counts = export("jsonl", demo_bundles())[1]
    meta = provenance(make_ctx(), counts, format_name="jsonl")
    assert meta["counts"] == {"statements": 2, "records": 3, "rows": 3, "skipped": 0,
                              "by_label": {"claim": 1, "condemnation": 2}}  # fmt: skip
    assert meta["project"] == {"slug": "demo", "name": "Demo \u2013 Iran strikes"}
    assert [label["key"] for label in meta["labels"]] == ["claim", "condemnation", "support"]
    assert meta["tool_version"] == "0.1.0" and meta["guidelines_version"] == 2
    json.dumps(meta)


def test_format_error_renders_location():
    assert str(FormatError("bad", file="a.jsonl", line=3, field="start")) == "a.jsonl:3: start: bad"
    assert str(FormatError("bad", line=3)) == "3: bad"
    assert str(FormatError("bad")) == "bad"


# --- jsonl, statements-jsonl, readers ---------------------------------------------


@pytest.mark.parametrize("bundles", sorted(ALL_BUNDLES))
def test_jsonl_validates_against_the_shipped_schema_and_round_trips(bundles):
    data = ALL_BUNDLES[bundles]()
    text, _ = export("jsonl", data)
    lines = text.splitlines()
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for line in lines:
        validator.validate(json.loads(line))
    assert list(json.loads(lines[0])) [:6] == ["project", "statement_id", "id",
                                               "statement_title", "statement_date",
                                               "organization"]  # fmt: skip
    assert [item for _, item in read_stance_lines(lines)] == all_records(data)
    if bundles == "unicode":
        assert "داعش" in text and "\\u" not in text


def test_schema_rejects_what_it_should():
    rec = unicode_bundles()[0]["stances"][0]
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for bad in ({**rec, "start": -1}, {**rec, "votes": None}, {**rec, "extra": 1},
                {k: v for k, v in rec.items() if k != "votes"},
                {**rec, "target": {**rec["target"], "wikidata": "794"}}):  # fmt: skip
        assert not validator.is_valid(bad)


@pytest.mark.parametrize("bundles", sorted(ALL_BUNDLES))
def test_statements_jsonl_round_trips_bundles(bundles):
    data = ALL_BUNDLES[bundles]()
    text, counts = export("statements-jsonl", data)
    lines = text.splitlines()
    assert counts.rows == len(lines) == len(data)
    first = json.loads(lines[0])
    assert "statement_id" not in first["stances"][0]
    assert list(first)[-3:] == ["text", "stances", "relations"]
    numbered = list(read_stance_lines(lines))
    assert [item for _, item in numbered] == [b | {"relations": []} for b in data]
    assert [number for number, _ in numbered] == list(range(1, len(lines) + 1))


def test_reader_mixes_kinds_skips_blanks_and_bom():
    rec_line = export("jsonl", demo_bundles())[0].splitlines()[0]
    stmt_line = export("statements-jsonl", unicode_bundles())[0].splitlines()[0]
    items = list(read_stance_lines(["\ufeff" + rec_line, "", stmt_line]))
    assert [n for n, _ in items] == [1, 3]
    assert "statement" in items[1][1]


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("{not json", None, "invalid JSON"),
        ("[1, 2]", None, "expected a JSON object"),
        ('{"statement_id": "s", "start": 0, "label": "claim"}', "end", "missing"),
        ('{"statement_id": "s", "start": true, "end": 2, "label": "c"}', "start", "integer"),
        ('{"statement_id": "s", "start": 3, "end": 2, "label": "c"}', "start", "start <= end"),
        ('{"statement_id": "s", "start": 0, "end": 2, "label": "c", "target": {"name": "x"}}',
         "target", "actor"),
        ('{"statement_id": "s", "start": 0, "end": 2, "label": "c", "scope": "x"}',
         "scope", "gold"),
        ('{"id": "s", "text": "abc", "stances": [{"start": 0, "end": 9, "label": "c"}]}',
         "stances[0].end", "beyond"),
        ('{"id": "s", "text": "abc", "stances": [{"start": 0, "end": 2, "label": "c", '
         '"text": "bc"}]}', "stances[0].text", "differs"),
        ('{"id": "s", "stances": []}', "text", "missing"),
        ('{"id": "s", "text": "abc", "stances": [3]}', "stances[0]", "object"),
    ],
)  # fmt: skip
def test_reader_reports_line_and_field(line, field, message):
    with pytest.raises(FormatError, match=message) as excinfo:
        list(read_stance_lines(["", line], file="x.jsonl"))
    assert (excinfo.value.line, excinfo.value.field, excinfo.value.file) == (2, field, "x.jsonl")


# --- csv and actors -------------------------------------------------------------------


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("bundles", sorted(ALL_BUNDLES))
def test_csv_reads_back_with_the_csv_module(bundles):
    data = ALL_BUNDLES[bundles]()
    text, counts = export("csv", data)
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    rows = read_csv(text)
    assert len(rows) == counts.rows == len(all_records(data))
    for row, rec in zip(rows, all_records(data), strict=True):
        assert (int(row["start"]), int(row["end"])) == (rec["start"], rec["end"])
        assert row["text"] == rec["text"]  # tabs, CRLF, emoji and Arabic survive quoting
        assert row["target_id"] == rec["target"]["id"]
        assert row["holder_name"] == "RCIT"
    if bundles == "unicode":
        assert rows[0]["source_annotators"] == "alice|bob" and rows[0]["votes"] == "2"
        assert rows[0]["statement_title"] == "'+Umlaut \u00e4\u00f6\u00fc"


def test_csv_neutralises_formulas_but_not_numbers():
    rows = read_csv(export("csv", demo_bundles())[0])
    assert rows[1]["note"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["note"] == "" and rows[0]["start"].isdigit()
    from annotator.formats.spreadsheet import neutralise, read_cell

    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=1", "'x"):
        assert neutralise(value) == "'" + value
        assert read_cell(neutralise(value)) == value
    assert neutralise(-1) == -1 and neutralise(-0.5) == -0.5 and neutralise(None) == ""
    assert neutralise("a=b") == "a=b" and read_cell("'abc") == "'abc"


# Cells the fast csv path must get right: every character the csv module quotes or the
# formula rule neutralises, at the start and inside, among ordinary and non-ASCII text.
CSV_PLAIN = st.text("ab \u00e9\U0001f1ee", max_size=4)
CSV_SPECIAL = st.tuples(st.sampled_from('=+-@\t\r",\n'), CSV_PLAIN).map("".join) | st.text(
    st.sampled_from("\",\r\n=+-@\t'|x \u00e9\u062f\U0001f1ee") | st.characters(), max_size=6
)
CSV_TEXT_FIELDS = ("project", "statement_id", "id", "statement_title", "statement_date",
                   "organization", "text", "label", "polarity", "annotator", "scope", "note",
                   "created_at", "updated_at")  # fmt: skip
REF_FIELDS = ("id", "name", "type", "wikidata")


@st.composite
def csv_records(draw):
    """Records in the documented shape: plain text, None and ints, with up to two special
    cells, so that a line with one special cell among plain ones is common."""
    plain, number = CSV_PLAIN | st.none(), st.integers(-5, 10**6)
    rec = {k: draw(plain) for k in CSV_TEXT_FIELDS}
    rec |= {k: draw(number) for k in ("start", "end")}
    rec |= {"guidelines_version": draw(number | st.none())}
    for role in ("target", "holder"):
        rec[role] = draw(st.none() | st.fixed_dictionaries({f: plain for f in REF_FIELDS}))
    if draw(st.booleans()):  # gold
        rec |= {"votes": draw(number), "source_annotators": draw(st.lists(CSV_PLAIN, max_size=2))}
    slots = [(k, None) for k in CSV_TEXT_FIELDS]
    slots += [(role, f) for role in ("target", "holder") if rec[role] for f in REF_FIELDS]
    for key, field in draw(st.lists(st.sampled_from(slots), max_size=2)):
        if field is None:
            rec[key] = draw(CSV_SPECIAL)
        else:
            rec[key] = rec[key] | {field: draw(CSV_SPECIAL)}
    if rec.get("source_annotators") is not None and draw(st.booleans()):
        rec["source_annotators"] = [draw(CSV_SPECIAL), *rec["source_annotators"]]
    return rec


def csv_module_rows(records):
    """The reference: every cell through the csv module, the formula rule applied by hand."""
    from annotator.formats.csv_export import columns

    COLUMNS = columns(("note", "guidelines_version"))

    def cell(value):
        if value is None:
            return ""
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "'"):
            return "'" + value
        return value

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for rec in records:
        refs = [rec[role] or {} for role in ("target", "holder")]
        sources = rec.get("source_annotators")
        row = [rec[k] for k in COLUMNS[:11]]
        row += [ref.get(f) for ref in refs for f in ("id", "name", "type", "wikidata")]
        row += [rec[k] for k in COLUMNS[19:25]]
        row += [rec.get("votes"), None if sources is None else "|".join(sources)]
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


@given(st.lists(st.lists(csv_records(), max_size=4), max_size=4))
def test_csv_fast_path_writes_what_the_csv_module_writes(statements):
    bundles = [{"statement": statement(f"s{i}", "x"), "stances": recs}
               for i, recs in enumerate(statements)]  # fmt: skip
    text, counts = export("csv", bundles)
    records = [rec for recs in statements for rec in recs]
    assert text == csv_module_rows(records)
    assert counts.rows == len(records)


def test_csv_special_cells_match_the_csv_module():
    plain = record(statement("p", "abc"), "abc", "claim")
    for value in ('a"b', "a,b", "a\nb", "a\rb", "=1", "+1", "-1", "@x", "\tx", "a=b", "\u00e9"):
        for key in ("project", "statement_title", "note", "annotator", "updated_at"):
            text, _ = export("csv", [{"statement": statement("p", "abc"), "stances": [
                plain | {key: value}]}])  # fmt: skip
            assert text == csv_module_rows([plain | {key: value}]), (key, value)
    rec = plain | {"start": -1, "target": None}
    del rec["note"]  # a missing field reads as empty, as the csv module path reads it
    text, _ = export("csv", [{"statement": statement("p", "abc"), "stances": [rec]}])
    assert text == csv_module_rows([rec | {"note": None}]) and ",-1," in text


SPREADSHEET_TYPES = {"text/csv": ",", "text/tab-separated-values": "\t"}


def hostile_bundles():
    """Every text a user writes starting with a formula character: ids, names, notes."""
    s = statement("=s1", "=cmd|' /C calc'!A0 then @SUM(A1)", title="+t", organization="-o")
    evil = {"id": "evil", "name": '=HYPERLINK("http://x")', "type": "other", "wikidata": None}
    rec = record(s, "=cmd", "condemnation", annotator="@ann", note="\tx", target=None)
    rec |= {"target": evil, "holder": evil | {"name": "-2+3"}, "project": "'=p"}
    gold = rec | {"annotator": None, "scope": "gold", "votes": -1, "source_annotators": ["=a"]}
    return [{"statement": s, "stances": [rec, gold]}]


@pytest.mark.parametrize(
    "name", [n for n, e in EXPORTERS.items() if e.media_type in SPREADSHEET_TYPES]
)
def test_every_spreadsheet_format_neutralises_every_cell(name):
    from annotator.formats.spreadsheet import is_neutral, read_cell

    text, _ = export(name, hostile_bundles())
    delimiter = SPREADSHEET_TYPES[EXPORTERS[name].media_type]
    if delimiter == "\t":
        rows = [line.split("\t") for line in text.splitlines()]
    else:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(read_cell(cell) != cell for cell in cells), "nothing hostile was written"
    assert [cell for cell in cells if not is_neutral(cell)] == []


def test_numbers_are_written_as_numbers_and_text_that_looks_like_one_is_quoted():
    from annotator.formats.spreadsheet import CSV, SheetWriter

    line = SheetWriter(CSV).text([(-1, -0.5, "-1", 3, None, True)])
    assert line == "-1,-0.5,'-1,3,,True\r\n"


def test_csv_bom_option():
    text = export("csv", demo_bundles(), csv_bom=True)[0]
    assert text.startswith("\ufeffproject,statement_id,")


def test_actors_csv_from_the_registry():
    text, counts = export("actors", [])
    rows = read_csv(text)
    assert counts.rows == len(rows) == len(ACTORS)
    assert list(rows[0]) == ["id", "name", "type", "aliases", "wikidata"]
    assert rows[0] == {"id": "iran", "name": "Iran", "type": "state",
                       "aliases": "Teheran|Mullah regime", "wikidata": "Q794"}  # fmt: skip
    assert rows[1]["aliases"] == "ISIS|داعش"
    assert rows[3]["name"].startswith("'=") and rows[3]["aliases"] == "'-1|@me"


# --- semeval ----------------------------------------------------------------------------


def test_semeval_table_rows_and_tweet_cleaning():
    text, counts = export("semeval", demo_bundles() + unicode_bundles())
    lines = text.split("\n")
    assert lines[0] == "ID\tTarget\tTweet\tStance" and lines[-1] == ""
    rows = [line.split("\t") for line in lines[1:-1]]
    assert all(len(r) == 4 for r in rows)
    by_id = {r[0]: r for r in rows}
    assert by_id["rcit-1:iran"][1:2] == ["Iran"]
    assert by_id["rcit-1:iran"][3] == "AGAINST"  # claim (NONE) + condemnation
    assert by_id["rcit-1:daesh"][3] == "AGAINST"
    tweet = by_id["uni-1:daesh"][2]
    assert "\n" not in tweet and "\t" not in tweet and "Teheran sagt: \u201eWir" in tweet
    assert by_id["uni-1:iran"][3] == "FAVOR"
    assert counts.rows == len(rows) == 4


def test_semeval_conflict_rule():
    assert semeval.decide(["FAVOR", "AGAINST", "FAVOR"]) == "FAVOR"
    assert semeval.decide(["AGAINST", "NONE", "NONE"]) == "AGAINST"
    assert semeval.decide(["FAVOR", "AGAINST"]) == "NONE"
    assert semeval.decide(["NONE"]) == "NONE"
    s = statement("c-1", "We support Iran. We condemn Iran. We condemn Iran again.")
    stances = [
        record(s, "support Iran", "support"),
        record(s, "condemn Iran", "condemnation"),
        record(s, "Iran again", "condemnation", annotator="bob"),
        record(s, "We", "claim", target=None),
    ]
    text, counts = export("semeval", [{"statement": s, "stances": stances}])
    assert text.splitlines()[1].endswith("\tAGAINST")
    assert counts.skipped == 1


# --- conll ------------------------------------------------------------------------------


def parse_conll(text):
    """Blocks as (comments, [(token, start, end, tag)])."""
    blocks = []
    for chunk in text.strip("\n").split("\n\n"):
        lines = chunk.split("\n")
        comments = [line for line in lines if line.startswith("# ")]
        tokens = [tuple(line.split("\t")) for line in lines if not line.startswith("# ")]
        blocks.append((comments, [(t, int(s), int(e), tag) for t, s, e, tag in tokens]))
    return blocks


def test_conll_tokens_offsets_and_tags_on_unicode():
    text, counts = export("conll", unicode_bundles())
    [(comments, tokens)] = parse_conll(text)
    assert comments == ["# statement_id = uni-1"]
    for token, start, end, _ in tokens:
        assert UNICODE_TEXT[start:end] == token
    tags = {token: tag for token, _, _, tag in tokens}
    assert tags["🇮🇷"] == "O" and tags["Teheran"] == "B-claim"
    assert tags["Caf\u0065\u0301"] == "B-condemnation" and tags["Anschlag"] == "I-condemnation"
    assert tags["داعش"] == "B-condemnation" and tags["بشدة"] == "O"
    assert tags["people"] == "I-support" and tags["👩\u200d⚕️"] == "I-support"
    assert counts.rows == 1 and counts.skipped == 0


def test_conll_blocks_per_annotator_and_overlap_rule():
    text, counts = export("conll", demo_bundles())
    blocks = parse_conll(text)
    assert [c for c, _ in blocks] == [
        ["# statement_id = rcit-1", "# annotator = alice"],
        ["# statement_id = rcit-1", "# annotator = bob"],
        ["# statement_id = rcit-2"],
    ]
    assert {tag for *_, tag in blocks[2][1]} == {"O"}
    s = statement("o-1", "aa bb cc dd")
    stances = [record(s, "bb cc", "claim"), record(s, "aa bb", "support"),
               record(s, "b", "condemnation", occurrence=0), record(s, "dd", "claim")]  # fmt: skip
    tokens = list(conll.tokenize(s["text"]))
    tags, skipped = conll.bio_tags(tokens, stances)
    assert tags == ["B-support", "I-support", "O", "B-claim"]
    assert skipped == 2


def test_conll_tokenizer_keeps_graphemes_together():
    tokens = [t for t, _, _ in conll.tokenize("Cafe\u0301s 🇮🇷🇵🇰 1\ufe0f\u20e3 (ISIS) الدَّولة x_y")]
    assert tokens == ["Cafe\u0301s", "🇮🇷", "🇵🇰", "1\ufe0f\u20e3", "(", "ISIS", ")", "الدَّولة", "x_y"]


# --- doccano and label studio ---------------------------------------------------------


def test_doccano_counts_utf16_by_default():
    line = json.loads(export("doccano", unicode_bundles())[0])
    assert line["id"] == "uni-1" and line["text"] == UNICODE_TEXT
    spans = {js_slice(UNICODE_TEXT, s, e): label for s, e, label in line["label"]}
    assert spans == {r["text"]: r["label"] for r in unicode_bundles()[0]["stances"]}
    line = json.loads(export("doccano", unicode_bundles(), doccano_offsets="codepoints")[0])
    assert {UNICODE_TEXT[s:e] for s, e, _ in line["label"]} == set(spans)


def test_label_studio_tasks_group_results_per_annotator():
    tasks = json.loads(export("label-studio", demo_bundles())[0])
    assert len(tasks) == 2 and tasks[1]["annotations"] == []
    task = tasks[0]
    assert task["data"]["statement_id"] == "rcit-1" and task["data"]["text"] == DEMO_TEXT
    assert [a["annotator"] for a in task["annotations"]] == ["alice", "bob"]
    assert all("completed_by" not in a and not a["ground_truth"] for a in task["annotations"])
    labels = [r for r in task["annotations"][0]["result"] if r["type"] == "labels"]
    assert [r["value"]["labels"] for r in labels] == [["claim"], ["condemnation"]]
    targets = [r for r in task["annotations"][0]["result"] if r["from_name"] == "target"]
    assert targets[1]["value"]["text"] == ["Islamic State (Daesh) (daesh)"]
    assert targets[1]["id"] == labels[1]["id"]
    bare = json.loads(export("label-studio", demo_bundles(), label_studio_actors=False)[0])
    assert {r["type"] for r in bare[0]["annotations"][0]["result"]} == {"labels"}
    # the CLI's word means what the API's boolean means
    worded = json.loads(export("label-studio", demo_bundles(), label_studio_actors="false")[0])
    assert worded == bare


def test_declared_format_options_have_unique_names_and_valid_defaults():
    options = list({id(o): o for e in EXPORTERS.values() for o in e.options}.values())
    # One name, one option: formats sharing one (statement_text) share the object.
    assert len({o.name for o in options}) == len(options) >= 3
    for option in options:
        assert option.default in option.values
        with pytest.raises(ValueError, match=f"Option {option.name} must be one of"):
            option.parse("nonsense")


@pytest.mark.parametrize(("unit", "slicer"), [("codepoints", lambda t, s, e: t[s:e]),
                                             ("utf16", js_slice)])  # fmt: skip
def test_label_studio_offsets(unit, slicer):
    [task] = json.loads(export("label-studio", unicode_bundles(), label_studio_offsets=unit)[0])
    [gold] = task["annotations"]
    assert gold["annotator"] == "gold" and gold["ground_truth"] is True
    for result in gold["result"]:
        value = result["value"]
        if result["type"] == "labels":
            assert slicer(UNICODE_TEXT, value["start"], value["end"]) == value["text"]


# --- hf ---------------------------------------------------------------------------------


def many_bundles(n=40):
    """Enough statements that every split gets some."""
    out = []
    for i in range(n):
        s = statement(f"s-{i:03d}", f"Statement {i}: we condemn Iran 🇮🇷 and داعش.")
        stances = [record(s, "condemn Iran", "condemnation"), record(s, "داعش", "claim", "daesh")]
        out.append({"statement": s, "stances": stances})
    return out


def read_split(folder, split):
    path = folder / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_hf_folder_splits_by_statement_with_a_card(tmp_path):
    data = many_bundles()
    folder, counts = export("hf", data, tmp_path, licence="cc-by-4.0")
    assert counts.records == 80
    splits = {s: read_split(folder, s) for s in hf_dataset.SPLITS}
    assert all(splits.values())
    seen = [{r["statement_id"] for r in recs} for recs in splits.values()]
    assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])
    assert sum(len(r) for r in splits.values()) == 80
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for rec in splits["test"]:
        validator.validate(rec)
    card = (folder / "README.md").read_text(encoding="utf-8")
    front = card.split("---\n")[1]
    assert 'license: "cc-by-4.0"' in front
    assert "  - split: validation\n    path: validation.jsonl" in front
    assert "code points" in card
    assert "| iran | Iran | state | Q794 | Teheran, Mullah regime |" in card
    assert "Denounces \\| rejects." in card
    assert f"| condemnation | {len(splits['train']) // 2} |" in card


def test_hf_split_is_deterministic_and_seeded():
    ratios = hf_dataset.split_ratios({})
    ids = [f"s-{i}" for i in range(200)]
    first = [hf_dataset.split_of(i, 0, ratios) for i in ids]
    assert first == [hf_dataset.split_of(i, 0, ratios) for i in ids]
    assert first != [hf_dataset.split_of(i, 1, ratios) for i in ids]
    assert 120 < first.count("train") < 190
    only_train = hf_dataset.split_ratios({"split_ratios": [1, 0, 0]})
    assert {hf_dataset.split_of(i, 0, only_train) for i in ids} == {"train"}
    with pytest.raises(ValueError):
        hf_dataset.split_ratios({"split_ratios": {"train": 0.9, "validation": 0.2, "test": 0}})


def test_hf_omits_empty_splits(tmp_path):
    folder, _ = export("hf", unicode_bundles(), tmp_path, split_ratios=[0, 0, 1])
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "test.jsonl"]
    assert "split: train" not in (folder / "README.md").read_text(encoding="utf-8")


def test_hf_folder_loads_with_datasets(tmp_path):
    datasets = pytest.importorskip("datasets", reason="pip install datasets to run this test")
    folder, _ = export("hf", many_bundles() + unicode_bundles(), tmp_path)
    loaded = datasets.load_dataset("json", data_dir=str(folder), cache_dir=str(tmp_path / "c"))
    assert set(loaded) == set(hf_dataset.SPLITS)
    for split in hf_dataset.SPLITS:
        assert loaded[split].num_rows == len(read_split(folder, split))
    rows = [r for split in loaded.values() for r in split if r["statement_id"] == "uni-1"]
    assert {r["text"] for r in rows} == {r["text"] for r in unicode_bundles()[0]["stances"]}


@pytest.mark.parametrize(
    ("version", "words"), [(2, "guidelines version 2."), (None, "no guidelines")]
)
def test_hf_card_names_the_guidelines_version_or_says_there_is_none(version, words):
    from dataclasses import replace

    from annotator.formats import Counts, hf_card

    out = io.StringIO()
    ctx = replace(make_ctx(), guidelines_version=version)
    hf_card.write_card(out, ctx, {"train": Counts(records=1)}, ["en"])
    assert words in out.getvalue() and "None" not in out.getvalue()
