CREATE TABLE IF NOT EXISTS `yuqing`.`schema_migrations_local` ON CLUSTER `yuqing`
(
    `version` UInt32,
    `name` String,
    `applied_at` DateTime
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/schema_migrations_local', '{replica}')
ORDER BY (version);

CREATE TABLE IF NOT EXISTS `yuqing`.`schema_migrations` ON CLUSTER `yuqing` AS `yuqing`.`schema_migrations_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `schema_migrations_local`, cityHash64(version));

-- migration 1: posts, events, incidents, incident history, deliveries
CREATE TABLE IF NOT EXISTS `yuqing`.`posts_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/posts_local', '{replica}', version)
PARTITION BY toYYYYMM(published_at)
ORDER BY (id)
TTL published_at + INTERVAL 180 DAY;

CREATE TABLE IF NOT EXISTS `yuqing`.`posts` ON CLUSTER `yuqing` AS `yuqing`.`posts_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `posts_local`, cityHash64(id));

CREATE TABLE IF NOT EXISTS `yuqing`.`events_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/events_local', '{replica}', version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`events` ON CLUSTER `yuqing` AS `yuqing`.`events_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `events_local`, cityHash64(id));

CREATE TABLE IF NOT EXISTS `yuqing`.`incidents_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/incidents_local', '{replica}', version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`incidents` ON CLUSTER `yuqing` AS `yuqing`.`incidents_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `incidents_local`, cityHash64(id));

CREATE TABLE IF NOT EXISTS `yuqing`.`incident_history_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/incident_history_local', '{replica}')
ORDER BY (incident_id, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`incident_history` ON CLUSTER `yuqing` AS `yuqing`.`incident_history_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `incident_history_local`, cityHash64(incident_id));

CREATE TABLE IF NOT EXISTS `yuqing`.`deliveries_local` ON CLUSTER `yuqing`
(
    `id` String,
    `key` String,
    `incident_id` String,
    `at_ns` Int64,
    `final` UInt8,
    `detail` String CODEC(ZSTD(1))
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/deliveries_local', '{replica}')
ORDER BY (key, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`deliveries` ON CLUSTER `yuqing` AS `yuqing`.`deliveries_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `deliveries_local`, cityHash64(key));

-- migration 2: scheme hits of posts, sentiment evidence and topic terms, sentiment corrections, user dictionary
CREATE TABLE IF NOT EXISTS `yuqing`.`sentiment_corrections_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/sentiment_corrections_local', '{replica}')
ORDER BY (post_id, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`sentiment_corrections` ON CLUSTER `yuqing` AS `yuqing`.`sentiment_corrections_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `sentiment_corrections_local`, cityHash64(post_id));

CREATE TABLE IF NOT EXISTS `yuqing`.`user_dictionary_local` ON CLUSTER `yuqing`
(
    `id` String,
    `word` String,
    `freq` Float64,
    `pos` LowCardinality(String),
    `changed_by` LowCardinality(String),
    `at_ns` Int64,
    `removed` UInt8
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/user_dictionary_local', '{replica}')
ORDER BY (word, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`user_dictionary` ON CLUSTER `yuqing` AS `yuqing`.`user_dictionary_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `user_dictionary_local`, cityHash64(word));

ALTER TABLE `yuqing`.`posts_local` ON CLUSTER `yuqing`
    ADD COLUMN `scheme_ids` Array(LowCardinality(String)),
    ADD COLUMN `scheme_names` Array(LowCardinality(String)),
    ADD COLUMN `scheme_terms` Array(Array(String)),
    ADD COLUMN `scheme_alerts` Array(UInt8),
    ADD COLUMN `sentiment_evidence` Array(String),
    ADD COLUMN `topic_terms` Array(Array(String));

ALTER TABLE `yuqing`.`posts` ON CLUSTER `yuqing`
    ADD COLUMN `scheme_ids` Array(LowCardinality(String)),
    ADD COLUMN `scheme_names` Array(LowCardinality(String)),
    ADD COLUMN `scheme_terms` Array(Array(String)),
    ADD COLUMN `scheme_alerts` Array(UInt8),
    ADD COLUMN `sentiment_evidence` Array(String),
    ADD COLUMN `topic_terms` Array(Array(String));

-- migration 3: skip indexes for the tier and source-kind filters of the read side
ALTER TABLE `yuqing`.`posts_local` ON CLUSTER `yuqing`
    ADD INDEX `authority_set` authority TYPE set(16) GRANULARITY 4;

ALTER TABLE `yuqing`.`posts_local` ON CLUSTER `yuqing`
    ADD INDEX `source_kind_set` source_kind TYPE set(16) GRANULARITY 4;

-- migration 4: accounts, sessions, API tokens, failed-login counters, the audit log
CREATE TABLE IF NOT EXISTS `yuqing`.`accounts_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/accounts_local', '{replica}', version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`accounts` ON CLUSTER `yuqing` AS `yuqing`.`accounts_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `accounts_local`, cityHash64(id));

CREATE TABLE IF NOT EXISTS `yuqing`.`sessions_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/sessions_local', '{replica}', version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`sessions` ON CLUSTER `yuqing` AS `yuqing`.`sessions_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `sessions_local`, cityHash64(id));

CREATE TABLE IF NOT EXISTS `yuqing`.`api_tokens_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/api_tokens_local', '{replica}', version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`api_tokens` ON CLUSTER `yuqing` AS `yuqing`.`api_tokens_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `api_tokens_local`, cityHash64(id));

CREATE TABLE IF NOT EXISTS `yuqing`.`login_throttles_local` ON CLUSTER `yuqing`
(
    `id` String,
    `version` UInt64,
    `failures` Int64,
    `locked_until_ns` Int64,
    `last_failure_ns` Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/login_throttles_local', '{replica}', version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`login_throttles` ON CLUSTER `yuqing` AS `yuqing`.`login_throttles_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `login_throttles_local`, cityHash64(id));

CREATE TABLE IF NOT EXISTS `yuqing`.`audit_log_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/audit_log_local', '{replica}')
ORDER BY (chain, seq, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`audit_log` ON CLUSTER `yuqing` AS `yuqing`.`audit_log_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `audit_log_local`, cityHash64(chain));

-- migration 5: briefs
CREATE TABLE IF NOT EXISTS `yuqing`.`briefs_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/briefs_local', '{replica}', version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`briefs` ON CLUSTER `yuqing` AS `yuqing`.`briefs_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `briefs_local`, cityHash64(id));

-- migration 6: inspection findings of own portals
CREATE TABLE IF NOT EXISTS `yuqing`.`inspection_findings_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/inspection_findings_local', '{replica}', version)
ORDER BY (id);

CREATE TABLE IF NOT EXISTS `yuqing`.`inspection_findings` ON CLUSTER `yuqing` AS `yuqing`.`inspection_findings_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `inspection_findings_local`, cityHash64(id));

-- migration 7: settings changed at run time: monitoring schemes, duty shifts
CREATE TABLE IF NOT EXISTS `yuqing`.`setting_changes_local` ON CLUSTER `yuqing`
(
    `id` String,
    `kind` LowCardinality(String),
    `setting_key` String,
    `value` String CODEC(ZSTD(1)),
    `removed` UInt8,
    `changed_by` LowCardinality(String),
    `at_ns` Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/setting_changes_local', '{replica}')
ORDER BY (kind, setting_key, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`setting_changes` ON CLUSTER `yuqing` AS `yuqing`.`setting_changes_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `setting_changes_local`, cityHash64(kind));

-- migration 8: poll records of the sources (status)
CREATE TABLE IF NOT EXISTS `yuqing`.`source_polls_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/source_polls_local', '{replica}')
ORDER BY (source_id, at_ns, id);

CREATE TABLE IF NOT EXISTS `yuqing`.`source_polls` ON CLUSTER `yuqing` AS `yuqing`.`source_polls_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `source_polls_local`, cityHash64(source_id));

-- migration 9: post counts per hour for the read side (rollup.go), filled from the posts stored
CREATE TABLE IF NOT EXISTS `yuqing`.`post_counted_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/post_counted_local', '{replica}', written)
ORDER BY (id, sign)
TTL toDateTime(hour * 3600 - 28800) + INTERVAL 180 DAY;

CREATE TABLE IF NOT EXISTS `yuqing`.`post_counted` ON CLUSTER `yuqing` AS `yuqing`.`post_counted_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `post_counted_local`, cityHash64(id));

CREATE TABLE IF NOT EXISTS `yuqing`.`post_rollup_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/yuqing/post_rollup_local', '{replica}', (n, w))
PARTITION BY toYYYYMM(toDateTime(hour * 3600 - 28800))
ORDER BY (scope, scope_key, dim, hour, sentiment, key, label)
TTL toDateTime(hour * 3600 - 28800) + INTERVAL 180 DAY;

CREATE TABLE IF NOT EXISTS `yuqing`.`post_rollup` ON CLUSTER `yuqing` AS `yuqing`.`post_rollup_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `post_rollup_local`, cityHash64(scope));

CREATE MATERIALIZED VIEW IF NOT EXISTS `yuqing`.`post_rollup_view` ON CLUSTER `yuqing` TO `yuqing`.`post_rollup_local` AS
SELECT scope, scope_key, dim, hour, sentiment, key, label, toInt64(sign) AS n, sign * weight AS w
FROM `yuqing`.`post_counted_local` ARRAY JOIN r_scope AS scope, r_scope_key AS scope_key, r_dim AS dim, r_key AS key, r_label AS label, r_weight AS weight;

-- migration 10: publish times of the counted posts, for the timeline (rollup.go)
ALTER TABLE `yuqing`.`post_counted_local` ON CLUSTER `yuqing`
    ADD COLUMN `published_ns` Int64;

ALTER TABLE `yuqing`.`post_counted` ON CLUSTER `yuqing`
    ADD COLUMN `published_ns` Int64;

-- migration 11: the counted posts by publish time, for the parts of a window outside whole hours (rollup.go), filled with the rollup from the posts stored
CREATE TABLE IF NOT EXISTS `yuqing`.`post_timeline_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/post_timeline_local', '{replica}')
PARTITION BY toYYYYMM(toDateTime(hour * 3600 - 28800))
ORDER BY (hour, published_ns, id, written, sign)
TTL toDateTime(hour * 3600 - 28800) + INTERVAL 180 DAY;

CREATE TABLE IF NOT EXISTS `yuqing`.`post_timeline` ON CLUSTER `yuqing` AS `yuqing`.`post_timeline_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `post_timeline_local`, cityHash64(hour));

CREATE MATERIALIZED VIEW IF NOT EXISTS `yuqing`.`post_timeline_view` ON CLUSTER `yuqing` TO `yuqing`.`post_timeline_local` AS
SELECT hour, published_ns, id, written, sign, sentiment, r_scope, r_scope_key, r_dim, r_key, r_label, r_weight
FROM `yuqing`.`post_counted_local`;

-- migration 12: the superseded versions of posts, for reads without FINAL (superseded.go), filled from the posts stored
CREATE TABLE IF NOT EXISTS `yuqing`.`post_superseded_local` ON CLUSTER `yuqing`
(
    `id` String,
    `version` UInt64,
    `hour` Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/post_superseded_local', '{replica}')
PARTITION BY toYYYYMM(toDateTime(hour * 3600 - 28800))
ORDER BY (id, version)
TTL toDateTime(hour * 3600 - 28800) + INTERVAL 180 DAY;

CREATE TABLE IF NOT EXISTS `yuqing`.`post_superseded` ON CLUSTER `yuqing` AS `yuqing`.`post_superseded_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `post_superseded_local`, cityHash64(id));

-- migration 13: the searchable columns of posts sorted by publish time (search.go), filled from the posts stored
CREATE TABLE IF NOT EXISTS `yuqing`.`post_search_local` ON CLUSTER `yuqing`
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/post_search_local', '{replica}', version)
PARTITION BY toYYYYMM(published_at)
ORDER BY (published_at_ns, id)
TTL published_at + INTERVAL 180 DAY;

CREATE TABLE IF NOT EXISTS `yuqing`.`post_search` ON CLUSTER `yuqing` AS `yuqing`.`post_search_local`
ENGINE = Distributed(`yuqing`, `yuqing`, `post_search_local`, cityHash64(id));

CREATE MATERIALIZED VIEW IF NOT EXISTS `yuqing`.`post_search_view` ON CLUSTER `yuqing` TO `yuqing`.`post_search_local` AS
SELECT id, version, published_at_ns, published_at, title, body, sentiment_label, source_id, source_name, source_kind, authority, topic_names, region_codes, region_names, scheme_ids, scheme_names
FROM `yuqing`.`posts_local`;

