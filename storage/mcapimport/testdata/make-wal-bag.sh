#!/bin/sh
# Writes resilient/resilient_0.db3 and its -wal file as a rosbag2 recorder
# with the storage preset "resilient" (SQLite in WAL journal mode) leaves
# them when it is killed: the file holds humble_0.db3's messages, the
# write-ahead log two more transactions of them, each a second later than
# the one before, not yet checkpointed into the file. Written by the
# sqlite3 tool, copied while its connection is open. Run from this
# directory.
set -e
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp humble/humble_0.db3 "$work/bag.db3"
mkdir -p resilient
sqlite3 "$work/bag.db3" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA wal_autocheckpoint=0;
INSERT INTO messages(topic_id, timestamp, data) SELECT topic_id, timestamp + 1000000000, data FROM messages WHERE timestamp < 1740821401000000000;
INSERT INTO messages(topic_id, timestamp, data) SELECT topic_id, timestamp + 2000000000, data FROM messages WHERE timestamp < 1740821401000000000;
.shell cp $work/bag.db3 resilient/resilient_0.db3 && cp $work/bag.db3-wal resilient/resilient_0.db3-wal
SQL
