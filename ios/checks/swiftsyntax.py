"""Swift parsing with tree-sitter-swift (no Swift toolchain on Linux).

`parse(path)` returns the tree and the syntax errors (ERROR and MISSING
nodes) as (line, column, text). The generated LoyaltyCore.swift is parsed
after `normalise_generated`, which removes what this grammar cannot read in
uniffi's output (attributes under `#if`, an empty-tuple closure); every other
file is parsed as it is.
"""
import re

from tree_sitter import Language, Parser
import tree_sitter_swift

PARSER = Parser(Language(tree_sitter_swift.language()))


def normalise_generated(src: str) -> str:
    """uniffi's Swift, with the constructs tree-sitter-swift 0.7 misreads made plain (line numbers kept)."""
    src = re.sub(r"#if swift\(>=5\.8\)\n(\s*@_documentation\(visibility: private\))\n#endif\n", "\n\\1\n\n", src)
    src = re.sub(r"^#if compiler\(>=6\)\n(.*)\n#endif$", "\n\\1\n", src, flags=re.M)
    src = src.replace("{ () }", "{ }")
    return src


def parse_text(src: str):
    data = src.encode("utf-8")
    tree = PARSER.parse(data)
    errors = []

    def walk(node):
        if node.type == "ERROR" or node.is_missing:
            snippet = data[node.start_byte:node.end_byte].decode("utf-8", "replace").split("\n")[0][:60]
            kind = "missing " + node.type if node.is_missing else "syntax error"
            errors.append((node.start_point[0] + 1, node.start_point[1] + 1, f"{kind} near {snippet!r}"))
            return
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return tree, data, errors


def parse(path: str, generated: bool = False):
    src = open(path, encoding="utf-8").read()
    if generated:
        src = normalise_generated(src)
    return parse_text(src)
