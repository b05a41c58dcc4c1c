"""Scheduled crawls: ``python -m newscrawl.schedule`` runs every configured site on a cron
expression or an interval (APScheduler, in UTC), one round at a time under a lock in the data
directory, and writes a report per run under ``<data dir>/runs/``;
``python -m newscrawl.schedule health`` says whether the last runs went well."""
