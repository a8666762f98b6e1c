-- Per-customer RFM summary for the CLV models (the definitions of
-- kizuna.predict.summary.summary_from_transactions, in days of the workspace's local time).
-- Counted orders placed on or before the local date $calibration_end (and not after $as_of)
-- are grouped by customer and local day: purchases on one day count once, amounts summed.
--   frequency      = purchase days - 1 (repeat purchase days)
--   recency        = (last purchase day - first purchase day) / 7, in weeks
--   T              = ($calibration_end - first purchase day) / 7, in weeks
--   monetary_value = mean amount of the repeat purchase days (0 for one-time buyers)
--   orders, spend  = counted orders and their summed total; first_day / last_day local dates;
--   first_ordinal  = first_day as a proleptic Gregorian ordinal (Python's date.toordinal()).
-- One row per customer with at least one such order, ordered by customer_id.
-- Parameters: $calibration_end (DATE, local), $as_of (TIMESTAMP, naive UTC).
WITH days AS (
    SELECT customer_id, CAST(placed_local AS DATE) AS day, sum(total) AS amount,
           count(*) AS orders
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at <= $as_of
      AND CAST(placed_local AS DATE) <= $calibration_end
    GROUP BY customer_id, CAST(placed_local AS DATE)
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY day) AS k
    FROM days
)
SELECT customer_id,
       CAST(count(*) - 1 AS DOUBLE) AS frequency,
       CAST(max(day) - min(day) AS DOUBLE) / 7.0 AS recency,
       CAST($calibration_end - min(day) AS DOUBLE) / 7.0 AS T,
       COALESCE(avg(amount) FILTER (WHERE k > 1), 0.0) AS monetary_value,
       CAST(sum(orders) AS BIGINT) AS orders,
       sum(amount) AS spend,
       min(day) AS first_day,
       max(day) AS last_day,
       CAST(min(day) - DATE '0001-01-01' AS BIGINT) + 1 AS first_ordinal
FROM ranked
GROUP BY customer_id
ORDER BY customer_id;
