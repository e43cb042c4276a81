"""DuckDB schema of the event store. Spans are character offsets into `articles.text`."""

SCHEMA_VERSION = "2"

# The tables with a row per event have no primary key. DuckDB keeps the nodes of an index that
# a write touches in memory, unevictable until the next checkpoint, and new event ids are
# hashes that touch all of it: about 45 bytes per event per key, 150 MB for the three keys of a
# 100,000-article store (the writer's fixed 256 MB ran out past 100,000 articles). Their ids are
# unique by construction (a hash of the article id and the event's place in it, written once
# per article: the articles' key decides what is new). The secondary indexes below stay, for
# the API; the writer's memory limit makes room for them (`engine.local.memory_limit_mb`).
UNKEYED_TABLES = ("events", "event_mentions", "canonical_events")

PARTICIPANT_COLUMNS = """
  {p}_text VARCHAR, {p}_start INTEGER, {p}_end INTEGER, {p}_code VARCHAR, {p}_country VARCHAR,
  {p}_sector VARCHAR, {p}_name VARCHAR, {p}_sponsor VARCHAR, {p}_entry VARCHAR"""

EVENT_COLUMNS = f"""
      article_id VARCHAR, sentence_index INTEGER,
      trigger_text VARCHAR, trigger_start INTEGER, trigger_end INTEGER, event_type VARCHAR,
      mode VARCHAR, context VARCHAR[], cameo VARCHAR, quad_class INTEGER, goldstein DOUBLE,
      modality VARCHAR, {PARTICIPANT_COLUMNS.format(p="actor")},
      {PARTICIPANT_COLUMNS.format(p="recipient")},
      date DATE, date_precision VARCHAR, date_text VARCHAR, location_name VARCHAR,
      location_country VARCHAR, location_lat DOUBLE, location_lon DOUBLE,
      location_precision VARCHAR, location_start INTEGER, location_end INTEGER,
      confidence DOUBLE, coder VARCHAR, pattern VARCHAR, block VARCHAR, cues VARCHAR[],
      derivation VARCHAR[]"""

# Columns a canonical event adds to the columns of its representative mention.
CANONICAL_COLUMNS = (
    "num_sources",
    "num_articles",
    "num_mentions",
    "num_stories",
    "first_seen",
    "last_seen",
)

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
    f"CREATE TABLE IF NOT EXISTS events (event_id VARCHAR, {EVENT_COLUMNS})",
    """CREATE TABLE IF NOT EXISTS rejects (
      origin VARCHAR, code VARCHAR, message VARCHAR, raw_sha256 VARCHAR,
      first_seen TIMESTAMP, last_seen TIMESTAMP, times INTEGER, PRIMARY KEY (origin, code))""",
    # Dedup (README "One event, many reports"): written by the dedup component after each batch.
    """CREATE TABLE IF NOT EXISTS article_stories (
      article_id VARCHAR PRIMARY KEY, story_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS event_mentions (
      event_id VARCHAR, canonical_id VARCHAR, article_id VARCHAR, bucket VARCHAR,
      lo BIGINT, hi BIGINT, explicit BOOLEAN, lat DOUBLE, lon DOUBLE, place_country VARCHAR,
      block VARCHAR, confidence DOUBLE, published DATE, repeat BOOLEAN)""",
    f"""CREATE TABLE IF NOT EXISTS canonical_events (event_id VARCHAR, {EVENT_COLUMNS},
      num_sources INTEGER, num_articles INTEGER, num_mentions INTEGER, num_stories INTEGER,
      first_seen DATE, last_seen DATE)""",
    """CREATE TABLE IF NOT EXISTS dedup_signatures (article_id VARCHAR PRIMARY KEY, sig BLOB)""",
    """CREATE TABLE IF NOT EXISTS dedup_bands (band SMALLINT, key BIGINT, article_id VARCHAR)""",
    "CREATE INDEX IF NOT EXISTS events_article ON events (article_id)",
    "CREATE INDEX IF NOT EXISTS sentences_article ON sentences (article_id)",
    # The API looks up the mentions of a page of canonical events by this key.
    "CREATE INDEX IF NOT EXISTS event_mentions_canonical ON event_mentions (canonical_id)",
]

# Stories: near-duplicate articles (wire copies, updates), one row per story.
STORIES_VIEW = """
CREATE OR REPLACE VIEW stories AS
SELECT st.story_id, count(*) AS n_articles,
       count(DISTINCT coalesce(nullif(a.source, ''),
             nullif(regexp_extract(a.url, '^[A-Za-z]+://(?:www[.])?([^/:]+)', 1), ''),
             a.article_id)) AS n_sources,
       min(a.published) AS first_published, max(a.published) AS last_published,
       list(st.article_id ORDER BY st.article_id) AS article_ids
FROM article_stories st JOIN articles a USING (article_id)
GROUP BY st.story_id
"""

# Canonical events with the sentence and article of their representative mention.
CANONICAL_VIEW = """
CREATE OR REPLACE VIEW canonical_full AS
SELECT c.*, s.text AS sentence, a.title AS article_title, a.url AS article_url,
       a.source AS article_source, a.published AS article_published
FROM canonical_events c
LEFT JOIN sentences s USING (article_id, sentence_index)
LEFT JOIN articles a USING (article_id)
"""

VIEWS = []  # filled below

# The JSON-contract view: events with their sentence text.
EVENTS_VIEW = """
CREATE OR REPLACE VIEW events_full AS
SELECT e.*, s.text AS sentence, a.title AS article_title, a.url AS article_url,
       a.source AS article_source, a.published AS article_published
FROM events e
LEFT JOIN sentences s USING (article_id, sentence_index)
LEFT JOIN articles a USING (article_id)
"""

VIEWS.extend([EVENTS_VIEW, STORIES_VIEW, CANONICAL_VIEW])
