-- A deployment's worth of other users in the message store before a benchmark's own: 100,000
-- users, each in 5 conversations, and 1,000,000 older messages among them (about 400 MB, 15 s).
-- With only the benchmark's few hundred users PostgreSQL reads its small tables whole; here it
-- plans as it would in a deployment, and a statement that scales with the table shows it
-- (docs/benchmarks.md, "The store path, fourth part"). Run into chat_messages after ChatService
-- created its schema: bench/lib.sh's seed_store.
BEGIN;
INSERT INTO inbox_heads (username, last_id, last_received_id)
SELECT format('seed%s', i), 0, 0 FROM generate_series(1, 100000) AS i;
-- Each seeded user and 5 others, keyed as ConversationKey.Direct keys them ('d:', the length of
-- the name first in byte order, then both names in that order).
CREATE TEMP TABLE seed_pairs AS
SELECT a, b, CASE WHEN a <= b COLLATE "C" THEN format('d:%s:%s:%s', length(a), a, b)
                  ELSE format('d:%s:%s:%s', length(b), b, a) END AS conversation
FROM (SELECT format('seed%s', i) AS a, format('seed%s', (i + k * 7919) % 100000 + 1) AS b
      FROM generate_series(1, 100000) AS i, generate_series(1, 5) AS k) AS p;
INSERT INTO conversations (username, conversation, peer, last_activity)
SELECT a, conversation, b, 0 FROM seed_pairs ON CONFLICT DO NOTHING;
-- Ids below any the store hands out (those are microseconds since 1970), each with a client id
-- as the store keeps them.
INSERT INTO messages (id, conversation, sender, recipient, body, client_id, previous_id, sent_at)
SELECT n, conversation, a, b, 'an older message, about as long as a benchmark message', format('seed-%s', n), 0, now() - interval '30 days'
FROM (SELECT row_number() OVER () AS n, conversation, a, b FROM seed_pairs, generate_series(1, 2)) AS m;
COMMIT;
ANALYZE;
-- So that no checkpoint of the seed's writes falls inside the measured run.
CHECKPOINT;
