#!/usr/bin/python3
"""Writes interop-<codec>.avro (null, deflate, snappy) with python3-avro into OUTDIR, for
tests/unit/test_avro.c to read with lfh_avro and check row by row.
Usage: write_interop.py OUTDIR"""
import os
import sys
import warnings

import avro.datafile
import avro.io
import avro.schema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_rows  # noqa: E402


def main():
    # python3-avro warns about Iceberg's logical types (uuid on fixed, "map" arrays)
    warnings.simplefilter("ignore")
    out = sys.argv[1]
    schema = avro.schema.parse(interop_rows.SCHEMA)
    for codec in ("null", "deflate", "snappy"):
        path = os.path.join(out, "interop-%s.avro" % codec)
        with open(path, "wb") as f:
            w = avro.datafile.DataFileWriter(f, avro.io.DatumWriter(), schema, codec=codec)
            w.set_meta("lfh.writer", b"python3-avro")
            for i in range(interop_rows.N_ROWS):
                w.append(interop_rows.row(i))
            w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
