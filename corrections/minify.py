"""A small, conservative JavaScript and CSS minifier for the widget (no build step, no dependency).

It only removes comments and whitespace, in the manner of Douglas Crockford's JSMin: strings,
template literals and regular expressions are copied as they are, and a line break is kept
wherever dropping it could change how JavaScript inserts semicolons. Identifiers are never
renamed. A template literal written right after the comment ``/*css*/`` holds a style sheet and
is minified as CSS.
"""
import re

# Characters that may end a statement; a line break after one of them is kept
# when the next line may start a statement (see _LINE_START).
_LINE_END = set(")]}+-\"'`")
_LINE_START = set("([{+-!~\"'`/")
# After these keywords a "/" starts a regular expression, not a division.
_REGEX_AFTER_WORDS = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void",
                      "throw", "case", "do", "else", "yield", "await"}
_CSS_MARK = "/*css*/"


class MinifyError(ValueError):
    """The source is not JavaScript this minifier can handle (an unterminated literal)."""


def _is_word(char: str) -> bool:
    return char.isalnum() or char in "_$\\" or ord(char) > 127


def _skip_string(source: str, i: int) -> int:
    """Index just past the string literal that starts at ``source[i]``."""
    quote, i = source[i], i + 1
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == quote:
            return i + 1
        if char == "\n":
            break
        i += 1
    raise MinifyError(f"unterminated string literal at offset {i}")


def _skip_template(source: str, i: int) -> int:
    """Index just past the template literal at ``source[i]``, ``${…}`` included."""
    i += 1
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
        elif char == "`":
            return i + 1
        elif source.startswith("${", i):
            i = _skip_expression(source, i + 2)
        else:
            i += 1
    raise MinifyError("unterminated template literal")


def _skip_expression(source: str, i: int) -> int:
    """Index just past the ``}`` closing a template substitution that starts at ``source[i]``."""
    depth = 0
    while i < len(source):
        char = source[i]
        if char in "'\"":
            i = _skip_string(source, i)
        elif char == "`":
            i = _skip_template(source, i)
        elif char == "{":
            depth, i = depth + 1, i + 1
        elif char == "}":
            if depth == 0:
                return i + 1
            depth, i = depth - 1, i + 1
        else:
            i += 1
    raise MinifyError("unterminated template substitution")


def _skip_regex(source: str, i: int) -> int:
    """Index just past the regular expression literal (flags included) at ``source[i]``."""
    i += 1
    in_class = False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "\n":
            break
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            i += 1
            while i < len(source) and _is_word(source[i]):
                i += 1
            return i
        i += 1
    raise MinifyError(f"unterminated regular expression at offset {i}")


def _regex_allowed(previous: str) -> bool:
    """Whether a "/" after the token text ``previous`` starts a regular expression."""
    if not previous:
        return True
    last = previous[-1]
    if _is_word(last):
        word = re.search(r"[\w$]+$", previous)
        return bool(word) and word.group() in _REGEX_AFTER_WORDS
    return last not in ")]}"


def minify_js(source: str) -> str:
    """Remove comments and needless whitespace from ``source``, keeping its meaning."""
    out: list[str] = []
    pending_space = pending_newline = False
    css_next = False
    i = 0

    def emit(token: str) -> None:
        nonlocal pending_space, pending_newline
        previous = out[-1][-1] if out else ""
        first = token[0]
        if previous and pending_newline and (_is_word(previous) or previous in _LINE_END) \
                and (_is_word(first) or first in _LINE_START):
            out.append("\n")
        elif previous and (pending_space or pending_newline) and (
                (_is_word(previous) and _is_word(first))
                or (previous in "+-/" and first == previous)):
            out.append(" ")
        out.append(token)
        pending_space = pending_newline = False

    while i < len(source):
        char = source[i]
        if char.isspace():
            if char in "\n\r\u2028\u2029":
                pending_newline = True
            else:
                pending_space = True
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:
                raise MinifyError("unterminated comment")
            css_next = source[i:end + 2] == _CSS_MARK
            # A comment is whitespace; one spanning lines is a line break (it matters to ASI).
            if "\n" in source[i:end]:
                pending_newline = True
            else:
                pending_space = True
            i = end + 2
            continue
        elif char in "'\"":
            end = _skip_string(source, i)
            emit(source[i:end])
            i = end
        elif char == "`":
            end = _skip_template(source, i)
            literal = source[i:end]
            if css_next:
                if "${" in literal:
                    raise MinifyError("a /*css*/ template literal must not contain ${…}")
                literal = "`" + minify_css(literal[1:-1]) + "`"
            emit(literal)
            i = end
        elif char == "/" and _regex_allowed(out[-1] if out else ""):
            end = _skip_regex(source, i)
            emit(source[i:end])
            i = end
        elif _is_word(char):
            end = i + 1
            while end < len(source) and _is_word(source[end]):
                end += 1
            emit(source[i:end])
            i = end
        else:
            emit(char)
            i += 1
        css_next = css_next and char.isspace()
    return "".join(out)


def minify_css(source: str) -> str:
    """Remove comments and needless whitespace from a style sheet (strings left alone)."""
    parts = re.split(r"(\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*')", source)
    for index in range(0, len(parts), 2):  # even parts are outside strings
        text = re.sub(r"/\*.*?\*/", "", parts[index], flags=re.S)
        text = re.sub(r"\s+", " ", text)
        # Spaces around these are never needed; around ( ) + > ~ they can be (calc, selectors).
        text = re.sub(r" ?([{};,]) ?", r"\1", text)
        # A space after ":" is never needed; one before it can be (`a :hover`), so it stays.
        text = text.replace(": ", ":")
        parts[index] = text.replace(";}", "}")
    return "".join(parts).strip()
