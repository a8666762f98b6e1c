-- Holdout purchases of the calibration customers, for the predicted-vs-actual check: per
-- customer whose first counted purchase day (local date) is on or before $calibration_end,
-- the number of purchase days in ($calibration_end, $observation_end] (one per local day,
-- as in lifetimes' calibration_and_holdout_data). Ordered by customer_id, the same rows as
-- clv_summary with the same $calibration_end.
-- Parameters: $calibration_end, $observation_end (DATE, local), $as_of (TIMESTAMP, naive UTC).
WITH days AS (
    SELECT DISTINCT customer_id, CAST(placed_local AS DATE) AS day
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at <= $as_of
      AND CAST(placed_local AS DATE) <= $observation_end
)
SELECT customer_id,
       CAST(count(*) FILTER (WHERE day > $calibration_end) AS DOUBLE) AS frequency_holdout
FROM days
GROUP BY customer_id
HAVING min(day) <= $calibration_end
ORDER BY customer_id;
