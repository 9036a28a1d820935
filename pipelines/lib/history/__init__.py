"""The warehouse's own history: run manifests, period locks and restatements (schema ``history``).

* ``schema``    — the tables, created idempotently (like the loader's ``ingest``);
* ``manifest``  — what a ``carbon run`` used and produced: inputs with sha256,
  factor set and seeds checksum, GWP set, configuration, code version, timings
  and a fingerprint of every public mart;
* ``locks``     — ``carbon lock``: freeze a reported year; restatements when a
  later run changes a locked figure, with the cause read from the manifests;
* ``render``    — the terminal tables (run summary, ``carbon lock --list``).

Everything here writes with one short connection after Dagster has closed its
own, so DuckDB's one-writer rule holds.
"""
