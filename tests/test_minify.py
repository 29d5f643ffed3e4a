"""The widget's conservative minifier: comments and spaces go, meaning stays."""
import pytest

from corrections.minify import MinifyError, minify_css, minify_js


def test_comments_and_spaces_are_removed():
    source = """
    // a line comment
    const total = add(1, 2); /* a block comment */
    function add(a, b) {
      return a + b;
    }
    """
    assert minify_js(source) == "const total=add(1,2);function add(a,b){return a+b;}"


def test_strings_and_templates_are_kept_as_written():
    source = """const s = 'a // not a comment', d = "x /* y */", t = `  two  ${ 1 + 1 }  spaces `;"""
    assert minify_js(source) == (
        """const s='a // not a comment',d="x /* y */",t=`  two  ${ 1 + 1 }  spaces `;""")


def test_regular_expressions_are_kept_as_written():
    source = "const r = text.replace(/\\s+\\/\\/ [/]x/g, ' ');\nreturn /a b/.test(x);"
    assert minify_js(source) == "const r=text.replace(/\\s+\\/\\/ [/]x/g,' ');return/a b/.test(x);"


def test_a_division_is_not_taken_for_a_regular_expression():
    assert minify_js("const half = (a) / 2 / b;") == "const half=(a)/2/b;"


def test_line_breaks_that_matter_to_semicolon_insertion_are_kept():
    source = "let a = b\n++c\nreturn\nvalue\nx = y\n(z)"
    assert minify_js(source) == "let a=b\n++c\nreturn\nvalue\nx=y\n(z)"


def test_a_comment_spanning_lines_counts_as_a_line_break():
    assert minify_js("a = b /* one\n two */ c = d") == "a=b\nc=d"


def test_operators_that_would_merge_keep_a_space():
    assert minify_js("a = b + +c - -d; e = f / /g/.source.length;") == "a=b+ +c- -d;e=f/ /g/.source.length;"


def test_a_template_marked_css_is_minified_as_css():
    source = "const STYLE = /*css*/`\n  a  b , c > d { color: red ;  margin: 0 auto; }\n`;"
    assert minify_js(source) == "const STYLE=`a b,c > d{color:red;margin:0 auto}`;"


def test_an_unterminated_string_is_an_error():
    with pytest.raises(MinifyError):
        minify_js("const s = 'open;\n")


def test_css_keeps_spaces_that_matter_and_strings():
    css = """/* theme */ a :hover { width: calc(100% - 16px); font: 16px "Segoe  UI"; } p { }"""
    assert minify_css(css) == 'a :hover{width:calc(100% - 16px);font:16px "Segoe  UI"}p{}'
