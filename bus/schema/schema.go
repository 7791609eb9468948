// Package schema holds the JSON Schemas of the messages yuqing exchanges on
// Kafka with clients outside it: document.v1.json for yuqing.docs.v1 (what
// an office's own crawler may produce) and post.v1.json for
// yuqing.posts.v1 (what its own tools may consume). They are the written
// form of the wire contract in package bus; the interoperability test
// checks them against the real messages, produced and consumed by
// segmentio/kafka-go, a Kafka client other than yuqing's.
package schema

import "embed"

// FS holds the schema files, by file name.
//
//go:embed *.json
var FS embed.FS
