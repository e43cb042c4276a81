"""Scoring the coder against gold files (`flashpoint eval`)."""

from .gold import FORMATS, GoldEvent, GoldItem, read_gold
from .run import evaluate, main_event

__all__ = ["FORMATS", "GoldEvent", "GoldItem", "evaluate", "main_event", "read_gold"]
