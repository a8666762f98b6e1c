-- Pre-purchase effort per product category. For every counted order of a known customer and
-- every category among its lines (an order with lines in two categories counts once in each):
-- the customer's sessions that started in the $lookback before the order, their
-- "Product Viewed" events of that category in the same window, and the days from the first
-- such view to the order (only for orders with at least one view). Aggregated per category as
-- n, sums and sums of squares (for means and t intervals).
-- Parameters: $lookback (INTERVAL), $as_of (naive UTC; later orders are ignored),
-- $lo, $hi (naive UTC bounds of the orders' period, or NULL for all orders up to $as_of).
WITH buyer_orders AS (
    SELECT o.order_id, o.customer_id, o.placed_at
    FROM orders AS o
    WHERE o.counted AND o.customer_id IS NOT NULL AND o.placed_at <= $as_of
      AND ($lo IS NULL OR o.placed_at >= $lo) AND ($hi IS NULL OR o.placed_at < $hi)
), order_cats AS (
    SELECT b.order_id, any_value(b.customer_id) AS customer_id,
           any_value(b.placed_at) AS placed_at,
           COALESCE(NULLIF(i.category, ''), 'uncategorised') AS category
    FROM buyer_orders AS b
    JOIN order_items AS i ON i.order_id = b.order_id
    GROUP BY b.order_id, COALESCE(NULLIF(i.category, ''), 'uncategorised')
), order_sessions AS (
    SELECT b.order_id, count(*) AS sessions
    FROM buyer_orders AS b
    JOIN sessions AS s
      ON s.customer_id = b.customer_id
     AND s.started_at < b.placed_at AND s.started_at >= b.placed_at - $lookback
    GROUP BY b.order_id
), views AS (
    SELECT oc.order_id, oc.category, count(*) AS views, min(e.ts) AS first_view
    FROM order_cats AS oc
    JOIN events AS e
      ON e.customer_id = oc.customer_id AND e.category = oc.category
     AND e.event = 'Product Viewed'
     AND e.ts < oc.placed_at AND e.ts >= oc.placed_at - $lookback
    GROUP BY oc.order_id, oc.category
), per_order AS (
    SELECT oc.category,
           COALESCE(os.sessions, 0) AS sessions,
           COALESCE(v.views, 0) AS views,
           (extract(epoch FROM oc.placed_at) - extract(epoch FROM v.first_view)) / 86400.0 AS days
    FROM order_cats AS oc
    LEFT JOIN order_sessions AS os ON os.order_id = oc.order_id
    LEFT JOIN views AS v ON v.order_id = oc.order_id AND v.category = oc.category
)
SELECT category,
       count(*) AS orders,
       sum(sessions) AS sessions, sum(sessions * sessions) AS sessions_sq,
       sum(views) AS views, sum(views * views) AS views_sq,
       count(days) AS viewed_orders, sum(days) AS days, sum(days * days) AS days_sq
FROM per_order
GROUP BY category
ORDER BY category;
