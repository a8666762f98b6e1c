-- Journey milestones: for every person (`who`), the first time each stage rule held before
-- $as_of, kept in the temporary table `journey_milestones` that the other journey_*.sql
-- queries read (kizuna.metrics.journeys builds it once per report and drops it after).
--   aware_at         first event of the person's own doing (anything but 'Email Delivered')
--   considering_at   first 'Product Viewed' / 'Products Searched' / 'Product Added' /
--                    'Cart Viewed' / 'Checkout Started' / 'Email Link Clicked'
--   purchased_at     first counted order
--   retained_at      second counted order
--   advocated_at     first promoter answer ('Survey Responded', survey_kind 'nps', score ≥ 9),
--                    'Review Submitted', 'Referral Sent' / 'Referral Completed', or
--                    'Social Post Shared' / 'Commented' / 'Mentioned'
-- People: everyone in `customers` (their `who` is the text of customer_id) and every other
-- `who` of an event before $as_of; customer_id is NULL for anonymous people.
-- Parameters: $as_of (naive UTC).
CREATE OR REPLACE TEMP TABLE journey_milestones AS
WITH ev AS (
    SELECT who,
           max(customer_id) AS customer_id,
           min(CASE WHEN COALESCE(event, type) <> 'Email Delivered' THEN ts END) AS aware_at,
           min(CASE WHEN event IN ('Product Viewed', 'Products Searched', 'Product Added',
                                   'Cart Viewed', 'Checkout Started', 'Email Link Clicked')
                    THEN ts END) AS considering_at,
           min(CASE WHEN (event = 'Survey Responded' AND survey_kind = 'nps' AND score >= 9)
                         OR event IN ('Review Submitted', 'Referral Sent', 'Referral Completed',
                                      'Social Post Shared', 'Social Post Commented',
                                      'Social Post Mentioned')
                    THEN ts END) AS advocated_at
    FROM events
    WHERE ts < $as_of
    GROUP BY who
), people AS (
    SELECT COALESCE(e.who, CAST(c.customer_id AS VARCHAR)) AS who,
           COALESCE(c.customer_id, e.customer_id) AS customer_id,
           e.aware_at, e.considering_at, e.advocated_at
    FROM ev AS e
    FULL OUTER JOIN customers AS c ON e.who = CAST(c.customer_id AS VARCHAR)
), bought AS (
    SELECT customer_id,
           min(placed_at) AS purchased_at,
           min(CASE WHEN nth = 2 THEN placed_at END) AS retained_at
    FROM (
        SELECT customer_id, placed_at,
               row_number() OVER (PARTITION BY customer_id ORDER BY placed_at, order_id) AS nth
        FROM orders
        WHERE counted AND customer_id IS NOT NULL AND placed_at < $as_of
    ) AS numbered
    WHERE nth <= 2
    GROUP BY customer_id
)
SELECT p.who, p.customer_id, p.aware_at, p.considering_at,
       b.purchased_at, b.retained_at, p.advocated_at
FROM people AS p
LEFT JOIN bought AS b ON b.customer_id = p.customer_id AND p.who = CAST(b.customer_id AS VARCHAR);
