-- Repeat purchase days of the calibration customers up to $observation_end, counted per
-- local date (for the cumulative tracking plot): customers whose first counted purchase day is
-- on or before $calibration_end; every purchase day after a customer's first one counts once.
-- ordinal = the date as Python's date.toordinal(); n = repeat purchase days on that date.
-- Parameters: $calibration_end, $observation_end (DATE, local), $as_of (TIMESTAMP, naive UTC).
WITH days AS (
    SELECT DISTINCT customer_id, CAST(placed_local AS DATE) AS day
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at <= $as_of
      AND CAST(placed_local AS DATE) <= $observation_end
), firsts AS (
    SELECT customer_id, min(day) AS first_day
    FROM days
    GROUP BY customer_id
    HAVING min(day) <= $calibration_end
)
SELECT CAST(d.day - DATE '0001-01-01' AS BIGINT) + 1 AS ordinal, count(*) AS n
FROM days AS d
JOIN firsts AS f ON f.customer_id = d.customer_id
WHERE d.day > f.first_day
GROUP BY d.day
ORDER BY d.day;
