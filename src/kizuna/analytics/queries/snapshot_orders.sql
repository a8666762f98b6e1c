-- Orders of one workspace with their local time. `counted` is what revenue and order counts
-- use: completed orders (cancelled and returned orders are kept, but not counted).
-- Parameters: $workspace_id, $tz (IANA zone of the workspace).
CREATE OR REPLACE TABLE orders AS
SELECT
    o.id AS order_id,
    o.customer_id,
    CAST(o.placed_at AS TIMESTAMP) AS placed_at,
    timezone($tz, CAST(o.placed_at AS TIMESTAMPTZ)) AS placed_local,
    CAST(o.total AS DOUBLE) AS total,
    COALESCE(NULLIF(o.channel, ''), 'unknown') AS channel,
    o.status,
    (o.status = 'completed' AND o.cancelled_at IS NULL) AS counted,
    NULLIF(o.currency, '') AS currency
FROM store.orders AS o
WHERE o.workspace_id = $workspace_id;
