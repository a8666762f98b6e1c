"""The idea board's facade against real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kizuna.feedback.tables import FeedbackItemRow
from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaInput, IdeaSort, IdeaStatus
from kizuna.ideas.errors import (
    IdeaClosed,
    IdeaInvalid,
    IdeaMergeInvalid,
    IdeaNotFound,
    IdeaTransitionInvalid,
)
from kizuna.ingest import api as ingest
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.integration.ideas.conftest import T0

IDEA = IdeaInput(title="  Refill packs for matcha  ", body="Less plastic, please.",
                 category="packaging", locale="en")


def _events(runtime: Runtime, workspace: Workspace, customer: CustomerId) -> list[str]:
    with runtime.sessions.begin() as s:
        page = ingest.list_timeline(s, workspace.id, customer, limit=100)
    return sorted(getattr(e, "event", None) or "" for e in page.entries)


def test_submit_records_event_and_inbox_item(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    with runtime.sessions.begin() as s:
        idea = ideas.submit_idea(s, workspace.id, fans[0], IDEA, T0)
    assert idea.title == "Refill packs for matcha" and idea.status is IdeaStatus.NEW
    assert idea.vote_count == 0 and idea.author_customer_id == fans[0]
    with runtime.sessions.begin() as s:
        item = s.scalar(select(FeedbackItemRow).where(FeedbackItemRow.kind == "idea"))
        assert item is not None and item.ref == str(idea.id)
        assert item.customer_id == fans[0] and "Less plastic" in item.text
        history = ideas.list_history(s, workspace.id, idea.id)
    assert [(h.from_status, h.to_status) for h in history] == [(None, "new")]
    assert "Idea Submitted" in _events(runtime, workspace, fans[0])


@pytest.mark.parametrize(("field", "item"), [
    ("title", IdeaInput(title="   ", body="x")),
    ("title", IdeaInput(title="t" * 151, body="x")),
    ("body", IdeaInput(title="ok", body="b" * 5001)),
    ("body", IdeaInput(title="ok", body="nul\x00here")),
    ("category", IdeaInput(title="ok", body="", category="c" * 101)),
])
def test_bad_ideas_are_refused(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId], field: str, item: IdeaInput
) -> None:
    with runtime.sessions.begin() as s, pytest.raises(IdeaInvalid) as caught:
        ideas.submit_idea(s, workspace.id, fans[0], item, T0)
    assert caught.value.fields["field"] == field


def test_votes_are_one_per_customer_and_reach_the_threshold(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    with runtime.sessions.begin() as s:
        idea = ideas.submit_idea(s, workspace.id, fans[0], IDEA, T0)
    for i, fan in enumerate(fans[:3]):
        with runtime.sessions.begin() as s:
            first = ideas.vote(s, workspace.id, idea.id, fan, T0 + timedelta(minutes=i),
                               threshold=3)
            again = ideas.vote(s, workspace.id, idea.id, fan, T0 + timedelta(minutes=i),
                               threshold=3)
        assert first.counted and not again.counted
    assert again.idea.vote_count == 3
    assert again.idea.status is IdeaStatus.UNDER_REVIEW
    with runtime.sessions.begin() as s:
        history = ideas.list_history(s, workspace.id, idea.id)
        notes = ideas.list_notifications(s, workspace.id, idea_id=idea.id)
        assert ideas.has_voted(s, workspace.id, idea.id, fans[1])
        assert not ideas.has_voted(s, workspace.id, idea.id, fans[5])
    assert history[-1].to_status == "under_review" and history[-1].note == "threshold reached"
    assert history[-1].changed_by == "system"
    # voters fans[0..2], author fans[0]: three notifications, all pending
    assert sorted(n.customer_id for n in notes) == sorted(fans[:3])
    assert all(n.delivered_at is None and n.status == "under_review" for n in notes)
    assert "Idea Voted" in _events(runtime, workspace, fans[2])
    assert "Idea Status Changed" in _events(runtime, workspace, fans[0])


def test_unvote_takes_the_vote_back(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    with runtime.sessions.begin() as s:
        idea = ideas.submit_idea(s, workspace.id, fans[0], IDEA, T0)
        ideas.vote(s, workspace.id, idea.id, fans[1], T0)
        after = ideas.unvote(s, workspace.id, idea.id, fans[1], T0)
        again = ideas.unvote(s, workspace.id, idea.id, fans[1], T0)
    assert after.vote_count == 0 and again.vote_count == 0


def test_status_machine_and_notifications_are_idempotent(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    with runtime.sessions.begin() as s:
        idea = ideas.submit_idea(s, workspace.id, fans[0], IDEA, T0)
        ideas.vote(s, workspace.id, idea.id, fans[1], T0)
    with runtime.sessions.begin() as s, pytest.raises(IdeaTransitionInvalid) as caught:
        ideas.change_status(s, workspace.id, idea.id, "shipped", changed_by="kim", at=T0)
    assert caught.value.fields["allowed"] == ["declined", "under_review"]
    for status in ("under_review", "planned", "planned", "shipped"):
        with runtime.sessions.begin() as s:
            ideas.change_status(s, workspace.id, idea.id, status, changed_by="kim@example.com",
                                at=T0, note="on the roadmap")
    with runtime.sessions.begin() as s:
        history = ideas.list_history(s, workspace.id, idea.id)
        notes = ideas.list_notifications(s, workspace.id, idea_id=idea.id)
        with pytest.raises(IdeaClosed):
            ideas.vote(s, workspace.id, idea.id, fans[2], T0)
        with pytest.raises(IdeaTransitionInvalid):
            ideas.change_status(s, workspace.id, idea.id, "declined", changed_by="k", at=T0)
        with pytest.raises(IdeaInvalid):
            ideas.change_status(s, workspace.id, idea.id, "done", changed_by="k", at=T0)
    assert [h.to_status for h in history] == ["new", "under_review", "planned", "shipped"]
    assert history[1].changed_by == "kim@example.com" and history[1].note == "on the roadmap"
    assert len(notes) == 2 * 3  # author + one voter, three changes, no duplicates
    assert {n.status for n in notes} == {"under_review", "planned", "shipped"}


def test_merge_moves_votes_without_double_counting(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    with runtime.sessions.begin() as s:
        target = ideas.submit_idea(s, workspace.id, fans[0], IDEA, T0)
        dup = ideas.submit_idea(s, workspace.id, fans[5],
                                IdeaInput(title="Matcha refills", body=""), T0)
        for fan in fans[1:4]:
            ideas.vote(s, workspace.id, target.id, fan, T0)
        for fan in fans[3:7]:  # fans[3] voted for both
            ideas.vote(s, workspace.id, dup.id, fan, T0)
    with runtime.sessions.begin() as s:
        merged = ideas.merge_ideas(s, workspace.id, dup.id, target.id, changed_by="kim", at=T0,
                                   threshold=100)
        again = ideas.merge_ideas(s, workspace.id, dup.id, target.id, changed_by="kim", at=T0)
    assert merged.vote_count == 6 == again.vote_count  # fans 1..6
    with runtime.sessions.begin() as s:
        gone = ideas.get_idea(s, workspace.id, dup.id)
        assert gone.merged_into_id == target.id and gone.vote_count == 0 and not gone.is_open
        notes = ideas.list_notifications(s, workspace.id, idea_id=dup.id)
        assert sorted(n.customer_id for n in notes) == sorted(fans[3:7])  # voters + author
        assert {n.kind for n in notes} == {"merged"}
        # a vote and a comment on the duplicate follow it to the target
        result = ideas.vote(s, workspace.id, dup.id, fans[9], T0)
        assert result.idea.id == target.id and result.idea.vote_count == 7
        comment = ideas.add_comment(s, workspace.id, dup.id, "me too", T0, customer_id=fans[9])
        assert comment.idea_id == target.id
        with pytest.raises(IdeaMergeInvalid):
            ideas.merge_ideas(s, workspace.id, target.id, target.id, changed_by="k", at=T0)
        with pytest.raises(IdeaMergeInvalid):
            ideas.merge_ideas(s, workspace.id, target.id, dup.id, changed_by="k", at=T0)
        with pytest.raises(IdeaTransitionInvalid):
            ideas.change_status(s, workspace.id, dup.id, "planned", changed_by="k", at=T0)
        assert [h.to_status for h in ideas.list_history(s, workspace.id, dup.id)] == [
            "new", "merged"]
        assert ideas.count_by_status(s, workspace.id)["merged"] == 1


def test_merge_can_cross_the_threshold(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    with runtime.sessions.begin() as s:
        target = ideas.submit_idea(s, workspace.id, fans[0], IDEA, T0)
        dup = ideas.submit_idea(s, workspace.id, fans[1], IDEA, T0)
        for fan in fans[:3]:
            ideas.vote(s, workspace.id, target.id, fan, T0, threshold=5)
            ideas.vote(s, workspace.id, dup.id, fans[3 + fans.index(fan)], T0, threshold=5)
        merged = ideas.merge_ideas(s, workspace.id, dup.id, target.id, changed_by="k", at=T0,
                                   threshold=5)
    assert merged.vote_count == 6 and merged.status is IdeaStatus.UNDER_REVIEW


def test_comments_staff_and_customer(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    with runtime.sessions.begin() as s:
        idea = ideas.submit_idea(s, workspace.id, fans[0], IDEA, T0)
        ideas.add_comment(s, workspace.id, idea.id, "<b>yes</b>", T0, customer_id=fans[1])
        ideas.add_comment(s, workspace.id, idea.id, "We are on it.", T0 + timedelta(hours=1),
                          staff_name="Kim (team)")
        with pytest.raises(IdeaInvalid):
            ideas.add_comment(s, workspace.id, idea.id, "  ", T0, customer_id=fans[1])
        comments = ideas.list_comments(s, workspace.id, idea.id)
        assert ideas.get_idea(s, workspace.id, idea.id).comment_count == 2
        inbox = s.scalars(select(FeedbackItemRow.kind).where(
            FeedbackItemRow.workspace_id == workspace.id)).all()
    assert [(c.body, c.official) for c in comments] == [("<b>yes</b>", False),
                                                        ("We are on it.", True)]
    assert sorted(inbox) == ["idea", "idea_comment"]  # staff comments stay out of the inbox
    assert "Idea Commented" in _events(runtime, workspace, fans[1])


def test_list_sorts_filters_and_counts(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    with runtime.sessions.begin() as s:
        a = ideas.submit_idea(s, workspace.id, fans[0], IdeaInput(title="Alpha", body=""), T0)
        b = ideas.submit_idea(s, workspace.id, fans[0], IdeaInput(title="Beta 100%", body=""),
                              T0 + timedelta(days=1))
        ideas.vote(s, workspace.id, a.id, fans[1], T0)
        ideas.change_status(s, workspace.id, b.id, "declined", changed_by="k", at=T0)
        top = ideas.list_ideas(s, workspace.id, sort=IdeaSort.TOP)
        new = ideas.list_ideas(s, workspace.id, sort=IdeaSort.NEW)
        declined = ideas.list_ideas(s, workspace.id, status=IdeaStatus.DECLINED)
        found = ideas.list_ideas(s, workspace.id, query="100%")
        counts = ideas.count_by_status(s, workspace.id)
        with pytest.raises(IdeaNotFound):
            ideas.get_idea(s, workspace.id, 999_999)
    assert [i.id for i in top.items] == [a.id, b.id]
    assert [i.id for i in new.items] == [b.id, a.id]
    assert [i.id for i in declined.items] == [b.id] and [i.id for i in found.items] == [b.id]
    assert counts["new"] == 1 and counts["declined"] == 1 and counts["merged"] == 0


def test_member_links(runtime: Runtime, workspace: Workspace, fans: list[CustomerId]) -> None:
    with runtime.sessions.begin() as s:
        link = ideas.issue_member_link(s, workspace.id, fans[2], T0, valid_days=30)
    with runtime.sessions.begin() as s:
        member = ideas.find_member(s, link.token, T0 + timedelta(days=29))
        assert member is not None and member.customer_id == fans[2]
        assert member.workspace_id == workspace.id
        assert ideas.find_member(s, link.token, T0 + timedelta(days=31)) is None
        assert ideas.find_member(s, link.token + "x", T0) is None
        assert ideas.find_member(s, "", T0) is None


def test_a_profile_merged_away_votes_as_the_survivor(
    runtime: Runtime, workspace: Workspace, fans: list[CustomerId]
) -> None:
    from kizuna.profiles import api as profiles
    from kizuna.profiles.contracts import IdentityRef

    with runtime.sessions.begin() as s:
        [browser] = profiles.resolve_customers(s, workspace.id,
                                               [IdentityRef(anonymous_id="a-77")], T0)
        # fans[4] is a known customer; the anonymous browser turns out to be them
        [known] = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="fan-004", anonymous_id="a-77")], T0)
        assert known == fans[4] != browser
        idea = ideas.submit_idea(s, workspace.id, fans[0], IDEA, T0)
        first = ideas.vote(s, workspace.id, idea.id, browser, T0)
        second = ideas.vote(s, workspace.id, idea.id, known, T0)
    assert first.counted and not second.counted and second.idea.vote_count == 1
