-- Churn features per customer as of $cutoff (naive UTC), for customers with at least one
-- counted order placed on or before $cutoff, and the label churned = no counted order in
-- ($cutoff, $label_end] (pass $label_end = $cutoff when scoring: every label is then TRUE).
-- Days are 24-hour spans back from $cutoff. Columns:
--   recency_days        days from the last counted order to $cutoff
--   frequency           counted orders; monetary_total / monetary_mean: their total, mean
--   tenure_days         days from the first counted order to $cutoff
--   orders_90d/_180d    counted orders in the last 90 / 180 days
--   sessions_30d/_90d   sessions started in the last 30 / 90 days (sessions table)
--   product_views_30d/_90d  'Product Viewed' events in the last 30 / 90 days
--   email_opens_90d / email_clicks_90d  'Email Opened' / 'Email Link Clicked' in 90 days
--   days_since_session  days from the last session start to $cutoff (NaN: never)
-- Ordered by customer_id.
-- Parameters: $cutoff, $label_end (TIMESTAMP, naive UTC).
WITH base AS (
    SELECT customer_id,
           count(*) AS frequency,
           sum(total) AS monetary_total,
           avg(total) AS monetary_mean,
           max(placed_at) AS last_at,
           min(placed_at) AS first_at,
           count(*) FILTER (WHERE placed_at > $cutoff - INTERVAL 90 DAY) AS orders_90d,
           count(*) FILTER (WHERE placed_at > $cutoff - INTERVAL 180 DAY) AS orders_180d
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at <= $cutoff
    GROUP BY customer_id
), visits AS (
    SELECT customer_id,
           count(*) FILTER (WHERE started_at > $cutoff - INTERVAL 30 DAY) AS sessions_30d,
           count(*) FILTER (WHERE started_at > $cutoff - INTERVAL 90 DAY) AS sessions_90d,
           max(started_at) AS last_session
    FROM sessions
    WHERE customer_id IS NOT NULL AND started_at <= $cutoff
    GROUP BY customer_id
), activity AS (
    SELECT customer_id,
           count(*) FILTER (WHERE event = 'Product Viewed'
                            AND ts > $cutoff - INTERVAL 30 DAY) AS product_views_30d,
           count(*) FILTER (WHERE event = 'Product Viewed') AS product_views_90d,
           count(*) FILTER (WHERE event = 'Email Opened') AS email_opens_90d,
           count(*) FILTER (WHERE event = 'Email Link Clicked') AS email_clicks_90d
    FROM events
    WHERE customer_id IS NOT NULL AND ts <= $cutoff AND ts > $cutoff - INTERVAL 90 DAY
      AND event IN ('Product Viewed', 'Email Opened', 'Email Link Clicked')
    GROUP BY customer_id
), later AS (
    SELECT DISTINCT customer_id
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at > $cutoff AND placed_at <= $label_end
)
SELECT b.customer_id,
       date_diff('second', b.last_at, $cutoff) / 86400.0 AS recency_days,
       CAST(b.frequency AS DOUBLE) AS frequency,
       b.monetary_total,
       b.monetary_mean,
       date_diff('second', b.first_at, $cutoff) / 86400.0 AS tenure_days,
       CAST(b.orders_90d AS DOUBLE) AS orders_90d,
       CAST(b.orders_180d AS DOUBLE) AS orders_180d,
       CAST(COALESCE(v.sessions_30d, 0) AS DOUBLE) AS sessions_30d,
       CAST(COALESCE(v.sessions_90d, 0) AS DOUBLE) AS sessions_90d,
       CAST(COALESCE(a.product_views_30d, 0) AS DOUBLE) AS product_views_30d,
       CAST(COALESCE(a.product_views_90d, 0) AS DOUBLE) AS product_views_90d,
       CAST(COALESCE(a.email_opens_90d, 0) AS DOUBLE) AS email_opens_90d,
       CAST(COALESCE(a.email_clicks_90d, 0) AS DOUBLE) AS email_clicks_90d,
       COALESCE(date_diff('second', v.last_session, $cutoff) / 86400.0,
                CAST('NaN' AS DOUBLE)) AS days_since_session,
       l.customer_id IS NULL AS churned
FROM base AS b
LEFT JOIN visits AS v ON v.customer_id = b.customer_id
LEFT JOIN activity AS a ON a.customer_id = b.customer_id
LEFT JOIN later AS l ON l.customer_id = b.customer_id
ORDER BY b.customer_id;
