-- The funnel's step occurrences in the period, into the temporary table
-- `funnel_events(who, ts, step)`: events whose name is one of the steps (step = its 1-based
-- position), plus counted orders as the step $order_step when "Order Completed" is a step
-- (a counted order satisfies it even without such an event; 0 = not a step).
-- Parameters: $names (list of step names), $numbers (their positions), $order_step, $lo, $hi
-- (naive UTC bounds of the period). funnel_start then seeds `funnel_reached` with step 1.
CREATE OR REPLACE TEMP TABLE funnel_events AS
SELECT e.who, e.ts, s.step
FROM events AS e
JOIN (SELECT unnest($names) AS name, unnest($numbers) AS step) AS s ON s.name = e.event
WHERE e.ts >= $lo AND e.ts < $hi AND e.who IS NOT NULL
UNION ALL
SELECT CAST(o.customer_id AS VARCHAR) AS who, o.placed_at AS ts, $order_step AS step
FROM orders AS o
WHERE $order_step > 0 AND o.counted AND o.customer_id IS NOT NULL
  AND o.placed_at >= $lo AND o.placed_at < $hi;
