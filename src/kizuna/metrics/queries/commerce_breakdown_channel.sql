-- Revenue, orders, sum of squared order totals and ordering customers per sales channel
-- (orders.channel; missing -> 'unknown'), for the current and the previous period.
-- Only counted orders. One row per (value, per).
-- Parameters: $prev_lo, $lo, $hi (naive UTC; previous = [prev_lo, lo), current = [lo, hi)).
SELECT value, per,
       count(*) AS orders,
       sum(total) AS revenue,
       sum(total * total) AS revenue_sq,
       count(DISTINCT customer_id) AS customers
FROM (
    SELECT COALESCE(NULLIF(o.channel, ''), 'unknown') AS value,
           CASE WHEN o.placed_at >= $lo THEN 'current' ELSE 'previous' END AS per,
           o.customer_id, o.total
    FROM orders AS o
    WHERE o.counted AND o.placed_at >= $prev_lo AND o.placed_at < $hi
) AS t
GROUP BY value, per;
