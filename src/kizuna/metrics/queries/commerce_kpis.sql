-- Commerce KPIs of a period and of the period before it, one row per period ('current',
-- 'previous'); a period without counted orders gives no row. Only counted orders (completed,
-- not cancelled) are read. Per period: orders, revenue and the sum of squared order totals
-- (AOV and its interval); ordering customers, how many of them have >= 2 orders in the period,
-- the sum of squared per-customer order counts (purchase-frequency interval), how many placed
-- their first-ever counted order in the period (new); and the gaps in days between consecutive
-- counted orders of one customer whose later order falls in the period (count, mean, sum of
-- squares, median).
-- Parameters: $prev_lo, $lo, $hi (naive UTC; previous = [prev_lo, lo), current = [lo, hi)).
WITH counted AS (
    SELECT order_id, customer_id, placed_at, total,
           CASE WHEN customer_id IS NOT NULL THEN
               lag(placed_at) OVER (PARTITION BY customer_id ORDER BY placed_at, order_id)
           END AS prev_at,
           CASE WHEN customer_id IS NOT NULL THEN
               min(placed_at) OVER (PARTITION BY customer_id)
           END AS first_at
    FROM orders
    WHERE counted
), tagged AS (
    SELECT customer_id, placed_at, total, prev_at, first_at,
           CASE WHEN placed_at >= $lo THEN 'current' ELSE 'previous' END AS per,
           (extract(epoch FROM placed_at) - extract(epoch FROM prev_at)) / 86400.0 AS gap_days
    FROM counted
    WHERE placed_at >= $prev_lo AND placed_at < $hi
), by_order AS (
    SELECT per,
           count(*) AS orders,
           sum(total) AS revenue,
           sum(total * total) AS revenue_sq,
           count(gap_days) AS gaps,
           avg(gap_days) AS gap_mean,
           sum(gap_days * gap_days) AS gap_sq,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap_days) AS gap_median
    FROM tagged
    GROUP BY per
), per_customer AS (
    SELECT per, customer_id, count(*) AS n_orders,
           CASE WHEN min(first_at) = min(placed_at) THEN 1 ELSE 0 END AS is_new
    FROM tagged
    WHERE customer_id IS NOT NULL
    GROUP BY per, customer_id
), by_customer AS (
    SELECT per,
           count(*) AS customers,
           sum(CASE WHEN n_orders >= 2 THEN 1 ELSE 0 END) AS repeaters,
           sum(n_orders) AS customer_orders,
           sum(n_orders * n_orders) AS customer_orders_sq,
           sum(is_new) AS new_customers
    FROM per_customer
    GROUP BY per
)
SELECT o.per, o.orders, o.revenue, o.revenue_sq, o.gaps, o.gap_mean, o.gap_sq, o.gap_median,
       COALESCE(c.customers, 0) AS customers,
       COALESCE(c.repeaters, 0) AS repeaters,
       COALESCE(c.customer_orders, 0) AS customer_orders,
       COALESCE(c.customer_orders_sq, 0) AS customer_orders_sq,
       COALESCE(c.new_customers, 0) AS new_customers
FROM by_order AS o
LEFT JOIN by_customer AS c ON c.per = o.per;
