"""The sandbox: escapes blocked, sizes and time bounded, errors that name the line."""

from __future__ import annotations

import sys
import time

import pytest

from kizuna.messaging.contracts import RenderLimits
from kizuna.messaging.errors import (
    TemplateInvalid,
    TemplateRenderFailed,
    TemplateTooLarge,
    TemplateTooSlow,
    TemplateUnsafe,
)

from .helpers import render_html


class Secretive:
    def __init__(self) -> None:
        self._secret = "s3cret"
        self.__hidden = "hidden"
        self.visible = "ok"


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ (1, 2).__class__.__base__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ obj._secret }}",
    "{{ obj._Secretive__hidden }}",
    "{{ obj.__dict__ }}",
    "{{ '%s' % obj }}",
    "{{ '{0.__class__}'.format(obj) }}",
    "{{ 'a'.format_map({}) }}",
    "{{ items.append(1) }}",
    "{{ mapping.update({'a': 1}) }}",
    "{{ mapping.pop('a') }}",
    "{% include 'other.html' %}",
    "{% extends 'base.html' %}",
    "{% import 'macros.html' as m %}",
])
def test_escapes_are_blocked(source: str) -> None:
    context = {"obj": Secretive(), "items": [1], "mapping": {"a": 1}}
    with pytest.raises(TemplateUnsafe) as info:
        render_html(source, context)
    assert info.value.code == "template-unsafe"
    assert info.value.template == "t"
    assert context == {"obj": context["obj"], "items": [1], "mapping": {"a": 1}}


def test_public_attributes_still_work() -> None:
    assert render_html("{{ obj.visible }}", {"obj": Secretive()}) == "ok"


def test_safe_filter_does_not_exist() -> None:
    with pytest.raises(TemplateInvalid, match="safe"):
        render_html("{{ name | safe }}", {"name": "<b>"})


@pytest.mark.parametrize("source", [
    "{{ 'a' * 10**9 }}",
    "{{ ['a'] * 10**9 }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{{ 'x' | center(10**9) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ 'x'.zfill(10**8) }}",
    "{{ ('x' * 100000) | replace('x', 'y' * 100000) }}",
    "{{ ('x' * 100000).replace('x', 'y' * 100000) }}",
    "{{ ('a\n' * 1000) | indent(400000) }}",
    "{{ ('x' * 400000 + 'y' * 400000) | length }}",
    "{{ (['x' * 10000] * 1000) | join(',') }}",
    "{{ ','.join(['x' * 10000] * 1000) }}",
    "{{ 10 ** 100000 }}",
    "{% set ns = namespace(n=10**100) %}{% for i in range(30) %}"
    "{% set ns.n = ns.n * ns.n %}{% endfor %}",
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% for i in range(100000) %}{{ 'abcdefghij' }}{% endfor %}",
])
def test_sizes_are_bounded(source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateTooLarge):
        render_html(source)
    assert time.perf_counter() - started < 2.0


def test_nested_loops_hit_the_time_limit() -> None:
    source = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    started = time.perf_counter()
    with pytest.raises(TemplateTooSlow) as info:
        render_html(source, render_limits=RenderLimits(max_seconds=0.2))
    elapsed = time.perf_counter() - started
    assert 0.2 <= elapsed < 1.5
    assert info.value.line == 1


def test_time_limit_interrupts_work_inside_filters() -> None:
    source = ("{% for i in range(100000) %}"
              "{{ range(50000) | map('string') | join | length }}{% endfor %}")
    started = time.perf_counter()
    with pytest.raises(TemplateTooSlow):
        render_html(source, render_limits=RenderLimits(max_seconds=0.2))
    assert time.perf_counter() - started < 1.5


def test_trace_function_is_restored() -> None:
    def tracer(*_: object) -> None:
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        render_html("{% for i in range(3) %}{{ i }}{% endfor %}")
        with pytest.raises(TemplateTooSlow):
            render_html("{% for i in range(100000) %}{% for j in range(100000) %}"
                        "{% endfor %}{% endfor %}", render_limits=RenderLimits(max_seconds=0.05))
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_source_size_limit() -> None:
    with pytest.raises(TemplateTooLarge, match="source"):
        render_html("x" * 101, render_limits=RenderLimits(max_source_chars=100))


def test_output_limit_is_configurable() -> None:
    limits = RenderLimits(max_output_chars=50)
    assert render_html("{{ 'x' * 50 }}", render_limits=limits) == "x" * 50
    with pytest.raises(TemplateTooLarge):
        render_html("{{ 'x' * 51 }}", render_limits=limits)


def test_recursion_is_reported() -> None:
    with pytest.raises(TemplateRenderFailed, match="calls itself"):
        render_html("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}")


def test_undefined_variable_names_line_and_fix() -> None:
    with pytest.raises(TemplateRenderFailed) as info:
        render_html("<p>Hi</p>\n<p>{{ customer.nickname }}</p>", {"customer": {"name": "A"}})
    err = info.value
    assert err.line == 2
    assert err.part == "html"
    assert err.locale == "en"
    assert "nickname" in str(err) and "default" in str(err) and "line 2" in str(err)


def test_syntax_error_names_line() -> None:
    with pytest.raises(TemplateInvalid) as info:
        render_html("a\nb\n{% if x %}")
    assert info.value.line == 3
    assert "template 't', html (en), line 3" in str(info.value)


def test_default_filter_and_defined_test_work_with_strict_undefined() -> None:
    out = render_html("{{ customer.traits.nick | default('friend') }}"
                      "{% if customer.traits.vip is defined %}VIP{% endif %}",
                      {"customer": {"traits": {}}})
    assert out == "friend"


def test_ordinary_templates_render() -> None:
    source = ("{% for p in items %}{{ loop.index }}. {{ p.name | upper }} "
              "{{ p.price | money }}{% if not loop.last %}, {% endif %}{% endfor %}")
    items = [{"name": "tea", "price": 1200}, {"name": "cup", "price": "980.4"}]
    assert render_html(source, {"items": items}) == "1. TEA ¥1,200, 2. CUP ¥980"
