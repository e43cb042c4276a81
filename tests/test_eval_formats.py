"""Gold readers and scorers over small files written here (every format, no ../shared)."""

from __future__ import annotations

from pathlib import Path

from flashpoint.evaluate import evaluate, read_gold
from flashpoint.evaluate.report import check_floors

PETRARCH = """<?xml version='1.0' encoding='utf-8'?>
<Validation>
# a comment line the XML reader must survive
<Sentences>
<Sentence date="20230308" id="T1" evaluate="true"/>
<EventCoding eventcode="190" sourcecode="RUS" targetcode="UKR" />
<Text>
Russian forces shelled Ukrainian positions near Bakhmut.
</Text>
<Parse>
1 Russian russian ADJ
</Parse>
</Sentence>
<Sentence date="230308" id="T2" evaluate="true">
<EventCoding noevents="True" />
<Text>The weather was fine in Oslo.</Text>
</Sentence>
</Sentences>
</Validation>
"""

CONLL = """Iran O
accused O
Israel B-T
. O

Iranian B-S
troops I-S
attacked O
Iraqi B-T
positions I-T
. O
"""


def test_petrarch_records_are_read_without_the_parse(tmp_path: Path) -> None:
    path = tmp_path / "records.xml"
    path.write_text(PETRARCH, "utf-8")
    items = list(read_gold(path))
    assert [i.id for i in items] == ["T1", "T2"]
    assert items[0].events[0].event_type == "ASSAULT" and items[0].events[0].cameo == "190"
    assert "Parse" not in items[0].text and items[1].events == []
    assert items[1].date is not None and items[1].date.year == 2023
    report = evaluate(path)
    assert report["cameo_root"]["tp"] == 1
    assert report["events"]["per_type"]["ASSAULT"]["tp"] == 1


MEETING = """<Sentences>
<Sentence date="20230308" id="M1" evaluate="true">
<EventCoding eventcode="040" sourcecode="BRA" targetcode="IND" />
<EventCoding eventcode="040" sourcecode="IND" targetcode="BRA" />
<Text>Brazil and India met in Brasilia.</Text>
</Sentence>
</Sentences>
"""


def test_petrarch_gold_is_scored_under_cameo_conventions(tmp_path: Path) -> None:
    """Directed CAMEO dyads: a meeting is an event each way; PLOVER's figure is shown beside."""
    path = tmp_path / "meeting.xml"
    path.write_text(MEETING, "utf-8")
    report = evaluate(path)
    assert report["conventions"] == "cameo"
    assert report["cameo_root"]["tp"] == 2 and report["cameo_root"]["fn"] == 0
    assert report["cameo_root_plover"]["tp"] == 1 and report["cameo_root_plover"]["fn"] == 1
    forced = evaluate(path, conventions="plover")
    assert forced["conventions"] == "plover" and forced["cameo_root"]["tp"] == 1


def test_conll_spans_and_role_scores(tmp_path: Path) -> None:
    path = tmp_path / "roles.conll"
    path.write_text(CONLL, "utf-8")
    items = list(read_gold(path))
    assert len(items) == 2
    first = items[0]
    ((start, end),) = first.roles["T"]
    assert first.text[start:end] == "Israel"
    source = items[1].roles["S"][0]
    assert items[1].text[source[0] : source[1]] == "Iranian troops"
    report = evaluate(path)
    assert report["roles"]["source_total"] == 1 and report["roles"]["target_total"] == 2


def test_quad_scores(tmp_path: Path) -> None:
    path = tmp_path / "quad.tsv"
    path.write_text("Russian forces shelled Kharkiv.\t4\nThe weather was fine.\t0\n", "utf-8")
    report = evaluate(path)
    assert report["quad"]["accuracy"] == 1.0
    assert report["quad"]["sentences"] == 2


def test_our_jsonl_and_floors(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        '{"id": "a", "text": "India accused Pakistan of sheltering militants.",'
        ' "date": "2023-01-01",'
        ' "events": [{"type": "ACCUSE", "actor": "IND", "recipient": "PAK"}]}\n',
        "utf-8",
    )
    report = evaluate(path)
    assert report["events"]["per_type"]["ACCUSE"]["f1"] == 1.0
    assert report["events"]["actor_accuracy"] == 1.0
    floors = tmp_path / "floors.yaml"
    floors.write_text(
        'floors:\n  "*gold.jsonl":\n    events.macro_f1: 0.9\n    events.modality_accuracy: 1.01\n',
        "utf-8",
    )
    failures = check_floors([report], floors)
    assert len(failures) == 1 and "modality_accuracy" in failures[0]
