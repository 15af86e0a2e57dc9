"""A sentence in another language than the question's is told apart (inquiring.words).

The sentences are the opening of one page of the Obsidian help (obsidianmd/obsidian-help,
Plugins/Backlinks.md) in eleven of its translations, and lines of the computer-vision paper
notes patrick-llgc/Learning-Deep-Learning, which mix English and Chinese; the demo vault is read
whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inquiring.text import sentences_of
from inquiring.words import language, same_language

QUESTION = "What is a backlink, and how do I see the backlinks of a note?"
ENGLISH = "A backlink for a note is a link from another note to that note."
TRANSLATIONS = {
    "fr": "Un lien retour d'une note est un lien provenant d'une autre note vers cette note.",
    "de": "Ein Rückverweis für eine Notiz ist ein Link von einer anderen Notiz zu dieser Notiz.",
    "es": "Un enlace de retorno de una nota es un enlace desde otra nota hacia esa nota.",
    "it": "Un backlink per una nota è un collegamento da un'altra nota verso quella nota.",
    "pt": "Um link inverso de uma nota é uma ligação de outra nota para essa nota.",
    "nl": "Een teruglink voor een notitie is een koppeling vanuit een andere notitie naar die "
    "notitie.",
    "ru": "Обратная ссылка для заметки — это ссылка из другой заметки на эту заметку.",
    "zh": "一篇笔记的反向链接是指从另一篇笔记中指向该笔记的链接。",
    "ja": "あるノートのバックリンクとは、別のノートからそのノートへのリンクのことです。",
    "ko": "노트의 백링크는 다른 노트에서 해당 노트로 향하는 링크예요.",
}
# Learning-Deep-Learning, paper_notes/mvcnn.md: English, then a longer gloss in Chinese.
MAHALANOBIS = (
    "Mahalanobis distance is dimensionless, and accounts for the correlation between variables. "
    "马氏距离有很多优点，马氏距离不受量纲的影响，两点之间的马氏距离与原始数据的测量单位无关。"  # noqa: RUF001
)
DEMO = Path(__file__).resolve().parent.parent / "examples"


def test_the_english_sentence_is_in_the_questions_language() -> None:
    assert language(ENGLISH) == "en"
    assert same_language(ENGLISH, QUESTION)


@pytest.mark.parametrize("code", sorted(TRANSLATIONS))
def test_a_translation_is_not_in_the_questions_language(code: str) -> None:
    assert not same_language(TRANSLATIONS[code], QUESTION)


def test_sentences_in_one_other_language_go_together() -> None:
    assert same_language(TRANSLATIONS["zh"], "什么是反向链接？")  # noqa: RUF001
    assert same_language(TRANSLATIONS["fr"], "Qu'est-ce qu'un lien retour et où le voir ?")
    assert not same_language(ENGLISH, "Qu'est-ce qu'un lien retour et où le voir ?")


def test_a_gloss_a_name_or_an_acronym_leaves_a_sentence_english() -> None:
    for sentence in (
        # Learning-Deep-Learning: amodal_completion.md and a tl;dr line
        "Relative size is further objects appearing smaller (近大远小).",
        "Tl;dr: IL + RL >> IL.",
        # papers-i-read and the demo vault: names and citations
        "Le and Mikolov (2014) proposed Paragraph Vector for documents of any length.",
        "Ouyang et al. (2022) found that outputs of a 1.3B InstructGPT were preferred.",
        "Lookups take O(log n) time with a B-tree of order d.",
    ):
        assert same_language(sentence, QUESTION), sentence
    assert not same_language(MAHALANOBIS, QUESTION)


def test_every_sentence_of_the_demo_vaults_is_english() -> None:
    found = [s for path in sorted(DEMO.rglob("*.md")) for s in sentences_of(path.read_text())]
    assert len(found) > 3000
    assert [s for s in found if language(s) != "en"] == []
