-- Whether the snapshot holds any counted order at all, and when the first and last were
-- placed (to tell "no orders ever" from "no orders in this period").
-- No parameters.
SELECT count(*) AS orders, min(placed_at) AS first_at, max(placed_at) AS last_at
FROM orders
WHERE counted;
