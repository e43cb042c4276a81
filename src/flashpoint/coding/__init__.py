"""Event coding: ontology, patterns, modality and the rule coder; importing registers "code"."""

from .coder import CODER, CodeStage, DocumentCoder

__all__ = ["CODER", "CodeStage", "DocumentCoder"]
