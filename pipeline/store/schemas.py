"""The Parquet contract: the Arrow schema of every table downstream tools read.

Columns added since the first release (modified_at, the revision columns of duplicates) come last;
files written before them lack them, and a reader given these schemas reads them as nulls.
"""

from __future__ import annotations

import pyarrow as pa

from pipeline.store import layout

ARTICLE_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("published_date", pa.date32()),
        ("date_precision", pa.string()),
        ("date_source", pa.string()),
        ("modified_at", pa.timestamp("us", tz="UTC")),  # since revisits; older files lack it
        ("dateline", pa.string()),
        ("body", pa.string()),
        ("word_count", pa.int32()),
        ("language", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("publication", pa.string()),
        ("volume", pa.int32()),
        ("issue", pa.int32()),
        ("is_teaser", pa.bool_()),
        ("content_hash", pa.string()),
        ("raw_path", pa.string()),
        ("raw_record", pa.string()),
        ("raw_item", pa.int32()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("pipeline_version", pa.string()),
        ("run_id", pa.string()),
    ]
)
DUPLICATE_SCHEMA = pa.schema(
    [
        ("raw_path", pa.string()),
        ("raw_record", pa.string()),
        ("raw_item", pa.int32()),
        ("duplicate_of", pa.string()),
        ("kind", pa.string()),
        ("similarity", pa.float64()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("source", pa.string()),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
        # kind "revision" (a superseded version of a kept article): what the kept version changed.
        # Since revisits; older files lack them.
        ("title_changed", pa.bool_()),
        ("words_before", pa.int32()),
        ("words_after", pa.int32()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        ("raw_path", pa.string()),
        ("raw_record", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
    ]
)

MANIFEST_SCHEMA = pa.schema(
    [
        ("raw_path", pa.string()),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("sha256", pa.string()),
        ("ident", pa.string()),
        ("articles", pa.int32()),
        ("duplicates", pa.int32()),
        ("rejects", pa.int32()),
        ("run_id", pa.string()),
    ]
)

SIGNATURE_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("kind", pa.string()),  # "body" (whole text) or "lead" (opening words, for teasers)
        ("hashvalues", pa.binary()),
    ]
)

# One row per run that changed the dataset: its summary stays queryable after its HTML report is
# pruned (store.keep_reports). The counters by source, kind and reason are JSON objects.
RUN_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("finished_at", pa.timestamp("us", tz="UTC")),
        ("seconds", pa.float64()),
        ("full_rebuild", pa.bool_()),
        ("inputs_seen", pa.int64()),
        ("inputs_read", pa.int64()),
        ("inputs_unchanged", pa.int64()),
        ("documents", pa.int64()),
        ("articles", pa.int64()),
        ("duplicates", pa.int64()),
        ("rejects", pa.int64()),
        ("superseded", pa.int64()),
        ("articles_by_source", pa.string()),
        ("duplicates_by_kind", pa.string()),
        ("rejects_by_reason", pa.string()),
        ("pipeline_version", pa.string()),
    ]
)

# Lines learned as a site's chrome (pipeline.extraction.boilerplate), kept so that runs of a few pages (an
# hourly ingest) drop the chrome that larger runs learned: a hash of the line, never its text.
CHROME_SCHEMA = pa.schema([("site", pa.string()), ("line_key", pa.string()), ("run_id", pa.string())])

# Extraction health: one row per site per run that read pages of it (pipeline.report.health). Shares
# are of the run's pages of the site (rule columns, fallback) or of its articles (undated).
HEALTH_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("site", pa.string()),
        ("pages", pa.int32()),  # pages read as articles of the site (articles, and too-short pages)
        ("articles", pa.int32()),  # of which gave an article (kept or duplicate)
        ("container_rule", pa.float64()),  # share of pages whose body container the site's rules found
        ("title_rule", pa.float64()),
        ("date_rule", pa.float64()),
        ("authors_rule", pa.float64()),
        ("fallback", pa.float64()),  # share of pages where a general fallback gave some field
        ("median_words", pa.float64()),  # median body length of the articles; null without any
        ("undated", pa.float64()),  # share of the articles with no published_date
        ("chrome_learned", pa.int32()),  # chrome lines first learned for the site in this run
        ("drift", pa.list_(pa.string())),  # the run's drift warnings for the site, one per metric
        ("drift_pages", pa.list_(pa.string())),  # pages (URL or raw path) that show them
        ("ingested_at", pa.timestamp("us", tz="UTC")),
    ]
)

# The schema of every table but articles (whose schema is ARTICLE_SCHEMA in every partition).
TABLES = {
    layout.HEALTH: HEALTH_SCHEMA,
    layout.DUPLICATES: DUPLICATE_SCHEMA,
    layout.REJECTS: REJECT_SCHEMA,
    layout.MANIFEST: MANIFEST_SCHEMA,
    layout.SIGNATURES: SIGNATURE_SCHEMA,
    layout.CHROME: CHROME_SCHEMA,
    layout.RUNS: RUN_SCHEMA,
}
