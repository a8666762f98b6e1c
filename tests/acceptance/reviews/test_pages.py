"""Dashboard moderation pages and the public review form, through the real app."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.reviews.conftest import VIEWER
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user
from tests.integration.reviews.shop import Shop

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'


def _submit(client: TestClient, auth: dict[str, str], **body: Any) -> int:
    response = client.post("/v1/reviews", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_moderation_queue_escapes_filters_and_moderates(
    marketer_client: TestClient, shop: Shop, client_auth: dict[str, str],
    runtime: Runtime, workspace: Workspace,
) -> None:
    client = marketer_client
    evil = _submit(client, client_auth, userId="u-aiko", product_id="p-tea", rating=5,
                   title=SCRIPT, body=f"line one\n{IMG}",
                   photos=["https://img.example/a.jpg"])
    plain = _submit(client, client_auth, userId="u-ken", product_id="p-tea", rating=1,
                    title="too bitter")
    other = _submit(client, client_auth, userId="u-aiko", product_id="p-cup", rating=3)

    page = client.get("/app/reviews")
    assert page.status_code == 200
    html = page.text
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert 'href="https://img.example/a.jpg" rel="nofollow noopener ugc"' in html
    assert "<img" not in html.split("<main", 1)[1].replace("&lt;img", "")  # never embedded
    ids = [int(i) for i in re.findall(r'<tr id="review-(\d+)"', html)]
    assert ids == [evil, plain, other]  # the queue: oldest first
    only_tea_1 = client.get("/app/reviews", params={"rating": "1", "product": "p-tea"}).text
    assert re.findall(r'<tr id="review-(\d+)"', only_tea_1) == [str(plain)]
    verified = client.get("/app/reviews", params={"verified": "yes"}).text
    assert re.findall(r'<tr id="review-(\d+)"', verified) == [str(evil)]

    token = csrf_of(html)
    assert client.post("/app/reviews/approve", data={"review_ids": [str(evil), str(other)]},
                       follow_redirects=False).status_code == 403  # no CSRF token
    done = client.post("/app/reviews/approve",
                       data={"review_ids": [str(evil), str(other)], "csrf_token": token,
                             "next": "/app/reviews"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("done=approved")
    rejected = client.post(f"/app/reviews/{plain}/reject",
                           data={"reason": "off_topic", "note": SCRIPT, "csrf_token": token},
                           follow_redirects=True)
    assert rejected.status_code == 200
    assert re.findall(r'<tr id="review-(\d+)"', rejected.text) == []  # queue is empty
    all_reviews = client.get("/app/reviews", params={"status": "all"}).text
    assert SCRIPT not in all_reviews and "&lt;script&gt;" in all_reviews

    product = client.get("/app/reviews/products/p-tea")
    assert product.status_code == 200
    assert '<svg' in product.text and SCRIPT not in product.text
    assert re.search(r'id="rating-n">1<', product.text)
    assert re.search(r'id="rating-average">5.00<', product.text)

    # a viewer sees the queue but may not moderate
    create_user(runtime, workspace, VIEWER, Role.VIEWER)
    client.cookies.clear()
    assert login(client, VIEWER).status_code == 303  # type: ignore[attr-defined]
    viewer_page = client.get("/app/reviews", params={"status": "all"})
    assert viewer_page.status_code == 200 and "reviews_bulk" not in viewer_page.text
    assert 'id="bulk-approve"' not in viewer_page.text
    forbidden = client.post(f"/app/reviews/{plain}/approve",
                            data={"csrf_token": csrf_of(viewer_page.text)},
                            follow_redirects=False)
    assert forbidden.status_code == 403


def test_public_form_with_a_signed_link(
    client: TestClient, shop: Shop, admin_headers: dict[str, str], read_headers: dict[str, str],
) -> None:
    issued = client.post("/v1/reviews/links", json={"customer_id": shop.aiko,
                                                    "product_id": "p-tea"},
                         headers=admin_headers)
    assert issued.status_code == 201, issued.text
    link = issued.json()
    assert link["url"].startswith("/p/reviews/p-tea?t=rv_")
    unknown = client.post("/v1/reviews/links", json={"customer_id": 999_999,
                                                     "product_id": "p-tea"},
                          headers=admin_headers)
    assert unknown.status_code == 404 and unknown.json()["field"] == "customer_id"
    first = client.get(link["url"], follow_redirects=False)
    assert first.status_code == 303 and "t=" not in first.headers["location"]
    form = client.get(first.headers["location"])
    assert form.status_code == 200 and "Tea" in form.text
    token = csrf_of(form.text)
    url = "/p/reviews/p-tea"

    bad = client.post(url, data={"rating": "6", "title": SCRIPT, "body": "ok",
                                 "photos": "javascript:alert(1)", "csrf_token": token})
    assert bad.status_code == 400
    assert "Choose a rating from 1 to 5 stars." in bad.text
    assert "https:// links" in bad.text
    assert SCRIPT not in bad.text and "&lt;script&gt;" in bad.text  # kept, escaped

    bot = client.post(url, data={"rating": "5", "website": "http://spam", "csrf_token": token},
                      follow_redirects=False)
    assert bot.status_code == 303  # pretends success
    no_csrf = client.post(url, data={"rating": "5"})
    assert no_csrf.status_code == 403

    sent = client.post(url, data={"rating": "4", "title": SCRIPT, "body": IMG,
                                  "photos": "https://img.example/a.jpg\n",
                                  "csrf_token": token}, follow_redirects=True)
    assert sent.status_code == 200 and "We received your review" in sent.text
    stored = client.get("/v1/reviews", headers=read_headers).json()["items"]
    assert len(stored) == 1 and stored[0]["title"] == SCRIPT and stored[0]["channel"] == "form"
    assert stored[0]["photos"] == ["https://img.example/a.jpg"]

    again = client.get(link["url"])
    assert again.status_code == 410 and "already used" in again.text
    forged = client.get("/p/reviews/p-tea?t=rv_forged")
    assert forged.status_code == 410
