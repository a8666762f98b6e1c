-- Revenue, orders, sum of squares and ordering customers per product category, current and
-- previous period, counted orders only. A category's revenue is the sum of its line amounts
-- (order_items.amount), not of order totals; an order with lines in several categories counts
-- once in each of them, with only that category's amount. The per-order category amount is
-- what the category's AOV averages. One row per (value, per).
-- Parameters: $prev_lo, $lo, $hi (naive UTC; previous = [prev_lo, lo), current = [lo, hi)).
SELECT value, per,
       count(*) AS orders,
       sum(amount) AS revenue,
       sum(amount * amount) AS revenue_sq,
       count(DISTINCT customer_id) AS customers
FROM (
    SELECT COALESCE(NULLIF(i.category, ''), 'uncategorised') AS value,
           CASE WHEN o.placed_at >= $lo THEN 'current' ELSE 'previous' END AS per,
           o.order_id, o.customer_id,
           sum(COALESCE(i.amount, 0)) AS amount
    FROM orders AS o
    JOIN order_items AS i ON i.order_id = o.order_id
    WHERE o.counted AND o.placed_at >= $prev_lo AND o.placed_at < $hi
    GROUP BY 1, 2, o.order_id, o.customer_id
) AS t
GROUP BY value, per;
