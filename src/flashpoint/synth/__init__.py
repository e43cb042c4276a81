"""Synthetic corpora for benchmarks and scale tests (`flashpoint generate-corpus`)."""

from .corpus import Article, CorpusReport, iter_articles, load_vocabulary, write_corpus

__all__ = ["Article", "CorpusReport", "iter_articles", "load_vocabulary", "write_corpus"]
