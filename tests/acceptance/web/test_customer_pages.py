"""Customers list and profile pages: search, pagination, profile, timeline, escaping, errors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.acceptance.web.data import OTHER_CUSTOMERS, Seeded


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>", body)


def test_list_searches_and_paginates(viewer_client: TestClient, seeded: Seeded) -> None:
    first = viewer_client.get("/app/customers")
    assert first.status_code == 200
    assert f"{OTHER_CUSTOMERS + 2} customers" in first.text
    assert len(_rows(first.text)) == 50
    assert "Page 1 of 2" in first.text and 'rel="next"' in first.text
    second = viewer_client.get("/app/customers?page=2")
    assert len(_rows(second.text)) == OTHER_CUSTOMERS + 2 - 50
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text

    found = viewer_client.get("/app/customers", params={"q": "hanako@"})
    assert "1 customers" in found.text
    assert "山田 花子" in found.text
    assert f'href="/app/customers/{seeded.hanako}"' in found.text
    assert "2026-03-01 09:30 JST" in found.text  # last seen, in Tokyo time, zone named
    assert '<td class="num">1</td>' in found.text  # her one order, counted for the list
    assert "No customers match." in viewer_client.get("/app/customers?q=zzzz-nobody").text


def test_search_keeps_the_query_in_page_links(viewer_client: TestClient, seeded: Seeded) -> None:
    page = viewer_client.get("/app/customers", params={"q": "example.org"})
    assert 'href="/app/customers?q=example.org&amp;page=2"' in page.text


def test_user_data_is_escaped(viewer_client: TestClient, seeded: Seeded) -> None:
    page = viewer_client.get("/app/customers", params={"q": "u-xss"})
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    profile = viewer_client.get(f"/app/customers/{seeded.xss_customer}")
    assert "<script>alert" not in profile.text
    reflected = viewer_client.get("/app/customers", params={"q": '"><script>x</script>'})
    assert "<script>x</script>" not in reflected.text


def test_profile_shows_identity_traits_consent_orders_and_timeline(
    viewer_client: TestClient, seeded: Seeded
) -> None:
    page = viewer_client.get(f"/app/customers/{seeded.hanako}")
    assert page.status_code == 200
    html = page.text
    assert '<h1 id="customer-name">山田 花子</h1>' in html
    assert seeded.anonymous_id in html  # identifiers include the anonymous id
    assert "<code>plan</code>" in html and "gold" in html  # traits table
    assert "granted" in html and "marketing" in html  # consent
    assert "o-1001" in html and "抹茶セット" in html and "× 2" in html  # order with items
    assert "6,400 JPY" in html
    # timeline: the order, the identify, the browsing before identify, the merge
    assert "Order Completed" in html
    assert "Product Viewed" in html
    assert re.search(r"anonymous <code>anon-hanako-7f3a</code>", html)
    assert "into this one" in html and 'class="tl-entry tl-merge' in html
    assert html.count('class="tl-entry') >= 50
    assert "data-load-more" in html


def test_load_more_works_with_and_without_javascript(
    viewer_client: TestClient, seeded: Seeded
) -> None:
    page = viewer_client.get(f"/app/customers/{seeded.hanako}").text
    href = re.search(r'data-load-more[^>]*href="([^"]+)"', page)
    assert href
    url = href.group(1).replace("&amp;", "&")
    full = viewer_client.get(url)  # a plain link: a whole page
    assert full.status_code == 200 and "<html" in full.text
    fragment = viewer_client.get(url, headers={"X-Kizuna-Fragment": "timeline"})
    assert "<html" not in fragment.text and fragment.text.strip().startswith("<li")
    first_ids = re.findall(r'<time datetime="([^"]+)"', page)
    more_ids = re.findall(r'<time datetime="([^"]+)"', fragment.text)
    total_entries = seeded.events_total + 1  # + the merge record
    assert len(first_ids) + len(more_ids) == total_entries
    assert "Page 0" in fragment.text  # the very first anonymous page view is on page two
    assert min(first_ids) >= max(more_ids)


def test_unknown_customer_renders_an_html_error_page(viewer_client: TestClient) -> None:
    response = viewer_client.get("/app/customers/999999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Customer 999999 does not exist." in response.text
    assert "Error 404" in response.text
    unknown = viewer_client.get("/app/no-such-page")
    assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
    bad = viewer_client.get("/app/customers?page=0")
    assert bad.status_code == 400 and "text/html" in bad.headers["content-type"]
    cursor = viewer_client.get("/app/customers/1/timeline?cursor=garbage")
    assert cursor.status_code in {400, 404} and "text/html" in cursor.headers["content-type"]


def test_nav_marks_the_current_section(viewer_client: TestClient, seeded: Seeded) -> None:
    html = viewer_client.get(f"/app/customers/{seeded.hanako}").text
    assert '<a href="/app/customers" aria-current="page">Customers</a>' in html


def test_a_merged_away_profile_redirects_to_the_survivor(
    viewer_client: TestClient, seeded: Seeded
) -> None:
    html = viewer_client.get(f"/app/customers/{seeded.hanako}").text
    merged = re.search(r"Merged profile #(\d+) into this one", html)
    assert merged
    response = viewer_client.get(f"/app/customers/{merged.group(1)}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/app/customers/{seeded.hanako}"


def test_error_pages_follow_the_language(viewer_client: TestClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', viewer_client.get("/app/").text)
    assert token
    viewer_client.post("/app/locale", data={"locale": "ja", "csrf_token": token.group(1)})
    response = viewer_client.get("/app/customers/999999")
    assert response.status_code == 404
    assert "お探しのページは見つかりません。" in response.text
