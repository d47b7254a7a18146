"""Parsing the busybox-ash subset the lab hosts run: lists, pipes, groups, `while`, redirections.

Grammar (POSIX shell, reduced): a list of and-or lists separated by `;`, `&` or newlines; an
and-or list is pipelines joined by `&&`/`||`; a pipeline is commands joined by `|`; a command
is a simple command (assignments, words, redirections), `{ list; }`, `( list )` or
`while list; do list; done`. Words keep their quoting: single quotes are literal, double quotes
and bare words expand `$name`, `${name}` and `$?`. Command substitution, globbing, field
splitting of expansions, here-documents, `if`/`for`/`case` are not part of the subset; a script
using them gets a syntax error naming the construct rather than a wrong answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPERATORS = ("&&", "||", ";", "&", "|", "(", ")", "\n")
RESERVED = ("{", "}", "while", "do", "done")


class ShellSyntaxError(Exception):
    """The script is outside the subset or malformed; the message follows ash's wording."""


@dataclass(frozen=True)
class Word:
    """Literal text and variable references in order; `quoted` when any part was quoted."""

    parts: tuple[tuple[str, str], ...]  # ("text", s) or ("var", name)
    quoted: bool = False
    # the word's text if it holds no expansion (reserved words must also be unquoted); made
    # once: the parser asks each word at every grammar decision
    literal: str | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.parts) == 1 and self.parts[0][0] == "text":  # most words: one plain run
            object.__setattr__(self, "literal", self.parts[0][1])
            return
        plain = all(kind == "text" for kind, _ in self.parts)
        text = "".join(text for _, text in self.parts) if plain else None
        object.__setattr__(self, "literal", text)


@dataclass(frozen=True)
class Redir:
    fd: int
    op: str  # ">", ">>", "<", ">&", "<&"
    target: Word


@dataclass(frozen=True)
class Op:
    text: str


@dataclass
class Simple:
    assigns: list[tuple[str, Word]] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class Group:
    body: Script
    subshell: bool
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class While:
    cond: Script
    body: Script
    redirs: list[Redir] = field(default_factory=list)


Node = Simple | Group | While


@dataclass
class Pipeline:
    commands: list[Node]


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]]


@dataclass
class Script:
    items: list[tuple[AndOr, bool]]  # (and-or list, run in the background)


_LITERAL = re.compile(r"[^ \t;&|()\n<>'\"\\$`]+")
_QUOTED_LITERAL = re.compile(r'[^"\\$`]+')
# a whole unquoted word without expansions, up to a blank or an operator (not `2` of `2>&1`)
_PLAIN_WORD = re.compile(r"[^ \t;&|()\n<>'\"\\$`#]+(?=[ \t;&|()\n]|\Z)")


def tokenize(src: str) -> list[Word | Op | Redir]:
    out: list[Word | Op | Redir] = []
    plain: dict[str, Word] = {}  # a script repeats its words (a batch: the same command 32 times)
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t":
            i += 1
        elif m := _PLAIN_WORD.match(src, i):
            text = m.group()
            word = plain.get(text)
            if word is None:
                word = plain[text] = Word((("text", text),))
            out.append(word)
            i = m.end()
        elif c == "\\" and src.startswith("\\\n", i):
            i += 2
        elif c == "#":
            while i < n and src[i] != "\n":
                i += 1
        elif src.startswith(("&&", "||"), i):
            out.append(Op(src[i : i + 2]))
            i += 2
        elif c in ";&|()\n":
            out.append(Op(c))
            i += 1
        else:
            i = _word_or_redir(src, i, out)
    return out


def _word_or_redir(src: str, i: int, out: list[Word | Op | Redir]) -> int:
    parts: list[tuple[str, str]] = []
    quoted = False
    n = len(src)
    start = i
    while i < n and src[i] not in " \t;&|()\n":
        c = src[i]
        if c in "<>":
            digits = src[start:i]
            if digits and not (digits.isdigit() and not quoted and i - start == len(digits)):
                break  # `word>x`: the word ends here, the redirection follows
            fd = int(digits) if digits else (0 if c == "<" else 1)
            op = src[i]
            i += 1
            if i < n and src[i] in "&>" and not (op == "<" and src[i] == ">"):
                op += src[i]
                i += 1
            while i < n and src[i] in " \t":
                i += 1
            target: list[Word | Op | Redir] = []
            i = _word_or_redir(src, i, target)
            if len(target) != 1 or not isinstance(target[0], Word):
                raise ShellSyntaxError(f"syntax error: missing target after {op}")
            out.append(Redir(fd, op, target[0]))
            return i
        if c == "'":
            end = src.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("syntax error: unterminated quoted string")
            parts.append(("text", src[i + 1 : end]))
            quoted, i = True, end + 1
        elif c == '"':
            i = _double_quoted(src, i + 1, parts)
            quoted = True
        elif c == "\\":
            parts.append(("text", src[i + 1 : i + 2]))
            quoted, i = True, i + 2
        elif m := _LITERAL.match(src, i):  # a run of ordinary characters in one step
            parts.append(("text", m.group()))
            i = m.end()
        else:
            i = _plain(src, i, parts)
    if parts or quoted:
        out.append(Word(_merge(parts), quoted))
    return i


def _double_quoted(src: str, i: int, parts: list[tuple[str, str]]) -> int:
    n = len(src)
    while i < n and src[i] != '"':
        c = src[i]
        if c == "\\" and i + 1 < n and src[i + 1] in '$`"\\\n':
            if src[i + 1] != "\n":
                parts.append(("text", src[i + 1]))
            i += 2
        elif m := _QUOTED_LITERAL.match(src, i):
            parts.append(("text", m.group()))
            i = m.end()
        else:
            i = _plain(src, i, parts)
    if i >= n:
        raise ShellSyntaxError("syntax error: unterminated quoted string")
    return i + 1


def _plain(src: str, i: int, parts: list[tuple[str, str]]) -> int:
    """An expansion, a refused command substitution, or one literal character."""
    c = src[i]
    if c == "$":
        return _dollar(src, i, parts)
    if c == "`":
        raise ShellSyntaxError("syntax error: command substitution is not in the lab's shell")
    parts.append(("text", c))
    return i + 1


def _dollar(src: str, i: int, parts: list[tuple[str, str]]) -> int:
    nxt = src[i + 1 : i + 2]
    if nxt == "?":
        parts.append(("var", "?"))
        return i + 2
    if nxt == "(":
        raise ShellSyntaxError("syntax error: command substitution is not in the lab's shell")
    if nxt == "{":
        end = src.find("}", i + 2)
        name = src[i + 2 : end] if end > 0 else ""
        if not name.isidentifier() and name != "?":
            raise ShellSyntaxError(f"syntax error: bad substitution: ${{{name}")
        parts.append(("var", name))
        return end + 1
    j = i + 1
    while j < len(src) and (src[j].isalnum() or src[j] == "_"):
        j += 1
    if j == i + 1:
        parts.append(("text", "$"))
        return j
    parts.append(("var", src[i + 1 : j]))
    return j


def _merge(parts: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    merged: list[tuple[str, str]] = []
    for kind, text in parts:
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return tuple(merged)


class Parser:
    def __init__(self, tokens: list[Word | Op | Redir]) -> None:
        self.toks = tokens
        self.pos = 0
        # what each grammar decision compares: an operator's text, an unquoted plain word's
        # text (a reserved word), else None; one more None past the end
        self.keys = [_key(tok) for tok in tokens] + [None]

    def parse(self) -> Script:
        script = self.script(())
        if self.pos < len(self.toks):
            raise ShellSyntaxError(f"syntax error: unexpected {self._describe(self.peek())}")
        return script

    def peek(self) -> Word | Op | Redir | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def _at(self, text: str) -> bool:
        return self.keys[self.pos] == text

    def _describe(self, tok: object) -> str:
        if isinstance(tok, Op):
            return "newline" if tok.text == "\n" else f'"{tok.text}"'
        if isinstance(tok, Word):
            return f'"{tok.literal or "word"}"'
        return "end of file" if tok is None else "redirection"

    def expect(self, text: str) -> None:
        if self.keys[self.pos] != text:
            raise ShellSyntaxError(f"syntax error: unexpected {self._describe(self.peek())}")
        self.pos += 1

    def _skip_newlines(self) -> None:
        while self.keys[self.pos] == "\n":
            self.pos += 1

    def script(self, stops: tuple[str, ...]) -> Script:
        items: list[tuple[AndOr, bool]] = []
        self._skip_newlines()
        while self.pos < len(self.toks) and self.keys[self.pos] not in stops:
            node = self.and_or()
            background = False
            key = self.keys[self.pos]
            if key in ("&", ";"):
                background = key == "&"
                self.pos += 1
            elif self.pos < len(self.toks) and key != "\n" and key not in stops:
                raise ShellSyntaxError(f"syntax error: unexpected {self._describe(self.peek())}")
            items.append((node, background))
            self._skip_newlines()
        return Script(items)

    def and_or(self) -> AndOr:
        first = self.pipeline()
        rest: list[tuple[str, Pipeline]] = []
        while self.keys[self.pos] in ("&&", "||"):
            op = self.toks[self.pos]
            assert isinstance(op, Op)
            self.pos += 1
            self._skip_newlines()
            rest.append((op.text, self.pipeline()))
        return AndOr(first, rest)

    def pipeline(self) -> Pipeline:
        commands = [self.command()]
        while self._at("|"):
            self.pos += 1
            self._skip_newlines()
            commands.append(self.command())
        return Pipeline(commands)

    def command(self) -> Node:
        key = self.keys[self.pos]
        node: Node
        if key in ("{", "("):
            sub = key == "("
            self.pos += 1
            body = self.script(("}",) if not sub else (")",))
            self.expect(")" if sub else "}")
            node = Group(body, sub)
        elif key == "while":
            self.pos += 1
            cond = self.script(("do",))
            self.expect("do")
            body = self.script(("done",))
            self.expect("done")
            node = While(cond, body)
        else:
            return self.simple()
        while isinstance(self.peek(), Redir):
            redir = self.peek()
            assert isinstance(redir, Redir)
            node.redirs.append(redir)
            self.pos += 1
        return node

    def simple(self) -> Simple:
        node = Simple()
        while True:
            tok = self.peek()
            if isinstance(tok, Redir):
                node.redirs.append(tok)
            elif isinstance(tok, Word):
                text = tok.parts[0][1] if tok.parts and tok.parts[0][0] == "text" else ""
                name, eq, _ = text.partition("=")
                if not node.words and eq and name.isidentifier():
                    value = (("text", text[len(name) + 1 :]),) if text[len(name) + 1 :] else ()
                    node.assigns.append((name, Word(value + tok.parts[1:], tok.quoted)))
                elif not node.words and tok.literal in RESERVED and not tok.quoted:
                    break
                else:
                    node.words.append(tok)
            else:
                break
            self.pos += 1
        if not (node.words or node.assigns or node.redirs):
            raise ShellSyntaxError(f"syntax error: unexpected {self._describe(self.peek())}")
        return node


def _key(tok: Word | Op | Redir) -> str | None:
    if isinstance(tok, Op):
        return tok.text
    if isinstance(tok, Word) and not tok.quoted:
        return tok.literal
    return None


def parse(src: str) -> Script:
    return Parser(tokenize(src)).parse()
