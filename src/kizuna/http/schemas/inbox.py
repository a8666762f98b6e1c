"""Pydantic response models of the client inbox API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kizuna.messaging.inbox import InboxMessage, InboxPage


class InboxMessageOut(BaseModel):
    id: int
    title: str
    text: str
    html: str = Field(description="Reduced to harmless tags; prefer `text` + `link_url`.")
    link_url: str = Field(description="An https:// link, or empty")
    locale: str
    read: bool
    created_at: datetime
    read_at: datetime | None
    expires_at: datetime | None


class InboxOut(BaseModel):
    items: list[InboxMessageOut]
    unread: int
    limit: int
    offset: int


class UnreadCountOut(BaseModel):
    unread: int


def message_out(message: InboxMessage) -> InboxMessageOut:
    return InboxMessageOut(id=message.id, title=message.title, text=message.text,
                           html=message.html, link_url=message.link_url, locale=message.locale,
                           read=message.read, created_at=message.created_at,
                           read_at=message.read_at, expires_at=message.expires_at)


def inbox_out(page: InboxPage) -> InboxOut:
    return InboxOut(items=[message_out(m) for m in page.items], unread=page.unread,
                    limit=page.limit, offset=page.offset)
