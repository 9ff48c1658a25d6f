from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from heed.screening.engine.normalize import build_views, detect_language, latin_view


def test_cjk_view_simplifies_and_drops_inserted_symbols() -> None:
    views = build_views("你就是個老🐶賴！")
    assert views.cjk.text == "你就是个老赖"
    start, end = views.cjk.original_span(4, 6)
    assert "你就是個老🐶賴！"[start:end] == "老🐶賴"


def test_cjk_view_folds_full_width_letters() -> None:
    assert build_views("ｓｂ，还钱！").cjk.text == "sb还钱"


def test_latin_view_joins_spaced_letters_and_maps_look_alikes() -> None:
    assert latin_view("you s h i t, pay").text == " you shit pay "
    assert latin_view("sh1t b!tch a$$hole").text == " shit bitch asshole "
    assert latin_view("dead-beat s.h.i.t").text == " deadbeat shit "


def test_latin_view_keeps_apostrophes_so_contractions_stay_words() -> None:
    assert latin_view("He'll call").text == " he'll call "


def test_latin_view_leaves_amounts_alone() -> None:
    assert latin_view("$500 fee, pay!").text == " 500 fee pay "


def test_pinyin_view_reads_ideographs_and_keeps_letters() -> None:
    assert build_views("老lai").pinyin.text == "laolai"
    assert build_views("煞笔").pinyin.text == "shabi"


def test_detect_language() -> None:
    assert detect_language("请还款 OK") == "zh"
    assert detect_language("Please pay your bill, 老师") == "en"
    assert detect_language("Please pay") == "en"


@given(st.text(max_size=60))
def test_every_view_character_maps_back_inside_the_original(text: str) -> None:
    views = build_views(text)
    for view in (views.cjk, views.latin):
        for start, end in zip(view.starts, view.ends, strict=True):
            assert 0 <= start <= end <= len(text)


def test_letters_with_diacritics_fold_to_their_base_letter_in_place() -> None:
    views = build_views("Café, zuò láo 了")
    assert views.latin.text == " cafe zuo lao "
    assert views.cjk.text == "cafezuolao了"
    # One character for one: the view still maps back onto the text as written.
    start, end = views.cjk.original_span(4, 10)
    assert "Café, zuò láo 了"[start:end] == "zuò láo"


def test_tone_marked_pinyin_u_umlaut_is_typed_as_v() -> None:
    assert latin_view("lǜ shī").text == " lv shi "


def test_chat_abbreviations_are_written_out_and_map_back_to_the_abbreviation() -> None:
    text = "u r gonna pay 2moro, ur fam knows"
    view = latin_view(text)
    assert view.text == " you are going to pay tomorrow your family knows "
    begin = view.text.index("going to")
    start, end = view.original_span(begin, begin + len("going to"))
    assert text[start:end] == "gonna"
    begin = view.text.index("tomorrow")
    assert text[slice(*view.original_span(begin, begin + len("tomorrow")))] == "2moro"
    # Inside a word nothing changes ("ur" in "urgent", "u" in "you").
    assert latin_view("urgent: you must").text == " urgent you must "


def test_cantonese_characters_read_as_their_mandarin_equivalents() -> None:
    views = build_views("唔還錢佢就嚟")
    assert views.cjk.text == "不还钱他就来"
    assert views.cjk.original_span(0, 3) == (0, 3)
