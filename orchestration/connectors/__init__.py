"""Dagster side of the pull connectors (ingestion.connectors): assets, job, schedule and the pre-run pull."""
