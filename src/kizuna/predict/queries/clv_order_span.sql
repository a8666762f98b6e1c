-- The local dates of the first and last counted orders placed by customers up to $as_of
-- (NULLs without orders), and the number of such orders.
-- Parameters: $as_of (TIMESTAMP, naive UTC).
SELECT CAST(min(placed_local) AS DATE) AS first_day,
       CAST(max(placed_local) AS DATE) AS last_day,
       count(*) AS orders
FROM orders
WHERE counted AND customer_id IS NOT NULL AND placed_at <= $as_of;
