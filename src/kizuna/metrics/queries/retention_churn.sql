-- Inactivity churn at two reference times: of the customers with at least one counted order
-- placed at or before the reference time, how many placed their last such order before the
-- cutoff (reference − inactive window). Now = $as_of; previous = $ref (one window earlier).
-- Parameters: $as_of, $cutoff, $ref, $ref_cutoff (naive UTC).
WITH last AS (
    SELECT customer_id,
           max(CASE WHEN placed_at <= $as_of THEN placed_at END) AS last_now,
           max(CASE WHEN placed_at <= $ref THEN placed_at END) AS last_ref
    FROM orders
    WHERE counted AND customer_id IS NOT NULL
    GROUP BY customer_id
)
SELECT count(last_now) AS customers,
       sum(CASE WHEN last_now < $cutoff THEN 1 ELSE 0 END) AS churned,
       count(last_ref) AS previous_customers,
       sum(CASE WHEN last_ref < $ref_cutoff THEN 1 ELSE 0 END) AS previous_churned
FROM last;
