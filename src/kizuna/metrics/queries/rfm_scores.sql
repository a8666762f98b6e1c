-- RFM of every customer with at least one counted order placed before $as_of:
--   recency    days from the local date of the last order to $today (local date of as_of)
--   frequency  counted orders
--   monetary   their total spend
-- and the rank-based quintile score (1..5, 5 = best) of each: with b = the number of buyers
-- whose value is strictly worse (older last order, fewer orders, lower spend) and n buyers,
-- score = 1 + floor(5 · b / n). Equal values get equal scores; without ties this is the
-- textbook quintile split. Parameters: $as_of (naive UTC), $today (local DATE).
WITH buyers AS (
    SELECT customer_id,
           max(placed_local) AS last_local,
           count(*) AS frequency,
           sum(total) AS monetary
    FROM orders
    WHERE counted AND customer_id IS NOT NULL AND placed_at < $as_of
    GROUP BY customer_id
), measured AS (
    SELECT customer_id,
           date_diff('day', CAST(last_local AS DATE), CAST($today AS DATE)) AS recency,
           frequency, monetary
    FROM buyers
), ranked AS (
    SELECT customer_id, recency, frequency, monetary,
           count(*) OVER () AS n,
           rank() OVER (ORDER BY recency DESC) - 1 AS r_beaten,
           rank() OVER (ORDER BY frequency) - 1 AS f_beaten,
           rank() OVER (ORDER BY monetary) - 1 AS m_beaten
    FROM measured
)
SELECT customer_id, recency, frequency, monetary,
       1 + CAST(floor(5.0 * r_beaten / n) AS INTEGER) AS r,
       1 + CAST(floor(5.0 * f_beaten / n) AS INTEGER) AS f,
       1 + CAST(floor(5.0 * m_beaten / n) AS INTEGER) AS m
FROM ranked
ORDER BY customer_id;
