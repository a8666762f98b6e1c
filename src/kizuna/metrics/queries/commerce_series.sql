-- Revenue and counted orders per local day, week (ISO, starting Monday) or month of the
-- period, for a chart. Buckets without orders are absent here (the caller fills zeros).
-- Parameters: $grain ('day' | 'week' | 'month'), $lo, $hi (naive UTC bounds of the period).
SELECT CAST(date_trunc($grain, placed_local) AS DATE) AS bucket,
       count(*) AS orders,
       sum(total) AS revenue
FROM orders
WHERE counted AND placed_at >= $lo AND placed_at < $hi
GROUP BY 1
ORDER BY 1;
