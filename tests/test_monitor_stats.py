"""The detectors' statistics against scipy's distributions, and the planted-escalation benchmark
in small: a seeded synthetic stream with known onsets, replayed day by day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from flashpoint.monitor import backtest, parse_watchlists, refresh_series, series_keys
from flashpoint.monitor.stats import binomial_tail, nb_size, nb_tail, surprise, weekday_factors
from flashpoint.monitor.synthetic import SyntheticSpec, generate, score_alerts
from flashpoint.store import Store


@pytest.mark.parametrize(
    ("count", "mean", "size"),
    [(0, 1.0, 5.0), (1, 0.1, 2.0), (3, 1.0, 1.0), (10, 2.0, 4.0), (40, 10.0, 30.0), (7, 7.0, 1e6)],
)
def test_negative_binomial_tail_matches_scipy(count: int, mean: float, size: float) -> None:
    expected = sp.nbinom.sf(count - 1, size, size / (size + mean))
    assert nb_tail(np.array([count]), np.array([mean]), np.array([size]))[0] == pytest.approx(
        expected, rel=1e-6
    )


@pytest.mark.parametrize(("count", "mean"), [(1, 0.5), (5, 1.0), (30, 12.0)])
def test_infinite_size_is_poisson(count: int, mean: float) -> None:
    tail = nb_tail(np.array([count]), np.array([mean]), np.array([np.inf]))[0]
    assert tail == pytest.approx(sp.poisson.sf(count - 1, mean), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(0, 60),
    n=st.integers(0, 60),
    p=st.floats(0.01, 0.99),
)
def test_binomial_tail_matches_scipy(k: int, n: int, p: float) -> None:
    expected = sp.binom.sf(k - 1, n, p)
    got = binomial_tail(np.array([k]), np.array([n]), np.array([p]))[0]
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(0, 50),
    mean=st.floats(0.01, 30),
    size=st.floats(0.5, 100),
)
def test_tails_are_probabilities_falling_with_the_count(
    count: int, mean: float, size: float
) -> None:
    tails = nb_tail(np.array([count, count + 1]), np.array([mean] * 2), np.array([size] * 2))
    assert 0.0 <= tails[1] <= tails[0] <= 1.0
    assert surprise(tails)[1] >= surprise(tails)[0] >= 0.0


def test_weekday_factors_recover_a_profile() -> None:
    rng = np.random.default_rng(1)
    profile = np.array([1.2, 1.2, 1.1, 1.1, 1.0, 0.7, 0.7])
    weekdays = np.arange(364) % 7
    counts = rng.poisson(30.0 * profile[weekdays])[None, :]
    factors = weekday_factors(counts.astype(float), weekdays, shrink=0)[0]
    assert factors.mean() == pytest.approx(1.0)
    assert factors == pytest.approx(profile, abs=0.05)
    shrunk = weekday_factors(counts.astype(float), weekdays, shrink=8)[0]
    assert (np.abs(shrunk - 1) < np.abs(factors - 1)).all()  # pulled towards 1
    flat = weekday_factors(np.zeros((1, 364)), weekdays, shrink=8)[0]
    assert (flat == 1.0).all()  # a silent series has no weekly rhythm


def test_dispersion_ignores_one_spoilt_block() -> None:
    rng = np.random.default_rng(2)
    size = 5.0
    days = rng.negative_binomial(size, size / (size + 4.0), size=(1, 168)).astype(float)
    plain = nb_size(days, 28, 1.0)[0]
    spoilt = days.copy()
    spoilt[0, 30:40] += 25  # an escalation in the second block
    assert plain == pytest.approx(size, rel=0.6)
    assert nb_size(spoilt, 28, 1.0)[0] == pytest.approx(plain, rel=0.5)
    poisson = rng.poisson(4.0, size=(1, 168)).astype(float)
    assert nb_size(poisson, 28, 1.0)[0] > 20  # (nearly) no overdispersion


def test_the_generator_is_deterministic_and_counts_canonical_events() -> None:
    spec = SyntheticSpec(dyads=3, days=40, warmup_days=10, media_burst_prob=0.2, seed=5)
    with Store(":memory:") as a, Store(":memory:") as b:
        first, second = generate(a, spec), generate(b, spec)
        assert first == second
        assert first.mentions > first.canonical_events  # many reports of one event
        refresh_series(a)
        counted = sum(r["events"] for r in series_keys(a, "dyad"))
        assert counted == first.canonical_events
        one = a.query("SELECT * FROM canonical_full LIMIT 1")[0]
        assert one["event_type"] and one["goldstein"] is not None and one["sentence"] is None
        links = a.scalar("SELECT count(DISTINCT canonical_id) FROM event_mentions")
        assert links == first.canonical_events


def test_planted_escalations_are_found_in_time() -> None:
    """A small, fast version of benchmarks/monitor_bench.py (16 dyads over 270 days; the
    benchmark runs 120 dyads over 456 days with three seeds). Small runs vary from seed to seed
    (recall 0.67 to 1.0 over seeds 1-8), so this guards one fixed seed against regressions; the
    figures to quote are the benchmark's."""
    spec = SyntheticSpec(dyads=16, days=270, seed=3)
    first = spec.start + dt.timedelta(days=spec.warmup_days)
    last = spec.start + dt.timedelta(days=spec.days - 1)
    with Store(":memory:") as store:
        truth = generate(store, spec)
        rules = parse_watchlists({"rules": [{"name": "esc", "detector": "escalation"}]})
        result = backtest(store, rules, first, last)
    score = score_alerts(result.alerts, truth, first)
    assert score.escalations >= 10
    assert score.recall >= 0.9
    assert score.false_per_dyad_90 <= 1.0
    assert max(score.delays) <= 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"conflict_codes": {"999": 1}}, "unknown CAMEO codes ['999']"),
        ({"cooperation_codes": {"040": 0}}, "weights must be positive"),
        ({"weekday_profile": [1, 1, 1]}, "7 positive numbers"),
        ({"colour": "red"}, "needs exactly the keys"),
    ],
)
def test_a_broken_synthetic_file_is_fp_e020(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    from flashpoint.errors import FlashpointError
    from flashpoint.knowledge import load_yaml
    from flashpoint.monitor.synthetic import SHIPPED, load_synthetic_data
    from flashpoint.pipeline import Config

    (tmp_path / "monitor").mkdir()
    data = {**load_yaml(SHIPPED), **change}
    (tmp_path / "monitor" / "synthetic.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(FlashpointError, match="FP-E020") as info:
        load_synthetic_data(Config(data_dir=tmp_path))
    assert message in str(info.value)
