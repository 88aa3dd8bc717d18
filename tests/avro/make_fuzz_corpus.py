#!/usr/bin/python3
"""Regenerates the small seed files of tests/fuzz/corpus/avro (the Java manifests there
are copies of ../shared/reference/iceberg). Usage: make_fuzz_corpus.py OUTDIR"""
import os
import sys
import warnings

import avro.datafile
import avro.io
import avro.schema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_rows  # noqa: E402

NODE = '''{"type":"record","name":"Node","namespace":"n.s","fields":[
 {"name":"v","type":"int","field-id":1},
 {"name":"next","type":["null","Node"],"default":null,"field-id":2}]}'''


def write(path, schema_json, codec, records, meta=None):
    with open(path, "wb") as f:
        w = avro.datafile.DataFileWriter(f, avro.io.DatumWriter(),
                                         avro.schema.parse(schema_json), codec=codec)
        for k, v in (meta or {}).items():
            w.set_meta(k, v)
        for r in records:
            w.append(r)
        w.close()


def main():
    warnings.simplefilter("ignore")
    out = sys.argv[1]
    rows = [interop_rows.row(i) for i in range(4)]
    for codec in ("null", "deflate", "snappy"):
        write(os.path.join(out, "rows-%s.avro" % codec), interop_rows.SCHEMA, codec, rows,
              {"schema": b'{"type":"struct"}'})
    chain = {"v": 3, "next": {"v": 2, "next": {"v": 1, "next": None}}}
    write(os.path.join(out, "recursive.avro"), NODE, "null", [chain, {"v": 0, "next": None}])
    write(os.path.join(out, "empty.avro"), '"long"', "deflate", [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
