"""The rows both sides of the Avro interop test agree on (tests/unit/test_avro.c mirrors
row(i) in C). Imported by write_interop.py and check_interop.py."""

SCHEMA = r'''{"type":"record","name":"Row","namespace":"lfh.interop","fields":[
 {"name":"id","type":"long","field-id":1},
 {"name":"name","type":"string","field-id":2},
 {"name":"score","type":["null","double"],"default":null,"field-id":3},
 {"name":"flag","type":"boolean","field-id":4},
 {"name":"small","type":"int","field-id":5},
 {"name":"ratio","type":"float","field-id":6},
 {"name":"blob","type":"bytes","field-id":7},
 {"name":"tags","type":{"type":"array","items":"string","element-id":9},"field-id":8},
 {"name":"attrs","type":{"type":"map","values":"long","key-id":11,"value-id":12},"field-id":10},
 {"name":"color","type":{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]},"field-id":13},
 {"name":"uid","type":{"type":"fixed","name":"uuid_fixed","size":16,"logicalType":"uuid"},"field-id":14},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros","adjust-to-utc":true},"field-id":15},
 {"name":"day","type":{"type":"int","logicalType":"date"},"field-id":16},
 {"name":"nested","type":{"type":"record","name":"Inner","fields":[
   {"name":"a","type":"int","field-id":18},
   {"name":"b","type":["null","Color"],"default":null,"field-id":19}]},"field-id":17},
 {"name":"imap","type":{"type":"array","logicalType":"map","items":{"type":"record",
   "name":"k21_v22","fields":[{"name":"key","type":"int","field-id":21},
   {"name":"value","type":"string","field-id":22}]}},"field-id":20}]}'''

import datetime

# python3-avro maps the logical types to Python values: timestamp-micros to an aware
# datetime, date to a date. The C side sees the raw numbers TS0 + i and DAY0 + i.
TS0 = 1700000000000000
DAY0 = 19000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

COLORS = ["RED", "GREEN", "BLUE"]
N_ROWS = 2000


def row(i):
    return {
        "id": i * 1000003 - 500000000000,
        "name": "row-%d-\u00e9" % i,
        "score": None if i % 3 == 0 else i * 0.5,
        "flag": i % 2 == 0,
        "small": i - 50,
        "ratio": i * 0.25,
        "blob": bytes(range(i % 7)),
        "tags": ["t%d" % j for j in range(i % 4)],
        "attrs": {"k%d" % j: j * i for j in range(i % 3)},
        "color": COLORS[i % 3],
        "uid": bytes((i + j) % 256 for j in range(16)),
        "ts": _EPOCH + datetime.timedelta(microseconds=TS0 + i),
        "day": datetime.date(1970, 1, 1) + datetime.timedelta(days=DAY0 + i),
        "nested": {"a": i, "b": None if i % 2 else "GREEN"},
        "imap": [{"key": j, "value": "v%d" % j} for j in range(i % 3)],
    }
