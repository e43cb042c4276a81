"""DuckDB schema of the event store. Spans are character offsets into `articles.text`."""

SCHEMA_VERSION = "1"

PARTICIPANT_COLUMNS = """
  {p}_text VARCHAR, {p}_start INTEGER, {p}_end INTEGER, {p}_code VARCHAR, {p}_country VARCHAR,
  {p}_sector VARCHAR, {p}_name VARCHAR, {p}_sponsor VARCHAR, {p}_entry VARCHAR"""

DDL = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS articles (
      article_id VARCHAR PRIMARY KEY, origin VARCHAR, fmt VARCHAR, title VARCHAR, url VARCHAR,
      source VARCHAR, published DATE, raw_sha256 VARCHAR, text VARCHAR, n_sentences INTEGER,
      n_events INTEGER, synthetic BOOLEAN, coder VARCHAR, data_version VARCHAR,
      ingested_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS blocks (
      article_id VARCHAR, block_index INTEGER, kind VARCHAR, start INTEGER, "end" INTEGER,
      repeats INTEGER)""",
    """CREATE TABLE IF NOT EXISTS sentences (
      article_id VARCHAR, sentence_index INTEGER, start INTEGER, "end" INTEGER, block VARCHAR,
      text VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS dropped (
      article_id VARCHAR, line_index INTEGER, reason VARCHAR, text VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS actor_mentions (
      article_id VARCHAR, sentence_index INTEGER, start INTEGER, "end" INTEGER, text VARCHAR,
      code VARCHAR, country VARCHAR, sector VARCHAR, name VARCHAR, sponsor VARCHAR,
      entry VARCHAR, locative BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS place_mentions (
      article_id VARCHAR, sentence_index INTEGER, start INTEGER, "end" INTEGER, text VARCHAR,
      name VARCHAR, country VARCHAR, lat DOUBLE, lon DOUBLE, precision VARCHAR, entry VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS events (
      event_id VARCHAR PRIMARY KEY, article_id VARCHAR, sentence_index INTEGER,
      trigger_text VARCHAR, trigger_start INTEGER, trigger_end INTEGER, event_type VARCHAR,
      mode VARCHAR, context VARCHAR[], cameo VARCHAR, quad_class INTEGER, goldstein DOUBLE,
      modality VARCHAR, {PARTICIPANT_COLUMNS.format(p="actor")},
      {PARTICIPANT_COLUMNS.format(p="recipient")},
      date DATE, date_precision VARCHAR, date_text VARCHAR, location_name VARCHAR,
      location_country VARCHAR, location_lat DOUBLE, location_lon DOUBLE,
      location_precision VARCHAR, location_start INTEGER, location_end INTEGER,
      confidence DOUBLE, coder VARCHAR, pattern VARCHAR, block VARCHAR, cues VARCHAR[],
      derivation VARCHAR[])""",
    """CREATE TABLE IF NOT EXISTS rejects (
      origin VARCHAR, code VARCHAR, message VARCHAR, raw_sha256 VARCHAR,
      first_seen TIMESTAMP, last_seen TIMESTAMP, times INTEGER, PRIMARY KEY (origin, code))""",
    "CREATE INDEX IF NOT EXISTS events_article ON events (article_id)",
    "CREATE INDEX IF NOT EXISTS sentences_article ON sentences (article_id)",
]

# The JSON-contract view: events with their sentence text.
EVENTS_VIEW = """
CREATE OR REPLACE VIEW events_full AS
SELECT e.*, s.text AS sentence, a.title AS article_title, a.url AS article_url,
       a.source AS article_source, a.published AS article_published
FROM events e
LEFT JOIN sentences s USING (article_id, sentence_index)
LEFT JOIN articles a USING (article_id)
"""
