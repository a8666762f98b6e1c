-- Social engagement per span: actions ('Social Post Liked' / 'Shared' / 'Commented' /
-- 'Mentioned') and the reach of the posts they concern, each post counted once. The analytic
-- events table does not carry the post id yet, so every action is its own post (exact for the
-- demo, which posts once per action). Actions without a positive reach are counted apart.
-- Parameters: $prev_lo, $lo, $hi (naive UTC spans as in engagement_sessions).
-- One row per span with posts, actions, reach and the sums of squares and cross-products the
-- ratio interval needs (a_i actions and r_i reach of post i).
WITH posts AS (
    SELECT CASE WHEN ts >= $lo THEN 'current' ELSE 'previous' END AS span,
           event_id AS post,
           count(*) AS actions,
           max(reach) AS reach
    FROM events
    WHERE event IN ('Social Post Liked', 'Social Post Shared', 'Social Post Commented',
                    'Social Post Mentioned')
      AND ts >= $prev_lo AND ts < $hi
    GROUP BY CASE WHEN ts >= $lo THEN 'current' ELSE 'previous' END, event_id
)
SELECT span,
       sum(CASE WHEN reach > 0 THEN 1 ELSE 0 END) AS posts,
       sum(CASE WHEN reach > 0 THEN actions ELSE 0 END) AS actions,
       sum(CASE WHEN reach > 0 THEN reach ELSE 0 END) AS reach,
       sum(CASE WHEN reach > 0 THEN CAST(actions AS DOUBLE) * actions ELSE 0 END) AS actions_sq,
       sum(CASE WHEN reach > 0 THEN reach * reach ELSE 0 END) AS reach_sq,
       sum(CASE WHEN reach > 0 THEN actions * reach ELSE 0 END) AS cross_sum,
       sum(CASE WHEN reach > 0 THEN 0 ELSE actions END) AS unreached
FROM posts
GROUP BY span;
