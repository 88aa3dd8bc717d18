"""Shared by the python3-avro checks: Iceberg needs a field-id on every record field."""


def fields_without_id(schema, path, out, seen):
    """Every record field reachable from `schema` that lacks a field-id."""
    if isinstance(schema, list):
        for b in schema:
            fields_without_id(b, path, out, seen)
    elif isinstance(schema, dict):
        t = schema.get("type")
        if t == "record":
            if schema["name"] in seen:
                return
            seen.add(schema["name"])
            for f in schema["fields"]:
                if "field-id" not in f:
                    out.append(path + f["name"])
                fields_without_id(f["type"], path + f["name"] + ".", out, seen)
        elif t == "array":
            fields_without_id(schema["items"], path, out, seen)
        elif t == "map":
            fields_without_id(schema["values"], path, out, seen)
