"""Markdown from the vault → safe HTML: links resolved to pages, unresolved ones marked,
Obsidian's callouts as boxes, its note embeds (`![[note]]`, `![[note#heading]]`) inline, and
its footnotes (`[^1]` and `[^1]: …`, how a draft note cites each claim's quote and page) as
marks that link to a list at the foot of the note, with no script.

Notes are the user's files, and may hold anything, so raw HTML is allowed through
markdown-it and then sanitised by nh3, embedded notes and callouts included: a `<script>`
or an `onerror=` in a note never runs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from .. import quotes
from ..parse import URL_SCHEME, Link
from ..text import (
    BLOCK_ID,
    CALLOUT,
    FOOTNOTE,
    FOOTNOTE_DEF,
    INLINE_TAG,
    WIKILINK,
    plain,
    section_of,
    wikilink_parts,
)
from ..vault import Resolver
from .security import is_passive
from .urls import file_url, href, page_for, tag_page

_MARK = re.compile(r"==(\S(?:[^=\n]*\S)?)==")
_IMAGE = re.compile(r"\.(png|jpe?g|gif|svg|webp|avif)$", re.IGNORECASE)
_TAGS = nh3.ALLOWED_TAGS | {"input", "section"}
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")
MAX_EMBED_DEPTH = 3  # notes embedded in embedded notes, at most; deeper ones stay links
_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "div": {"class"},
    "p": {"class"},
    "details": {"class", "open"},
    "summary": {"class"},
    "a": {"href", "title", "class", "hreflang"},
    "span": {"class", "title"},
    "section": {"class"},
    "sup": {"class", "id"},  # a footnote's mark, which its entry links back to
    "li": {"id"},  # a footnote's entry, which its mark links to
    "q": {"cite", "class"},
    "img": {"src", "alt", "title", "width", "height", "class"},
    "code": {"class"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
    "input": {"type", "checked", "disabled"},
}


class MarkdownRenderer:
    """Render bodies with the vault's links resolved to page URLs, relative to the page."""

    def __init__(
        self,
        resolver: Resolver,
        titles: dict[str, str],
        inline: Callable[[str], str | None] | None = None,
        body: Callable[[str], str] | None = None,
    ) -> None:
        self.resolver = resolver
        self.titles = titles  # document path → title; attachments are absent
        self.body = body  # document path → its Markdown body, for notes embedded in others
        # Set for the published site, where no file a browser could run is published: it gives
        # an image of that kind as a data: URI (shown, never run on the site's origin), or None.
        self.inline = inline
        self.md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
            ["table", "strikethrough"]
        )
        self.md.inline.ruler.before("link", "wikilink", _wikilink_rule)
        self.md.inline.ruler.before("emphasis", "mark", _mark_rule)
        self.md.inline.ruler.before("emphasis", "tag", _tag_rule)
        self.md.core.ruler.after("block", "callout", _callouts)
        self.md.core.ruler.after("callout", "block_id", _hide_block_ids)
        self.md.block.ruler.before(
            "reference", "footnote_def", _footnote_def_rule, {"alt": ["paragraph", "reference"]}
        )
        self.md.inline.ruler.before("link", "footnote_ref", _footnote_ref_rule)
        self.md.core.ruler.after("inline", "footnote_tail", _footnote_tail)
        # markdown-it binds render rules to its renderer, so each rule reaches us by closure.
        for name, rule in (
            ("wikilink", self._render_wikilink),
            ("link_open", self._render_link_open),
            ("image", self._render_image),
            ("heading_open", self._render_heading_open),
            ("mark", lambda tokens, idx, *_: f"<mark>{html.escape(tokens[idx].content)}</mark>"),
            ("tag", self._render_tag),
            ("footnote_ref", _render_footnote_ref),
        ):
            self.md.add_render_rule(name, lambda _r, *args, rule=rule: rule(*args))

    def render(self, body: str, from_path: str, prefix: str) -> str:
        """`body` of the document at `from_path`, on a page `prefix` away from the root."""
        env: EnvType = {"from": from_path, "prefix": prefix, "inline": {}}
        # An embed alone on its line leaves the paragraph around it empty once it is cleaned.
        markup = _EMPTY_PARAGRAPH.sub("", clean(self.md.render(body, env)))
        # After cleaning, which drops every data: URI a note's own HTML might hold.
        for url, data in env["inline"].items():
            markup = markup.replace(f'src="{html.escape(url)}"', f'src="{data}"')
        return markup

    def _resolve(self, target: str, fragment: str, embed: bool, style: str, env: EnvType):
        return self.resolver.resolve(Link(target, fragment, "", 0, embed, style), env["from"])

    def _url(self, path: str, fragment: str, env: EnvType, embed: bool = False) -> str | None:
        """The link to a document or file; None for a file the published site leaves out."""
        target = page_for(path) if path in self.titles else file_url(path)
        url = href(env["prefix"], target) + (f"#{_anchor(fragment)}" if fragment else "")
        if path in self.titles or self.inline is None or is_passive(path):
            return url
        data = self.inline(path) if embed else None
        if data is None:
            return None
        env["inline"][url] = data
        return url

    def _render_wikilink(
        self, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        target, fragment, shown = wikilink_parts(token.content, in_table=True)
        embed = bool(token.meta.get("embed"))
        resolved = self._resolve(target, fragment, embed, "wiki", env)
        if resolved is None:
            return _unresolved(shown or target or fragment, target or fragment)
        url = self._url(resolved, fragment, env, embed)
        if url is None:
            return _withheld(shown or target)
        if embed and resolved not in self.titles and _IMAGE.search(resolved):
            return f'<img src="{html.escape(url)}" alt="{html.escape(shown or target)}">'
        if embed and resolved in self.titles and self.body is not None:
            return self._embed(resolved, fragment, url, env)
        title = self.titles.get(resolved, "")
        label = shown or title or target
        # A line's citation mark ("1" of "[1]") names its note on hover.
        hint = f' title="{html.escape(title)}"' if title and label.isdigit() else ""
        return f'<a class="wikilink" href="{html.escape(url)}"{hint}>{html.escape(label)}</a>'

    def _render_tag(self, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A #tag in the text links to the page of its notes, as in Obsidian."""
        tag = tokens[idx].content
        url = href(env["prefix"], tag_page(tag))
        return f'<a class="tag" href="{html.escape(url)}">#{html.escape(tag)}</a>'

    def _embed(self, path: str, fragment: str, url: str, env: EnvType) -> str:
        """A note embedded where the link stands: its body, or the part the fragment names.

        A note already being embedded (it embeds itself, or a note that embeds it), and notes
        more than MAX_EMBED_DEPTH embeds deep, stay links, so no vault can loop or blow up.
        """
        heading = fragment and not fragment.startswith("^")  # a block's id means nothing to read
        name = self.titles[path] + (f" \u2192 {fragment}" if heading else "")
        link = f'<a class="wikilink" href="{html.escape(url)}">{html.escape(name)}</a>'
        chain = env.get("embedding", (env["from"],))
        if path in chain or len(chain) > MAX_EMBED_DEPTH:
            return link
        text = self.body(path) if self.body else ""
        part = section_of(text, fragment) if fragment else text
        if part is None:
            return _unresolved(name, f"{self.titles[path]}#{fragment}")
        # The same `inline` dict; footnotes of its own, listed at the foot of the embed.
        inner = {
            **env,
            "from": path,
            "embedding": (*chain, path),
            "footnotes": {},
            "footnotes_seen": set(),
            "footnote_prefix": _anchor(path) + "-",
        }
        return (
            f'<div class="embed"><p class="embed-source">{link}</p>'
            f"{self.md.render(part, inner)}</div>"
        )

    def _render_link_open(
        self, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        raw = str(token.attrGet("href") or "")
        if raw and not URL_SCHEME.match(raw) and not raw.startswith(("//", "#")):
            target, _, fragment = raw.partition("#")
            resolved = self._resolve(unquote(target), unquote(fragment), False, "markdown", env)
            if resolved is None:
                token.attrSet("class", "unresolved")
                token.attrSet("title", f"Not in this vault: {unquote(target)}")
                token.attrSet("href", "#")
            elif (url := self._url(resolved, unquote(fragment), env)) is None:
                token.attrSet("class", "unresolved")
                token.attrSet("title", _WITHHELD)
                token.attrSet("href", "#")
            else:
                token.attrSet("href", url)
        return RendererHTML.renderToken(self.md.renderer, tokens, idx, options, env)

    def _render_heading_open(
        self, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        """Headings get ids, so `[[Note#Heading]]` lands on its heading."""
        if idx + 1 < len(tokens) and tokens[idx + 1].type == "inline":
            tokens[idx].attrSet("id", _anchor(tokens[idx + 1].content))
        return RendererHTML.renderToken(self.md.renderer, tokens, idx, options, env)

    def _render_image(
        self, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        raw = str(token.attrGet("src") or "")
        if raw and not URL_SCHEME.match(raw) and not raw.startswith("//"):
            resolved = self._resolve(unquote(raw), "", True, "markdown", env)
            token.attrSet(
                "src", (self._url(resolved, "", env, embed=True) or "") if resolved else ""
            )
        return self.md.renderer.image(tokens, idx, options, env)


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith(("[[", "![["), state.pos):
        return False
    match = WIKILINK.match(state.src, state.pos)
    if not match or not match.group(2).strip():
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.content = match.group(2)
        token.meta = {"embed": bool(match.group(1))}
    state.pos = match.end()
    return True


def _footnote_def_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """`[^label]: text` at the start of a line, with any indented lines after it: kept in
    `env` for the list at the foot, where `_footnote_tail` shows it (the first of a label)."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    match = FOOTNOTE_DEF.fullmatch(first)
    if not match:
        return False
    if silent:
        return True
    parts, line = [match.group(2)], start + 1
    while line < end and not state.isEmpty(line) and state.sCount[line] > state.blkIndent:
        parts.append(state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]])
        line += 1
    state.env.setdefault("footnotes", {}).setdefault(match.group(1), "\n".join(parts))
    state.line = line
    return True


def _footnote_ref_rule(state: StateInline, silent: bool) -> bool:
    """`[^label]` whose definition the note has: a mark linking to it (else plain text)."""
    if not state.src.startswith("[^", state.pos):
        return False
    match = FOOTNOTE.match(state.src, state.pos)
    if not match or match.group(1) not in state.env.get("footnotes", {}):
        return False
    if not silent:
        state.push("footnote_ref", "", 0).meta = {"label": match.group(1)}
    state.pos = match.end()
    return True


def _render_footnote_ref(tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """The mark: a link to the footnote, its text shown on hover; the first mark of a label
    is where the footnote links back to."""
    label = tokens[idx].meta["label"]
    first = label not in env.setdefault("footnotes_seen", set())
    env["footnotes_seen"].add(label)
    anchor = html.escape(_footnote_anchor(label, env))
    back = f' id="fnref-{anchor}"' if first else ""
    hint = html.escape(plain(env["footnotes"][label]))
    number = env["footnote_numbers"][label]
    return (
        f'<sup class="footnote-ref"{back}><a href="#fn-{anchor}" title="{hint}">{number}</a></sup>'
    )


def _footnote_anchor(label: str, env: EnvType) -> str:
    """A footnote's anchor, told apart from the same label in an embedded note's footnotes."""
    return env.get("footnote_prefix", "") + (_anchor(label) or "x")


def _footnote_tail(state: StateCore) -> None:
    """The footnotes as a numbered list at the foot of the text."""
    notes = state.env.get("footnotes") or {}
    if not notes:
        return
    marked = {
        child.meta["label"]: None  # in the order first marked, each once
        for token in state.tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type == "footnote_ref"
    }
    # Numbered in the order the text first marks them, as Obsidian numbers even named ones.
    order = [*marked, *(label for label in notes if label not in marked)]
    state.env["footnote_numbers"] = {label: n for n, label in enumerate(order, start=1)}
    tokens = [_html('<section class="footnotes"><hr><ol>')]
    for label in order:
        text = notes[label]
        anchor = html.escape(_footnote_anchor(label, state.env))
        shown = str(state.env["footnote_numbers"][label])
        if label in marked:  # back to where the text cites it
            back = f'class="footnote-back" href="#fnref-{anchor}" title="Back to the text"'
            shown = f"<a {back}>{shown}</a>"
        tokens.append(_html(f'<li id="fn-{anchor}">{shown} '))
        evidence = quotes.evidence(text.split("\n", 1)[0])
        if evidence is not None:  # a quote is the paper's words: shown as text, never markup
            tokens.append(
                _html(
                    f'<q class="evidence">{html.escape(evidence.quote)}</q> '
                    f'<span class="evidence-page">{quotes.place(evidence.page)}</span>'
                )
            )
        else:
            inline = Token("inline", "", 0, content=text)
            inline.children = []
            state.md.inline.parse(text, state.md, state.env, inline.children)
            tokens.append(inline)
        tokens.append(_html("</li>"))
    state.tokens += [*tokens, _html("</ol></section>")]


def _callouts(state: StateCore) -> None:
    """Quotes that open with `[!type]` become callout boxes: a `<div>` with the type and its
    title (the type's name when none is written), or a `<details>` when a fold mark follows
    the type (`-` folded, `+` open), as Obsidian shows them."""
    tokens, out = state.tokens, []
    closing: list[str | None] = []  # what ends each quote open at this point
    skip: set[int] = set()
    for i, token in enumerate(tokens):
        if i in skip:
            continue
        if token.type == "blockquote_close":
            end = closing.pop()
            out.append(token if end is None else _html(end))
            continue
        if token.type != "blockquote_open":
            out.append(token)
            continue
        head = _callout_head(tokens, i)
        if head is None:  # an ordinary quote
            closing.append(None)
            out.append(token)
            continue
        kind, fold, title = head.groups()
        kind = re.sub(r"[^a-z0-9-]", "", kind.lower()) or "note"
        first = tokens[i + 2]
        first.content = first.content.partition("\n")[2]
        if not first.content.strip():
            skip.update((i + 1, i + 2, i + 3))  # the paragraph held the title line alone
        title_token = Token("inline", "", 0, content=title.strip() or kind.capitalize())
        title_token.children = []
        if fold:
            shown = " open" if fold == "+" else ""
            start = f'<details class="callout callout-{kind}"{shown}>'
            start += '<summary class="callout-title">'
            out += [_html(start), title_token, _html("</summary>")]
            closing.append("</details>")
        else:
            start = f'<div class="callout callout-{kind}"><p class="callout-title">'
            out += [_html(start), title_token, _html("</p>")]
            closing.append("</div>")
    state.tokens = out


def _hide_block_ids(state: StateCore) -> None:
    """Obsidian's `^id` marks at the end of a paragraph are for links, not for reading."""
    for token in state.tokens:
        if token.type == "inline" and "^" in token.content:
            token.content = BLOCK_ID.sub("", token.content)


def _callout_head(tokens: list[Token], i: int) -> re.Match[str] | None:
    """The `[!type]± Title` line that opens the quote at `i`, if it is a callout."""
    if i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open":
        return None
    inline = tokens[i + 2]
    first = inline.content.split("\n", 1)[0].strip() if inline.type == "inline" else ""
    return CALLOUT.fullmatch(first) if first.startswith("[!") else None


def _html(markup: str) -> Token:
    token = Token("html_block", "", 0)
    token.content = markup
    return token


def _tag_rule(state: StateInline, silent: bool) -> bool:
    """`#tag` after a space or at the start of a line: an Obsidian tag."""
    if state.src[state.pos] != "#" or (state.pos and not state.src[state.pos - 1].isspace()):
        return False
    match = INLINE_TAG.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        state.push("tag", "", 0).content = match.group(1).strip("/")
    state.pos = match.end()
    return True


def _mark_rule(state: StateInline, silent: bool) -> bool:
    """`==text==`, Obsidian's highlight: lines use it to mark a sentence the checker doubts."""
    match = _MARK.match(state.src, state.pos) if state.src.startswith("==", state.pos) else None
    if not match:
        return False
    if not silent:
        state.push("mark", "", 0).content = match.group(1)
    state.pos = match.end()
    return True


def _unresolved(label: str, target: str) -> str:
    title = html.escape(f"No note or file in this vault matches “{target}”")
    return f'<span class="unresolved" title="{title}">{html.escape(label)}</span>'


_WITHHELD = "Left out of the published site: a browser could run this kind of file"


def _withheld(label: str) -> str:
    return f'<span class="unresolved" title="{_WITHHELD}">{html.escape(label)}</span>'


def _anchor(heading: str) -> str:
    return re.sub(r"[^\w-]+", "-", heading.strip().lower()).strip("-")


_INLINE = MarkdownIt("commonmark", {"html": False})


def inline_markdown(text: str) -> str:
    """A line of the user's own Markdown (a footer, say) as safe HTML: emphasis, code and links
    to full addresses; HTML written in it shows as text."""
    return clean(_INLINE.renderInline(text)) if text.strip() else ""


def clean(markup: str) -> str:
    """Sanitise HTML: only harmless tags and attributes, no scripts, no event handlers."""
    return nh3.clean(markup, tags=_TAGS, attributes=_ATTRIBUTES, link_rel=None)
