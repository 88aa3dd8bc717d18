#!/usr/bin/python3
"""Reads a container file lfh_avro wrote with python3-avro, the independent reader, and
checks it: the codec, the header keys lfhost adds, a field-id on every field of the
header schema (Iceberg needs them), and the records.
Usage: check_interop.py FILE CODEC KIND [KEY=VALUE ...]
  KIND rows:   the records are interop_rows.row(0..N_ROWS-1)
  KIND simple: record i is {"id": i*7-3, "name": "n<i>", "value": i/4} for i < COUNT,
               COUNT given as count=<n>
Exit 0 when everything holds; otherwise one line on stderr per problem."""
import json
import os
import sys
import warnings

import avro.datafile
import avro.io

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_rows  # noqa: E402
from field_ids import fields_without_id  # noqa: E402


def expected(kind, extra):
    if kind == "rows":
        return [interop_rows.row(i) for i in range(interop_rows.N_ROWS)]
    n = int(extra.get("count", "0"))
    return [{"id": i * 7 - 3, "name": "n%d" % i, "value": i / 4} for i in range(n)]


def main():
    # python3-avro warns about Iceberg's logical types (uuid on fixed, "map" arrays)
    warnings.simplefilter("ignore")
    path, codec, kind = sys.argv[1:4]
    extra = dict(a.split("=", 1) for a in sys.argv[4:])
    problems = []
    with open(path, "rb") as f:
        r = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        if r.codec != codec:
            problems.append("codec %r, expected %r" % (r.codec, codec))
        for k, v in extra.items():
            if k != "count" and r.get_meta(k) != v.encode():
                problems.append("header key %s = %r, expected %r" % (k, r.get_meta(k), v))
        missing = []
        fields_without_id(json.loads(r.get_meta("avro.schema")), "", missing, set())
        if missing:
            problems.append("fields without field-id: " + ", ".join(missing))
        got = list(r)
    want = expected(kind, extra)
    if len(got) != len(want):
        problems.append("%d records, expected %d" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            problems.append("record %d: %r, expected %r" % (i, g, w))
            break
    for p in problems:
        print("%s: %s" % (path, p), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
