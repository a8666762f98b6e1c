-- Order lines of the workspace's orders, with the product's category when the line has none.
-- Parameters: $workspace_id.
CREATE OR REPLACE TABLE order_items AS
SELECT
    i.order_id,
    i.product_id,
    COALESCE(NULLIF(i.category, ''), NULLIF(p.category, ''), 'uncategorised') AS category,
    CAST(i.quantity AS DOUBLE) AS quantity,
    CAST(i.amount AS DOUBLE) AS amount
FROM store.order_items AS i
JOIN store.orders AS o ON o.id = i.order_id AND o.workspace_id = $workspace_id
LEFT JOIN store.products AS p ON p.id = i.product_id;
