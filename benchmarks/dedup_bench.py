"""Dedup benchmark: a generated corpus with known duplicate structure (issue 5).

    .venv/bin/python benchmarks/dedup_bench.py [--articles 20000] [--seed 7] [--batch-size 64]

Every article is generated from templates and reports one known event (dyad, type, city, day):
an original report, wire copies of it with edits (a new lead, a changed word, a cut ending, a
later publication date) and independent reports in other words, written on other days and
dating the event by weekday ("on Monday"), by calendar date ("on March 3") or not at all. A share
of events get a "twin": the same sides and type on the same day in a distant city (must not
merge). The corpus is coded with the default pipeline and stored batch by batch with the
dedup component updating after each batch, as `flashpoint ingest` does.

Measured: pairwise precision and recall of event merging over the event mentions (two mentions
are a true pair when they report the same generated event; a mention the coder invented is its
own event, and so is a mention of another type or modality), the same for story clustering
(wire families), and throughput (coding, storing and dedup separately). Writes
`benchmarks/results/dedup_bench.json` and `.md`. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from flashpoint.dedup import get_deduplicator
from flashpoint.engine import code_documents, data_version
from flashpoint.model import Document
from flashpoint.pipeline import Config, Pipeline
from flashpoint.store import Store

DYADS = [
    ("Russian", "Ukrainian", ["Kharkiv", "Odesa", "Kherson", "Zaporizhzhia", "Dnipro", "Sumy"]),
    ("Ukrainian", "Russian", ["Belgorod", "Kursk", "Bryansk", "Voronezh", "Taganrog"]),
    ("Turkish", "Syrian", ["Aleppo", "Raqqa", "Idlib", "Homs", "Hama", "Qamishli", "Manbij"]),
    ("Israeli", "Lebanese", ["Beirut", "Tyre", "Sidon", "Baalbek", "Nabatieh"]),
    ("Saudi", "Yemeni", ["Sanaa", "Aden", "Hodeidah", "Taiz", "Marib", "Saada"]),
    ("Iranian", "Iraqi", ["Basra", "Mosul", "Erbil", "Kirkuk", "Najaf", "Sulaymaniyah"]),
    ("Indian", "Pakistani", ["Lahore", "Karachi", "Peshawar", "Quetta", "Multan", "Sialkot"]),
    ("Pakistani", "Afghan", ["Kandahar", "Jalalabad", "Khost", "Herat"]),
    ("Ethiopian", "Sudanese", ["Kassala", "Gedaref", "Port Sudan"]),
    ("Azerbaijani", "Armenian", ["Gyumri", "Vanadzor", "Jermuk"]),
]
# (type, wordings): each wording a sentence with {A} actor, {B} recipient, {C} city, {W} when.
TYPES = [
    (
        "ASSAULT",
        [
            "{A} forces shelled {B} positions near {C}{W}, officials said.",
            "{A} aircraft bombed {B} targets in {C}{W}, the army said.",
            "{A} troops attacked {B} positions near {C}{W}, according to a military statement.",
        ],
    ),
    (
        "COERCE",
        [
            "{A} police arrested {B} activists in {C}{W}.",
            "{A} police detained {B} activists in {C}{W}, their lawyers said.",
        ],
    ),
    (
        "CONSULT",
        [
            "{A} and {B} officials held talks in {C}{W}.",
            "{A} and {B} diplomats met in {C}{W} to discuss the border.",
        ],
    ),
]
# Filler sentences are built from parts, so independent reports share little text; any that the
# coder reads an event in are left out (see `fillers`), so every mention is of the known event.
SUBJECTS = [
    "Residents", "Shopkeepers", "Teachers", "Farmers", "Doctors at the local clinic", "Students",
    "Taxi drivers", "Aid workers", "Elderly villagers", "Market traders", "Fishermen", "Nurses",
]  # fmt: skip
CLAUSES = [
    "described a long and anxious night",
    "said the power went out for several hours",
    "worried about the price of bread and fuel",
    "expected the roads to reopen by the weekend",
    "said the schools in the district stayed open",
    "recalled a similar episode from years ago",
    "hoped that the harvest would not be affected",
    "waited in long queues outside the bakeries",
    "said the water supply was restored in the evening",
    "complained about the cold weather and the snow",
    "said mobile phone networks were unreliable",
    "planned to stay with relatives in the countryside",
]
TAILS = [
    "according to a local radio station",
    "in interviews with this newspaper",
    "in posts on social media",
    "speaking on condition of anonymity",
    "as the day went on",
    "in the hours that followed",
]
SOURCES = [f"site{i:02d}.example" for i in range(40)]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
START = dt.date(2024, 1, 1)
SEPARATION = 3  # days between distinct events of the same sides, type and city
DAYS = 730


def when(event: dt.date, published: dt.date, rng: random.Random) -> str:
    """A date expression for `event` as written on `published`."""
    lag = (published - event).days
    choices = ["date"]
    if 0 < lag < 7:
        choices += ["weekday", "weekday"]
    if lag <= 2:
        choices.append("none")
    kind = rng.choice(choices)
    if kind == "weekday":
        return f" on {WEEKDAYS[event.weekday()]}"
    if kind == "none":
        return ""
    return f" on {MONTHS[event.month - 1]} {event.day}"


def fillers(pipeline: Pipeline) -> list[str]:
    """Every filler sentence the coder reads no event in."""
    out = []
    for subject in SUBJECTS:
        for clause in CLAUSES:
            for tail in TAILS:
                out.append(f"{subject} {clause}, {tail}.")
    docs = [Document(id=str(i), text=t, origin="", fmt="text") for i, t in enumerate(out)]
    return [
        t
        for t, d in zip(out, code_documents(docs, pipeline), strict=True)
        if isinstance(d, Document) and not d.events
    ]


def located(pipeline: Pipeline) -> list[tuple[str, str, list[str]]]:
    """The dyads with the cities the geoparser places at city level (others are left out: the
    benchmark measures dedup, not the gazetteer)."""
    out = []
    for a, b, cities in DYADS:
        docs = [
            Document(id=c, text=f"{a} forces shelled {b} positions near {c}.", origin="", fmt="t")
            for c in cities
        ]
        keep = [
            c
            for c, d in zip(cities, code_documents(docs, pipeline), strict=True)
            if isinstance(d, Document)
            and any(e.location and e.location.precision == "city" for e in d.events)
        ]
        if keep:
            out.append((a, b, keep))
    return out


def body(sentence: str, rng: random.Random, filler: list[str]) -> str:
    return " ".join([sentence, *rng.sample(filler, 4)])


def generate(
    n_articles: int, seed: int, filler: list[str], dyads: list[tuple[str, str, list[str]]]
) -> tuple[list[Document], dict[str, Any]]:
    rng = random.Random(seed)
    docs: list[Document] = []
    truth: dict[str, tuple[str, str, str]] = {}  # article -> (event id, event type, wire family)
    n_events = n_twins = n_resampled = 0
    taken: set[tuple[str, str, str, str, int]] = set()  # (sides, type, city, day)
    while len(docs) < n_articles:
        a, b, cities = rng.choice(dyads)
        etype, wordings = rng.choice(TYPES)
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        city = rng.choice(cities)
        # Two distinct events with the same sides, type and city are at least SEPARATION days
        # apart: closer than that nothing in their reports tells them apart.
        near = {
            (a, b, etype, city, day.toordinal() + d) for d in range(-SEPARATION, SEPARATION + 1)
        }
        if near & taken:
            n_resampled += 1
            continue
        taken.add((a, b, etype, city, day.toordinal()))
        group = [(city, f"ev{n_events:05d}")]
        n_events += 1
        if rng.random() < 0.1 and len(cities) > 1:  # a twin: same day, same sides, another city
            twin = rng.choice([c for c in cities if c != city])
            taken.add((a, b, etype, twin, day.toordinal()))
            group.append((twin, f"ev{n_events:05d}"))
            n_events += 1
            n_twins += 1
        for place, eid in group:
            n_independent = rng.choice([0, 0, 1, 1, 2, 3])
            for r in range(1 + n_independent):
                published = day + dt.timedelta(days=rng.choice([0, 0, 1, 1, 2, 3, 4]))
                wording = rng.choice(wordings)
                sentence = wording.format(A=a, B=b, C=place, W=when(day, published, rng))
                text = body(sentence, rng, filler)
                family = f"{eid}-r{r}"
                copies = [(text, published)]
                for _ in range(rng.choice([0, 0, 1, 2, 3])):
                    edited = text
                    edit = rng.randrange(4)
                    if edit == 0:
                        edited = "UPDATED: " + edited + " More details will follow."
                    elif edit == 1:
                        edited = edited.replace("said", "stated", 1)
                    elif edit == 2:
                        edited = edited.rsplit(" ", 8)[0] + "."
                    else:
                        edited = edited + " " + rng.choice(filler)
                    later = published + dt.timedelta(days=rng.choice([0, 0, 1]))
                    if " on " not in sentence and (later - day).days > 2:
                        later = published  # an undated report is not republished days later
                    copies.append((edited, later))
                for c, (t, pub) in enumerate(copies):
                    aid = f"{eid}-r{r}-c{c}"
                    docs.append(
                        Document(
                            id=aid,
                            text=t,
                            origin=aid,
                            fmt="text",
                            title=None,
                            source=rng.choice(SOURCES),
                            published=pub,
                        )
                    )
                    truth[aid] = (eid, etype, family)
    rng.shuffle(docs)  # arrival order is not story order
    docs = docs[:n_articles]
    meta = {"events": n_events, "twins": n_twins, "resampled": n_resampled, "truth": truth}
    return docs, meta


def pairs(groups: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def pairwise(labels: list[tuple[Any, Any]]) -> dict[str, float]:
    """Pairwise precision/recall of predicted clusters against true ones, from counts."""
    true = Counter(t for t, _ in labels)
    pred = Counter(p for _, p in labels)
    both = Counter(labels)
    tp, tp_fp, tp_fn = pairs(both), pairs(pred), pairs(true)
    precision = tp / tp_fp if tp_fp else 1.0
    recall = tp / tp_fn if tp_fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": tp_fn,
        "predicted_pairs": tp_fp,
    }


def run(n_articles: int, seed: int, batch_size: int, out_dir: Path) -> dict[str, Any]:
    config = Config()
    pipeline = Pipeline(config)
    t0 = time.perf_counter()
    dyads = located(pipeline)
    docs, meta = generate(n_articles, seed, fillers(pipeline), dyads)
    t_gen = time.perf_counter() - t0
    dedup = get_deduplicator(config)
    t_code = t_store = t_dedup = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with Store(db) as store:
            version = data_version(config)
            for i in range(0, len(docs), batch_size):
                t = time.perf_counter()
                coded = [d for d in code_documents(docs[i : i + batch_size], pipeline)]
                ok = [d for d in coded if isinstance(d, Document)]
                t_code += time.perf_counter() - t
                t = time.perf_counter()
                store.write(ok, version)
                t_store += time.perf_counter() - t
                t = time.perf_counter()
                dedup.update(store)
                t_dedup += time.perf_counter() - t
                if (i // batch_size) % 50 == 0:
                    print(f"  {i + len(ok)} articles", file=sys.stderr, flush=True)
            mentions = store.query(
                "SELECT m.event_id, m.article_id, m.canonical_id, e.event_type, e.modality "
                "FROM event_mentions m JOIN events e USING (event_id)"
            )
            stories = store.query("SELECT article_id, story_id FROM article_stories")
            n_canonical = store.scalar("SELECT count(*) FROM canonical_events")
            t = time.perf_counter()
            rebuilt = dedup.rebuild(store)
            t_rebuild = time.perf_counter() - t
            same = store.query(
                "SELECT count(*) AS n FROM event_mentions m JOIN (SELECT unnest(?) AS event_id, "
                "unnest(?) AS canonical_id) o USING (event_id) "
                "WHERE m.canonical_id = o.canonical_id",
                [[m["event_id"] for m in mentions], [m["canonical_id"] for m in mentions]],
            )[0]["n"]
    truth = meta["truth"]
    event_labels = []
    spurious = 0
    per_article = Counter(m["article_id"] for m in mentions)
    for m in mentions:
        eid, etype, _ = truth[m["article_id"]]
        if m["event_type"] == etype and m["modality"] == "asserted":
            event_labels.append((eid, m["canonical_id"]))
        else:
            spurious += 1
            event_labels.append((("spurious", m["event_id"]), m["canonical_id"]))
    story_labels = [(truth[s["article_id"]][2], s["story_id"]) for s in stories]
    articles_with_event = sum(
        1 for aid in truth if aid in per_article and aid in {d.id for d in docs}
    )
    result = {
        "command": f"benchmarks/dedup_bench.py --articles {n_articles} --seed {seed} "
        f"--batch-size {batch_size}",
        "articles": len(docs),
        "generated_events": meta["events"],
        "twin_events": meta["twins"],
        "cities": sum(len(c) for _, _, c in dyads),
        "min_days_between_same_sides_type_city": SEPARATION,
        "events_resampled_for_separation": meta["resampled"],
        "articles_with_a_coded_event": articles_with_event,
        "mentions": len(mentions),
        "mentions_of_another_type": spurious,
        "canonical_events": n_canonical,
        "stories": len({s["story_id"] for s in stories}),
        "event_merging": pairwise(event_labels),
        "story_clustering": pairwise(story_labels),
        "rebuild_equals_incremental": same == len(mentions) and rebuilt.mentions == len(mentions),
        "seconds": {
            "generate": round(t_gen, 2),
            "code": round(t_code, 2),
            "store": round(t_store, 2),
            "dedup": round(t_dedup, 2),
            "dedup_rebuild_one_pass": round(t_rebuild, 2),
        },
        "throughput_articles_per_s": {
            "dedup_incremental": round(len(docs) / t_dedup, 1),
            "dedup_rebuild": round(len(docs) / t_rebuild, 1),
            "end_to_end": round(len(docs) / (t_code + t_store + t_dedup), 1),
        },
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "dedup_bench.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    (out_dir / "dedup_bench.md").write_text(markdown(result), "utf-8")
    return result


def markdown(r: dict[str, Any]) -> str:
    em, st = r["event_merging"], r["story_clustering"]
    tp = r["throughput_articles_per_s"]
    lines = [
        "# Dedup benchmark",
        "",
        f"`{r['command']}`: {r['articles']} generated articles, {r['generated_events']} events "
        f"({r['twin_events']} same-day twins in another city), {r['mentions']} coded mentions, "
        f"{r['canonical_events']} canonical events, {r['stories']} stories.",
        "",
        "| measure | precision | recall | F1 | true pairs | predicted pairs |",
        "|---|---|---|---|---|---|",
        f"| event merging | {em['precision']} | {em['recall']} | {em['f1']} | {em['true_pairs']} "
        f"| {em['predicted_pairs']} |",
        f"| story clustering | {st['precision']} | {st['recall']} | {st['f1']} | "
        f"{st['true_pairs']} | {st['predicted_pairs']} |",
        "",
        "| throughput | articles/s |",
        "|---|---|",
        f"| dedup, incremental (after each batch) | {tp['dedup_incremental']} |",
        f"| dedup, one-pass rebuild | {tp['dedup_rebuild']} |",
        f"| end to end (code + store + dedup) | {tp['end_to_end']} |",
        "",
        f"Rebuild gives the incremental clusters: {r['rebuild_equals_incremental']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    result = run(args.articles, args.seed, args.batch_size, args.out)
    print(markdown(result))


if __name__ == "__main__":
    main()
