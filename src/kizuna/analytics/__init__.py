"""Analytics plumbing: DuckDB over the operational store (no domain knowledge).

``engine`` opens an in-process DuckDB with the store attached read-only (SQLite or
PostgreSQL, through the scanner extensions that ship as Python wheels: nothing downloads);
``snapshot`` copies one workspace into DuckDB's analytic schema; ``runner`` loads named SQL
files and binds their parameters.
"""
