"""Every .swift file given parses with zero syntax errors (file:line:column on failure)."""
import sys

from swiftsyntax import parse, parse_text

BROKEN = [  # the self-test: each must be refused
    "struct A { var x: Int = }",
    "func f() { if true { }",
    "let x = [1, 2",
    "enum E { case a( }",
    "final class C: P { func g() -> { } }",
]


def main(paths):
    for snippet in BROKEN:
        if not parse_text(snippet)[2]:
            sys.exit(f"self-test: tree-sitter accepted broken Swift: {snippet!r}")
    failed = 0
    for path in paths:
        _, _, errors = parse(path)
        for line, col, what in errors:
            print(f"{path}:{line}:{col}: {what}", file=sys.stderr)
        failed += bool(errors)
    if failed:
        sys.exit(f"{failed} of {len(paths)} Swift files have syntax errors")
    print(f"{len(paths)} Swift files parse with no syntax error ({len(BROKEN)} broken snippets refused)")


if __name__ == "__main__":
    main(sys.argv[1:])
