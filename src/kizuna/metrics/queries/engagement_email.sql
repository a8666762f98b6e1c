-- Email engagement per people × campaign pair (campaign_id, who). A pair belongs to the span
-- of its first 'Email Delivered'; it is opened when it has an 'Email Opened' or an
-- 'Email Link Clicked' (a click implies an open that image blocking may have hidden),
-- clicked with an 'Email Link Clicked', unsubscribed with an 'Email Unsubscribed' naming the
-- campaign (one without a campaign_id goes to the person's last delivery before it).
-- Opens, clicks and unsubscribes count up to $as_of, whenever they happened after delivery.
-- Parameters: $prev_lo, $lo, $hi (naive UTC spans as in engagement_sessions), $as_of,
-- $newsletter_prefix (campaign ids starting with it are newsletters).
-- One row per (span, newsletter) with delivered, opened, clicked, unsubscribed pair counts.
WITH mail AS (
    SELECT campaign_id, who, event, ts
    FROM events
    WHERE event IN ('Email Delivered', 'Email Opened', 'Email Link Clicked', 'Email Unsubscribed')
      AND ts < $as_of
), delivered AS (
    SELECT campaign_id, who, min(ts) AS delivered_at
    FROM mail
    WHERE event = 'Email Delivered' AND campaign_id IS NOT NULL
    GROUP BY campaign_id, who
), acted AS (
    SELECT campaign_id, who,
           max(CASE WHEN event IN ('Email Opened', 'Email Link Clicked') THEN 1 ELSE 0 END) AS opened,
           max(CASE WHEN event = 'Email Link Clicked' THEN 1 ELSE 0 END) AS clicked,
           max(CASE WHEN event = 'Email Unsubscribed' THEN 1 ELSE 0 END) AS unsubscribed
    FROM mail
    WHERE event <> 'Email Delivered' AND campaign_id IS NOT NULL
    GROUP BY campaign_id, who
), unnamed_unsubscribe AS (
    SELECT campaign_id, who
    FROM (
        SELECT d.campaign_id, d.who,
               row_number() OVER (PARTITION BY u.who, u.ts ORDER BY d.delivered_at DESC,
                                                                 d.campaign_id DESC) AS pick
        FROM mail AS u
        JOIN delivered AS d ON d.who = u.who AND d.delivered_at <= u.ts
        WHERE u.event = 'Email Unsubscribed' AND u.campaign_id IS NULL
    ) AS last_delivery
    WHERE pick = 1
    GROUP BY campaign_id, who
), pairs AS (
    SELECT CASE WHEN d.delivered_at >= $lo THEN 'current' ELSE 'previous' END AS span,
           substr(d.campaign_id, 1, length($newsletter_prefix)) = $newsletter_prefix
               AS newsletter,
           COALESCE(a.opened, 0) AS opened,
           COALESCE(a.clicked, 0) AS clicked,
           CASE WHEN COALESCE(a.unsubscribed, 0) = 1 OR n.who IS NOT NULL THEN 1 ELSE 0 END
               AS unsubscribed
    FROM delivered AS d
    LEFT JOIN acted AS a ON a.campaign_id = d.campaign_id AND a.who = d.who
    LEFT JOIN unnamed_unsubscribe AS n ON n.campaign_id = d.campaign_id AND n.who = d.who
    WHERE d.delivered_at >= $prev_lo AND d.delivered_at < $hi
)
SELECT span, newsletter,
       count(*) AS delivered,
       sum(opened) AS opened,
       sum(clicked) AS clicked,
       sum(unsubscribed) AS unsubscribed
FROM pairs
GROUP BY span, newsletter;
