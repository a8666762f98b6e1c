-- Profile and order history of the listed customers for the at-risk list: external id,
-- email, country, the local date of the last counted order, counted orders and their total
-- (orders placed up to $as_of).
-- Parameters: $ids (LIST of BIGINT customer ids), $as_of (TIMESTAMP, naive UTC).
SELECT c.customer_id,
       c.external_id,
       c.email,
       c.country,
       CAST(max(o.placed_local) AS DATE) AS last_order_date,
       count(o.order_id) AS orders,
       COALESCE(sum(o.total), 0.0) AS spend
FROM customers AS c
LEFT JOIN orders AS o
       ON o.customer_id = c.customer_id AND o.counted AND o.placed_at <= $as_of
WHERE c.customer_id IN (SELECT unnest($ids))
GROUP BY c.customer_id, c.external_id, c.email, c.country
ORDER BY c.customer_id;
