"""The synthetic corpus generator: reproducible, readable by our readers, codable, checked."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from flashpoint.actors import load_actor_dictionary
from flashpoint.cli import main
from flashpoint.errors import DataSchemaError, FlashpointError
from flashpoint.ingest import read_path
from flashpoint.model import Document
from flashpoint.pipeline import Config
from flashpoint.synth import iter_articles, load_vocabulary, write_corpus
from flashpoint.synth.corpus import make_article, render_html
from flashpoint.text.tokens import tokenize

START = dt.date(2026, 1, 1)


def test_same_seed_same_corpus_and_another_seed_another() -> None:
    first = list(iter_articles(30, seed=3))
    assert first == list(iter_articles(30, seed=3))
    assert [a.headline for a in first] != [a.headline for a in iter_articles(30, seed=4)]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), index=st.integers(0, 5_000))
@example(seed=1317, index=466)  # a copy of a copy of a 15-paragraph article
def test_any_article_has_news_shape(seed: int, index: int) -> None:
    vocab = load_vocabulary()
    a = make_article(index, seed=seed, vocab=vocab, start=START, days=365, duplicates=0.1)
    assert a == make_article(index, seed=seed, vocab=vocab, start=START, days=365, duplicates=0.1)
    assert 4 <= len(a.paragraphs) <= 16 and a.headline and a.standfirst  # a rewrite: +-1
    assert START <= a.published <= START + dt.timedelta(days=366)
    assert "{" not in " ".join(a.paragraphs)  # every slot was filled
    assert a.copy_of is None or a.copy_of < index


def test_a_share_of_articles_rewrite_earlier_ones() -> None:
    arts = list(iter_articles(400, duplicates=0.25))
    copies = [a for a in arts if a.copy_of is not None]
    assert 0.15 < len(copies) / len(arts) < 0.35
    by_index = {a.index: a for a in arts}
    shared = [set(a.paragraphs) & set(by_index[a.copy_of].paragraphs) for a in copies]
    assert all(len(s) >= 3 for s in shared)  # a rewrite keeps most of its source
    assert not [a for a in iter_articles(50, duplicates=0.0) if a.copy_of is not None]


def test_article_length_is_news_length() -> None:
    arts = list(iter_articles(300))
    sentences = sum(a.sentences for a in arts) / len(arts)
    words = sum(len(" ".join(a.paragraphs).split()) for a in arts) / len(arts)
    assert 15 <= sentences <= 30 and 250 <= words <= 450


def test_every_country_of_the_vocabulary_is_an_actor_we_know() -> None:
    d = load_actor_dictionary()
    known = {" ".join(keys) for keys, _ in d._phrases()}
    for c in load_vocabulary().countries:
        for phrase in (c.name, c.adj, c.capital):
            assert " ".join(t.lower for t in tokenize(phrase)) in known, phrase


@pytest.mark.parametrize("fmt", ["html", "txt", "jsonl"])
def test_written_corpus_reads_back_as_documents(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / fmt
    report = write_corpus(12, out, fmt=fmt, seed=5)
    assert report.articles == 12 and report.bytes > 12 * 1000
    items = list(read_path(out))
    docs = [d for d in items if isinstance(d, Document)]
    assert len(docs) == 12 == len(items)
    headlines = [a.headline for a in iter_articles(12, seed=5)]
    assert sorted(d.text.split("\n")[0] for d in docs) == sorted(headlines)
    assert all(d.published is not None for d in docs)


def test_html_pages_are_marked_synthetic() -> None:
    page = render_html(next(iter_articles(1)))
    assert "SYNTHETIC" in page and 'name="flashpoint:synthetic"' in page


def test_a_folder_that_is_not_empty_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(FlashpointError, match="FP-E090"):
        write_corpus(3, tmp_path)


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("synth/templates.yaml", "version: 1\nevents: []\n", "'events' must be a non-empty"),
        (
            "synth/templates.yaml",
            "version: 1\nevents: [{weight: 1, headline: h, text: '{nope} did it'}]\n"
            "follow_ups: [a]\nquote_forms: [b]\n",
            "unknown slots",
        ),
        ("synth/vocabulary.yaml", "version: 1\ncountries: []\n", "two countries or more"),
    ],
)
def test_a_broken_vocabulary_names_the_file(
    file: str, text: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / file
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(DataSchemaError, match=message):
        load_vocabulary(Config(data_dir=tmp_path))


def test_generate_corpus_command(tmp_path: Path) -> None:
    out = tmp_path / "c"
    result = CliRunner().invoke(
        main, ["generate-corpus", "5", str(out), "--format", "jsonl", "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "5 articles" in result.output
    records = [json.loads(x) for x in (out / "corpus.jsonl").read_text().splitlines()]
    assert len(records) == 5 and all(r["synthetic"] for r in records)
    again = CliRunner().invoke(main, ["generate-corpus", "5", str(out)])
    assert again.exit_code == 1 and "FP-E090" in again.output
