"""Deduplication: near-duplicate articles become stories, mentions of one event one canonical event.

One swappable component (`Deduplicator`, chosen by `component` in `data/dedup/dedup.yaml`) keeps
its state in the store and has one method the engine calls after each batch: `update(store)`.
"""

from .component import (
    Deduplicator,
    DedupReport,
    MinHashDeduplicator,
    NoDeduplicator,
    get_deduplicator,
    register_deduplicator,
)
from .config import DedupConfig, EventConfig, StoryConfig, load_dedup_config
from .events import MentionKey, cluster_run, mention_key, split_runs

__all__ = [
    "DedupConfig",
    "DedupReport",
    "Deduplicator",
    "EventConfig",
    "MentionKey",
    "MinHashDeduplicator",
    "NoDeduplicator",
    "StoryConfig",
    "cluster_run",
    "get_deduplicator",
    "load_dedup_config",
    "mention_key",
    "register_deduplicator",
    "split_runs",
]
