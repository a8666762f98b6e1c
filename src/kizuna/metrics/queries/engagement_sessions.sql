-- Sessions started in the period and in the period before it, with the sum and the sum of
-- squares of their page counts (for the mean pages per session and its interval).
-- Parameters: $prev_lo, $lo, $hi (naive UTC; previous period [prev_lo, lo), period [lo, hi)).
-- One row per span ('current', 'previous') that has sessions.
SELECT
    CASE WHEN started_at >= $lo THEN 'current' ELSE 'previous' END AS span,
    count(*) AS sessions,
    sum(pages) AS pages,
    sum(CAST(pages AS DOUBLE) * pages) AS pages_sq
FROM sessions
WHERE started_at >= $prev_lo AND started_at < $hi
GROUP BY CASE WHEN started_at >= $lo THEN 'current' ELSE 'previous' END;
