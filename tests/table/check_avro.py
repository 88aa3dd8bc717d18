#!/usr/bin/python3
"""Reads every Avro file of an lfhost table with python3-avro, the independent reader,
and checks what Iceberg readers rely on: the codec, the header keys of each kind of file
(data file, manifest, manifest list) and a field-id on every field of the header schema.
Usage: check_avro.py CODEC FILE...
  The kind of a file comes from its name: data/... is a data file, metadata/snap-*.avro
  a manifest list, metadata/*-m<N>.avro a manifest.
Prints "<n> files ok" and exits 0 when everything holds; otherwise one line on stderr
per problem."""
import json
import os
import sys
import warnings

import avro.datafile
import avro.io

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "avro"))
from field_ids import fields_without_id  # noqa: E402

KEYS = {
    "data": ["iceberg.schema"],
    "manifest": ["schema", "schema-id", "partition-spec", "partition-spec-id",
                 "format-version", "content", "iceberg.schema"],
    "list": ["snapshot-id", "parent-snapshot-id", "sequence-number", "format-version",
             "iceberg.schema"],
}


def kind_of(path):
    base = os.path.basename(path)
    if os.path.basename(os.path.dirname(path)) == "data":
        return "data"
    if base.startswith("snap-"):
        return "list"
    return "manifest"


def check(path, codec):
    problems = []
    kind = kind_of(path)
    with open(path, "rb") as f:
        r = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        if r.codec != codec:
            problems.append("codec %r, expected %r" % (r.codec, codec))
        for k in KEYS[kind]:
            if r.get_meta(k) is None:
                problems.append("%s without header key %s" % (kind, k))
        if kind == "manifest" and r.get_meta("format-version") != b"2":
            problems.append("format-version %r" % r.get_meta("format-version"))
        missing = []
        fields_without_id(json.loads(r.get_meta("avro.schema")), "", missing, set())
        if missing:
            problems.append("fields without field-id: " + ", ".join(missing))
        n = sum(1 for _ in r)
        if kind != "data" and n == 0:
            problems.append("no records")
    return ["%s: %s" % (path, p) for p in problems]


def main():
    # python3-avro warns about Iceberg's logical types (uuid on fixed, "map" arrays)
    warnings.simplefilter("ignore")
    codec, files = sys.argv[1], sys.argv[2:]
    problems = []
    for path in files:
        try:
            problems += check(path, codec)
        except Exception as e:  # any reader failure is a finding, not a crash
            problems.append("%s: %s" % (path, e))
    for p in problems:
        print(p, file=sys.stderr)
    if not files:
        print("no files given", file=sys.stderr)
        return 1
    print("%d files ok" % len(files))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
