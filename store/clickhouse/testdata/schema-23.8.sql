CREATE TABLE IF NOT EXISTS `yuqing`.`schema_migrations`
(
    `version` UInt32,
    `name` String,
    `applied_at` DateTime
)
ENGINE = ReplacingMergeTree()
ORDER BY (version);

-- migration 1: posts, events, incidents, incident history, deliveries
CREATE TABLE IF NOT EXISTS `yuqing`.`posts`
(
    `id` String,
    `version` UInt64,
    `schema` Int64,
    `url` String CODEC(ZSTD(1)),
    `source_id` LowCardinality(String),
    `source_name` LowCardinality(String),
    `source_kind` LowCardinality(String),
    `authority` LowCardinality(String),
    `region_code` LowCardinality(String),
    `title` String CODEC(ZSTD(1)),
    `body` String CODEC(ZSTD(3)),
    `author` String CODEC(ZSTD(1)),
    `origin` LowCardinality(String),
    `published_at_ns` Int64,
    `published_at` DateTime('UTC') MATERIALIZED toDateTime(intDiv(published_at_ns, 1000000000)),
    `published_at_source` LowCardinality(String),
    `fetched_at_ns` Int64,
    `content_hash` String CODEC(ZSTD(1)),
    `encoding` LowCardinality(String),
    `analyzed_at_ns` Int64,
    `sentiment_label` LowCardinality(String),
    `sentiment_score` Float64,
    `sentiment_negativity` Float64,
    `topic_names` Array(LowCardinality(String)),
    `topic_scores` Array(Float64),
    `keyword_words` Array(String),
    `keyword_weights` Array(Float64),
    `region_codes` Array(LowCardinality(String)),
    `region_names` Array(LowCardinality(String)),
    `region_roles` Array(LowCardinality(String)),
    `entity_texts` Array(String),
    `entity_kinds` Array(LowCardinality(String)),
    `simhash` UInt64,
    `flags` Array(LowCardinality(String)),
    INDEX `published_at_minmax` published_at_ns TYPE minmax GRANULARITY 1,
    INDEX `source_id_set` source_id TYPE set(1000) GRANULARITY 4,
    INDEX `sentiment_label_set` sentiment_label TYPE set(3) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(published_at)
ORDER BY (id)
TTL published_at + INTERVAL 365 DAY;

CREATE TABLE IF NOT EXISTS `yuqing`.`events`
(
    `id` String,
    `version` UInt64,
    `title` String,
    `first_post_id` String,
    `first_seen_ns` Int64,
    `last_seen_ns` Int64,
    `post_count` Int64,
    `negative_count` Int64,
    `source_count` Int64,
    `heat` Float64,
    `keywords` Array(String),
    `simhashes` Array(UInt64),
    `post_ids` Array(String) CODEC(ZSTD(1)),
    `sources` Array(LowCardinality(String)),
    `incident_id` String,
    `merged_into` String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`incidents`
(
    `id` String,
    `version` UInt64,
    `event_id` String,
    `title` String,
    `level` LowCardinality(String),
    `state` LowCardinality(String),
    `opened_at_ns` Int64,
    `clock_start_ns` Int64,
    `reason` String,
    `open` UInt8,
    `detail` String CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`incident_history`
(
    `id` String,
    `incident_id` String,
    `at_ns` Int64,
    `actor` LowCardinality(String),
    `action` LowCardinality(String),
    `from_state` LowCardinality(String),
    `to_state` LowCardinality(String),
    `reason` String
)
ENGINE = ReplacingMergeTree()
ORDER BY (incident_id, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`deliveries`
(
    `id` String,
    `key` String,
    `incident_id` String,
    `at_ns` Int64,
    `final` UInt8,
    `detail` String CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree()
ORDER BY (key, id);

-- migration 2: scheme hits of posts, sentiment evidence and topic terms, sentiment corrections, user dictionary
CREATE TABLE IF NOT EXISTS `yuqing`.`sentiment_corrections`
(
    `id` String,
    `post_id` String,
    `label` LowCardinality(String),
    `corrected_by` LowCardinality(String),
    `at_ns` Int64,
    `note` String,
    `model_label` LowCardinality(String),
    `title` String CODEC(ZSTD(1)),
    `body` String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree()
ORDER BY (post_id, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`user_dictionary`
(
    `id` String,
    `word` String,
    `freq` Float64,
    `pos` LowCardinality(String),
    `changed_by` LowCardinality(String),
    `at_ns` Int64,
    `removed` UInt8
)
ENGINE = ReplacingMergeTree()
ORDER BY (word, id);

ALTER TABLE `yuqing`.`posts`
    ADD COLUMN `scheme_ids` Array(LowCardinality(String)),
    ADD COLUMN `scheme_names` Array(LowCardinality(String)),
    ADD COLUMN `scheme_terms` Array(Array(String)),
    ADD COLUMN `scheme_alerts` Array(UInt8),
    ADD COLUMN `sentiment_evidence` Array(String),
    ADD COLUMN `topic_terms` Array(Array(String));

-- migration 3: skip indexes for the tier and source-kind filters of the read side
ALTER TABLE `yuqing`.`posts`
    ADD INDEX `authority_set` authority TYPE set(16) GRANULARITY 4;

ALTER TABLE `yuqing`.`posts`
    ADD INDEX `source_kind_set` source_kind TYPE set(16) GRANULARITY 4;

-- migration 4: accounts, sessions, API tokens, failed-login counters, the audit log
CREATE TABLE IF NOT EXISTS `yuqing`.`accounts`
(
    `id` String,
    `version` UInt64,
    `display_name` String,
    `role` String,
    `password_hash` String,
    `password_history` Array(String),
    `password_changed_at_ns` Int64,
    `must_change` UInt8,
    `locked` UInt8,
    `totp_secret` String,
    `recovery_codes` Array(String),
    `created_at_ns` Int64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`sessions`
(
    `id` String,
    `version` UInt64,
    `account` String,
    `csrf` String,
    `address` String,
    `created_at_ns` Int64,
    `last_seen_ns` Int64,
    `second_factor` UInt8,
    `revoked` UInt8
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`api_tokens`
(
    `id` String,
    `version` UInt64,
    `name` String,
    `role` String,
    `hash` String,
    `created_by` String,
    `created_at_ns` Int64,
    `revoked` UInt8
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`login_throttles`
(
    `id` String,
    `version` UInt64,
    `failures` Int64,
    `locked_until_ns` Int64,
    `last_failure_ns` Int64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`audit_log`
(
    `id` String,
    `chain` String,
    `seq` Int64,
    `at_ns` Int64,
    `account` LowCardinality(String),
    `address` String,
    `action` LowCardinality(String),
    `object` String,
    `result` LowCardinality(String),
    `detail` String CODEC(ZSTD(1)),
    `prev_at_ns` Int64,
    `prev_hash` String,
    `hash` String
)
ENGINE = ReplacingMergeTree()
ORDER BY (chain, seq, id);

-- migration 5: briefs
CREATE TABLE IF NOT EXISTS `yuqing`.`briefs`
(
    `id` String,
    `version` UInt64,
    `type` LowCardinality(String),
    `year` Int64,
    `number` Int64,
    `serial` Int64,
    `state` LowCardinality(String),
    `title` String,
    `incident_id` String,
    `period_start_ns` Int64,
    `created_at_ns` Int64,
    `issued_at_ns` Int64,
    `detail` String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id);

-- migration 6: inspection findings of own portals
CREATE TABLE IF NOT EXISTS `yuqing`.`inspection_findings`
(
    `id` String,
    `version` UInt64,
    `portal` LowCardinality(String),
    `kind` LowCardinality(String),
    `url` String,
    `subject` String,
    `evidence` String CODEC(ZSTD(1)),
    `rule` LowCardinality(String),
    `veto` UInt8,
    `first_seen_ns` Int64,
    `last_seen_ns` Int64,
    `state` LowCardinality(String),
    `due_at_ns` Int64,
    `unit` LowCardinality(String)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id);

-- migration 7: settings changed at run time: monitoring schemes, duty shifts
CREATE TABLE IF NOT EXISTS `yuqing`.`setting_changes`
(
    `id` String,
    `kind` LowCardinality(String),
    `setting_key` String,
    `value` String CODEC(ZSTD(1)),
    `removed` UInt8,
    `changed_by` LowCardinality(String),
    `at_ns` Int64
)
ENGINE = ReplacingMergeTree()
ORDER BY (kind, setting_key, id);

-- migration 8: poll records of the sources (status)
CREATE TABLE IF NOT EXISTS `yuqing`.`source_polls`
(
    `id` String,
    `source_id` LowCardinality(String),
    `at_ns` Int64,
    `result` LowCardinality(String),
    `problem` LowCardinality(String),
    `error` String CODEC(ZSTD(1)),
    `documents` Int64,
    `fetched` Int64,
    `robots_refused` Int64
)
ENGINE = ReplacingMergeTree()
ORDER BY (source_id, at_ns, id);

-- migration 9: post counts per hour for the read side (rollup.go), filled from the posts stored
CREATE TABLE IF NOT EXISTS `yuqing`.`post_counted`
(
    `id` String,
    `written` UInt64,
    `sign` Int8,
    `version` UInt64,
    `hour` Int64,
    `sentiment` LowCardinality(String),
    `r_scope` Array(LowCardinality(String)),
    `r_scope_key` Array(String),
    `r_dim` Array(LowCardinality(String)),
    `r_key` Array(String),
    `r_label` Array(String),
    `r_weight` Array(Float64)
)
ENGINE = ReplacingMergeTree(written)
ORDER BY (id, sign)
TTL toDateTime(hour * 3600 - 28800) + INTERVAL 365 DAY;

CREATE TABLE IF NOT EXISTS `yuqing`.`post_rollup`
(
    `scope` LowCardinality(String),
    `scope_key` String,
    `dim` LowCardinality(String),
    `hour` Int64,
    `sentiment` LowCardinality(String),
    `key` String,
    `label` String,
    `n` Int64,
    `w` Float64
)
ENGINE = SummingMergeTree((n, w))
PARTITION BY toYYYYMM(toDateTime(hour * 3600 - 28800))
ORDER BY (scope, scope_key, dim, hour, sentiment, key, label)
TTL toDateTime(hour * 3600 - 28800) + INTERVAL 365 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS `yuqing`.`post_rollup_view` TO `yuqing`.`post_rollup` AS
SELECT scope, scope_key, dim, hour, sentiment, key, label, toInt64(sign) AS n, sign * weight AS w
FROM `yuqing`.`post_counted` ARRAY JOIN r_scope AS scope, r_scope_key AS scope_key, r_dim AS dim, r_key AS key, r_label AS label, r_weight AS weight;

-- migration 10: publish times of the counted posts, for the timeline (rollup.go)
ALTER TABLE `yuqing`.`post_counted`
    ADD COLUMN `published_ns` Int64;

-- migration 11: the counted posts by publish time, for the parts of a window outside whole hours (rollup.go), filled with the rollup from the posts stored
CREATE TABLE IF NOT EXISTS `yuqing`.`post_timeline`
(
    `hour` Int64,
    `published_ns` Int64,
    `id` String,
    `written` UInt64,
    `sign` Int8,
    `sentiment` LowCardinality(String),
    `r_scope` Array(LowCardinality(String)),
    `r_scope_key` Array(String),
    `r_dim` Array(LowCardinality(String)),
    `r_key` Array(String),
    `r_label` Array(String),
    `r_weight` Array(Float64)
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(toDateTime(hour * 3600 - 28800))
ORDER BY (hour, published_ns, id, written, sign)
TTL toDateTime(hour * 3600 - 28800) + INTERVAL 365 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS `yuqing`.`post_timeline_view` TO `yuqing`.`post_timeline` AS
SELECT hour, published_ns, id, written, sign, sentiment, r_scope, r_scope_key, r_dim, r_key, r_label, r_weight
FROM `yuqing`.`post_counted`;

-- migration 12: the superseded versions of posts, for reads without FINAL (superseded.go), filled from the posts stored
CREATE TABLE IF NOT EXISTS `yuqing`.`post_superseded`
(
    `id` String,
    `version` UInt64,
    `hour` Int64
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(toDateTime(hour * 3600 - 28800))
ORDER BY (id, version)
TTL toDateTime(hour * 3600 - 28800) + INTERVAL 365 DAY;

-- migration 13: the searchable columns of posts sorted by publish time (search.go), filled from the posts stored
CREATE TABLE IF NOT EXISTS `yuqing`.`post_search`
(
    `id` String,
    `version` UInt64,
    `published_at_ns` Int64,
    `published_at` DateTime('UTC'),
    `title` String CODEC(ZSTD(1)),
    `body` String CODEC(ZSTD(3)),
    `sentiment_label` LowCardinality(String),
    `source_id` LowCardinality(String),
    `source_name` LowCardinality(String),
    `source_kind` LowCardinality(String),
    `authority` LowCardinality(String),
    `topic_names` Array(LowCardinality(String)),
    `region_codes` Array(LowCardinality(String)),
    `region_names` Array(LowCardinality(String)),
    `scheme_ids` Array(LowCardinality(String)),
    `scheme_names` Array(LowCardinality(String))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(published_at)
ORDER BY (published_at_ns, id)
TTL published_at + INTERVAL 365 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS `yuqing`.`post_search_view` TO `yuqing`.`post_search` AS
SELECT id, version, published_at_ns, published_at, title, body, sentiment_label, source_id, source_name, source_kind, authority, topic_names, region_codes, region_names, scheme_ids, scheme_names
FROM `yuqing`.`posts`;

