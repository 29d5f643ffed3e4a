"""How a request's passage is shown: the word diff and the article link's text fragment."""
from corrections.dashboard.presenters import word_diff
from corrections.urls import safe_link, text_fragment_url

URL = "https://news.example.org/a"


def test_word_diff_marks_only_the_changed_words():
    assert word_diff("more then two hundred", "more than two hundred") == [
        ("same", "more "), ("del", "then"), ("ins", "than"), ("same", " two hundred")]


def test_word_diff_of_an_addition():
    assert word_diff("the line", "the new line") == [("same", "the "), ("ins", "new "),
                                                     ("same", "line")]


def test_text_fragment_encodes_the_characters_it_reserves():
    assert text_fragment_url(URL, "well-known, cheap & cheerful") == (
        f"{URL}#:~:text=well%2Dknown%2C%20cheap%20%26%20cheerful")


def test_text_fragment_uses_start_and_end_for_a_long_passage():
    exact = " ".join(f"word{n}" for n in range(80))
    assert text_fragment_url(URL, exact) == (
        f"{URL}#:~:text=word0%20word1%20word2%20word3,word76%20word77%20word78%20word79")


def test_text_fragment_drops_context_words_that_were_cut():
    prefix = "x" * 53 + " said, and "  # 64 characters: the quote's context, first word cut
    suffix = " readers waited " + "y" * 48  # 64 characters: last word cut
    assert len(prefix) == len(suffix) == 64
    assert text_fragment_url(URL, "more then", prefix, suffix) == (
        f"{URL}#:~:text=said%2C%20and-,more%20then,-readers%20waited")


def test_only_web_addresses_become_links():
    assert safe_link("javascript:alert(1)") is None
    assert safe_link(URL) == URL
