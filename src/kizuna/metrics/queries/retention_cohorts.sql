-- Cohort retention counts: customers grouped by the local month or week (ISO, from Monday)
-- of their first counted order; per cohort and k = 0..$periods, how many of them placed at
-- least one counted order in the k-th month/week after (k = 0 is the cohort size). Only
-- orders placed at or before $as_of count. Cells with no customers are absent.
-- Parameters: $grain ('month' | 'week'), $as_of (naive UTC), $since (first cohort's start
-- date, truncated to the grain, or NULL for all), $periods (largest k).
WITH firsts AS (
    SELECT customer_id, CAST(date_trunc($grain, min(placed_local)) AS DATE) AS cohort
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at <= $as_of
    GROUP BY customer_id
), active AS (
    SELECT DISTINCT customer_id, CAST(date_trunc($grain, placed_local) AS DATE) AS bucket
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at <= $as_of
), offsets AS (
    SELECT f.cohort,
           f.customer_id,
           CASE WHEN $grain = 'month'
                THEN (EXTRACT(YEAR FROM a.bucket) * 12 + EXTRACT(MONTH FROM a.bucket))
                     - (EXTRACT(YEAR FROM f.cohort) * 12 + EXTRACT(MONTH FROM f.cohort))
                ELSE CAST(round((a.bucket - f.cohort) / 7.0) AS INTEGER)
           END AS k
    FROM firsts AS f
    JOIN active AS a ON a.customer_id = f.customer_id
    WHERE $since IS NULL OR f.cohort >= $since
)
SELECT cohort, CAST(k AS INTEGER) AS k, count(*) AS customers
FROM offsets
WHERE k <= $periods
GROUP BY cohort, k
ORDER BY cohort, k;
