"""fanops data-quality suites (Great Expectations Core 1.x), versioned as code.

- `expectations.model`: suites, checks, results;
- `expectations.suites`: the suites (raw ones generated from the landing contract, marts, volume and
  freshness, the file-manifest reconciliation);
- `expectations.engine`: validation (GX on pandas batches, DuckDB SQL for big batches);
- `expectations.store`: `dq.validation_results` history; `expectations.docs`: GX Data Docs.
"""
