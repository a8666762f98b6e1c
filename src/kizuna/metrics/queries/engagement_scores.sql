-- Engagement score (0–100) of every customer over the window [$lo, $as_of).
-- Signals per customer: sessions started, 'Product Viewed' events, emails opened and emails
-- clicked (distinct campaigns; an event without campaign_id counts on its own), social actions
-- ('Social Post Liked' / 'Shared' / 'Commented' / 'Mentioned'), counted orders, and the time
-- of the last activity (any event but 'Email Delivered', a session or a counted order).
-- Active customers are those with any activity in the window. Each count signal becomes its
-- percentile rank among active customers, cume_dist (the share of active customers with a value
-- ≤ this one), or 0 when the count is 0; recency is the share with a last activity at or before
-- this one's (the most recent get 1). Score = 100 × Σ w_s · p_s / Σ w_s; inactive customers 0.
-- Parameters: $lo, $as_of (naive UTC), $w_sessions, $w_product_views, $w_email_opens,
-- $w_email_clicks, $w_social, $w_orders, $w_recency (weights, not all zero).
-- One row per customer: customer_id, active, the raw signals and the score.
WITH signals AS (
    SELECT customer_id, 0 AS sessions,
           sum(CASE WHEN event = 'Product Viewed' THEN 1 ELSE 0 END) AS product_views,
           count(DISTINCT CASE WHEN event = 'Email Opened'
                               THEN COALESCE(campaign_id, CAST(event_id AS VARCHAR)) END)
               AS email_opens,
           count(DISTINCT CASE WHEN event = 'Email Link Clicked'
                               THEN COALESCE(campaign_id, CAST(event_id AS VARCHAR)) END)
               AS email_clicks,
           sum(CASE WHEN event IN ('Social Post Liked', 'Social Post Shared',
                                   'Social Post Commented', 'Social Post Mentioned')
                    THEN 1 ELSE 0 END) AS social,
           0 AS orders,
           max(ts) AS last_at
    FROM events
    WHERE customer_id IS NOT NULL AND ts >= $lo AND ts < $as_of
      AND COALESCE(event, type) <> 'Email Delivered'
    GROUP BY customer_id
    UNION ALL
    SELECT customer_id, count(*), 0, 0, 0, 0, 0, max(started_at)
    FROM sessions
    WHERE customer_id IS NOT NULL AND started_at >= $lo AND started_at < $as_of
    GROUP BY customer_id
    UNION ALL
    SELECT customer_id, 0, 0, 0, 0, 0, count(*), max(placed_at)
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at >= $lo AND placed_at < $as_of
    GROUP BY customer_id
), active AS (
    SELECT customer_id,
           sum(sessions) AS sessions, sum(product_views) AS product_views,
           sum(email_opens) AS email_opens, sum(email_clicks) AS email_clicks,
           sum(social) AS social, sum(orders) AS orders, max(last_at) AS last_at
    FROM signals
    GROUP BY customer_id
), ranked AS (
    SELECT customer_id, sessions, product_views, email_opens, email_clicks, social, orders,
           last_at,
           CASE WHEN sessions > 0 THEN cume_dist() OVER (ORDER BY sessions) ELSE 0 END AS p_sessions,
           CASE WHEN product_views > 0 THEN cume_dist() OVER (ORDER BY product_views) ELSE 0 END
               AS p_product_views,
           CASE WHEN email_opens > 0 THEN cume_dist() OVER (ORDER BY email_opens) ELSE 0 END
               AS p_email_opens,
           CASE WHEN email_clicks > 0 THEN cume_dist() OVER (ORDER BY email_clicks) ELSE 0 END
               AS p_email_clicks,
           CASE WHEN social > 0 THEN cume_dist() OVER (ORDER BY social) ELSE 0 END AS p_social,
           CASE WHEN orders > 0 THEN cume_dist() OVER (ORDER BY orders) ELSE 0 END AS p_orders,
           cume_dist() OVER (ORDER BY last_at) AS p_recency
    FROM active
)
SELECT c.customer_id,
       r.customer_id IS NOT NULL AS active,
       COALESCE(r.sessions, 0) AS sessions,
       COALESCE(r.product_views, 0) AS product_views,
       COALESCE(r.email_opens, 0) AS email_opens,
       COALESCE(r.email_clicks, 0) AS email_clicks,
       COALESCE(r.social, 0) AS social,
       COALESCE(r.orders, 0) AS orders,
       COALESCE(100.0 * ($w_sessions * r.p_sessions + $w_product_views * r.p_product_views
                         + $w_email_opens * r.p_email_opens + $w_email_clicks * r.p_email_clicks
                         + $w_social * r.p_social + $w_orders * r.p_orders
                         + $w_recency * r.p_recency)
                / ($w_sessions + $w_product_views + $w_email_opens + $w_email_clicks
                   + $w_social + $w_orders + $w_recency), 0.0) AS score
FROM customers AS c
LEFT JOIN ranked AS r ON r.customer_id = c.customer_id
ORDER BY c.customer_id;
