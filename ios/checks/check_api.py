"""Every member of the generated Swift API that the Swift code uses exists.

Usage: check_api.py GENERATED.swift FILE.swift...   (or --self-test GENERATED.swift)

With no Swift compiler here, this reads the declarations of the freshly
generated LoyaltyCore.swift (types, their properties, methods with argument
labels, initialisers, enum cases with their associated values, protocols,
top-level functions) and follows the Swift code with a small type
inference: parameter, property and local declarations, the return types of
generated and project methods, closure parameters taken from the called
method's declared function type (Env.call's `(LoyaltyClient) throws -> T`,
map/filter/first over arrays), `for`, `if let`, `guard let`, switch and
`if case` patterns. Then every member access, call (with its argument
labels), record initialiser, enum case, protocol conformance and `override`
that touches a generated type is checked against the declarations; a name
or a label the generated code does not have is reported as file:line.
An access whose receiver's type is not known is not checked (the counts say
how many were checked).
"""
import os
import re
import sys

from swiftsyntax import parse, parse_text

# Swift and Foundation functions the code may call unqualified.
SWIFT_FUNCTIONS = {"max", "min", "abs", "zip", "print", "debugPrint", "dump", "fatalError", "precondition",
                   "preconditionFailure", "assert", "assertionFailure", "stride", "type", "sequence", "repeatElement",
                   "swap", "numericCast", "withExtendedLifetime", "withTaskGroup", "withThrowingTaskGroup",
                   "withDiscardingTaskGroup", "withCheckedContinuation", "withCheckedThrowingContinuation",
                   "withUnsafeBytes", "withUnsafeMutableBytes", "autoreleasepool", "isKnownUniquelyReferenced",
                   "withAnimation", "withObservationTracking",
                   "defer"}  # tree-sitter-swift reads `defer { }` as a call

COLLECTION_CLOSURES = {"map", "compactMap", "flatMap", "filter", "first", "contains", "forEach", "allSatisfy",
                       "sorted", "min", "max", "firstIndex", "lastIndex", "last", "drop", "prefix", "reduce"}


def text(data, node):
    return data[node.start_byte:node.end_byte].decode("utf-8")


def norm_type(s):
    if s is None:
        return None
    s = re.sub(r"@\w+(\([^)]*\))?\s*", "", s)
    s = re.sub(r"\b(inout|some|any)\s+", "", s)
    return re.sub(r"\s+", "", s)


def unopt(t):
    while t and t[-1] in "?!":
        t = t[:-1]
    if t and t.startswith("Optional<") and t.endswith(">"):
        t = t[len("Optional<"):-1]
    return t


def split_top(s, sep=","):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([<":
            depth += 1
        elif ch in ")]>":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def elem(t):
    t = unopt(t or "")
    if t.startswith("[") and t.endswith("]") and len(split_top(t[1:-1], ":")) == 1:
        return t[1:-1]
    m = re.match(r"^(Set|Array|AsyncStream|ArraySlice)<(.*)>$", t)
    return m.group(2) if m else None


def base(t):
    t = unopt(t or "")
    return re.sub(r"<.*>$", "", t)


def func_type(t):
    """'(A,B)throws->R' → ([A, B], R); None when not a function type."""
    t = norm_type(t or "")
    if not t.startswith("("):
        return None
    depth = 0
    for i, ch in enumerate(t):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            rest = t[i + 1:]
            m = re.match(r"^(async)?(throws)?(async)?->(.*)$", rest)
            if not m:
                return None
            params = [p.split(":")[-1] for p in split_top(t[1:i])] if t[1:i] else []
            return params, m.group(4)
    return None


class Sig:
    def __init__(self, labels, defaults, params, ret, generics=()):
        self.labels, self.defaults, self.params, self.ret, self.generics = labels, defaults, params, ret, set(generics)

    def accepts(self, labels):
        """Argument labels (None: unlabelled), a trailing closure counted as the last parameter."""
        i = 0
        for label in labels:
            while i < len(self.labels) and self.labels[i] != (label or "_"):
                if not self.defaults[i]:
                    return False
                i += 1
            if i == len(self.labels):
                return False
            i += 1
        return all(self.defaults[i:])

    def show(self, name):
        return name + "(" + "".join((label if label != "_" else "_") + ":" for label in self.labels) + ")"


class TypeInfo:
    def __init__(self, name, kind):
        self.name, self.kind = name, kind
        self.props, self.methods, self.inits, self.cases, self.nested = {}, {}, [], {}, set()
        self.inherits = []


def params_of(data, node):
    """Labels, defaults and types of a function/init declaration's parameters."""
    labels, defaults, types = [], [], []
    children = node.children
    for i, c in enumerate(children):
        if c.type != "parameter":
            continue
        ids = [x for x in c.children if x.type == "simple_identifier"]
        labels.append(text(data, ids[0]) if ids else "_")
        types.append(param_type(data, c))
        defaults.append(i + 1 < len(children) and children[i + 1].type == "=")
    return labels, defaults, types


def param_type(data, param):
    """The declared type of a parameter: all of it after the colon (attributes such as @escaping dropped)."""
    colon = next((k for k, x in enumerate(param.children) if x.type == ":"), None)
    if colon is None or colon + 1 >= len(param.children):
        return None
    return norm_type(data[param.children[colon + 1].start_byte:param.end_byte].decode("utf-8"))


def return_type(data, node):
    seen_arrow = False
    for c in node.children:
        if c.type == "->":
            seen_arrow = True
        elif seen_arrow and c.type not in ("function_body", "type_constraints", "where"):
            return norm_type(text(data, c))
    return None


def generics_of(data, node):
    for c in node.children:
        if c.type == "type_parameters":
            return [text(data, x).split(":")[0].strip() for x in c.children if x.type == "type_parameter"]
    return []


def decl_name(data, node):
    for c in node.children:
        if c.type in ("type_identifier", "simple_identifier"):
            return text(data, c)
        if c.type == "user_type":  # extension Foo
            return text(data, c)
    return None


def decl_kind(node):
    for c in node.children:
        if c.type in ("class", "struct", "enum", "extension", "actor"):
            return c.type
    return "protocol" if node.type == "protocol_declaration" else "class"


def visible(data, node):
    return any(text(data, m) in ("public", "open") for c in node.children if c.type == "modifiers" for m in c.children) \
        or any(c.type == "extension" for c in node.children)


def collect(data, root, table, funcs, enclosing=None, public_only=False):
    """Declarations of types (merged across extensions) and top-level functions."""
    for node in root.children:
        if public_only and node.type in ("class_declaration", "protocol_declaration", "function_declaration") and not visible(data, node):
            continue
        if node.type in ("class_declaration", "protocol_declaration"):
            name = decl_name(data, node)
            if name is None:
                continue
            if public_only and decl_kind(node) == "extension" and name not in table:
                continue
            full = name if enclosing is None else enclosing + "." + name
            info = table.get(full) or TypeInfo(full, decl_kind(node))
            if decl_kind(node) != "extension":
                info.kind = decl_kind(node)
            table[full] = info
            if enclosing is not None:
                table[enclosing].nested.add(name)
            for c in node.children:
                if c.type == "inheritance_specifier":
                    info.inherits.append(text(data, c).strip())
            body = next((c for c in node.children if c.type in ("class_body", "enum_class_body", "protocol_body")), None)
            if body is None:
                continue
            for m in body.children:
                if public_only and info.kind not in ("protocol", "enum") and m.type != "enum_entry" and not visible(data, m):
                    continue
                add_member(data, m, info)
            collect(data, body, table, funcs, full, public_only)
        elif node.type == "function_declaration" and enclosing is None:
            name = next((text(data, c) for c in node.children if c.type == "simple_identifier"), None)
            labels, defaults, types = params_of(data, node)
            funcs.setdefault(name, []).append(Sig(labels, defaults, types, return_type(data, node), generics_of(data, node)))


def add_member(data, m, info):
    if m.type in ("function_declaration", "protocol_function_declaration"):
        name = next((text(data, c) for c in m.children if c.type == "simple_identifier"), None)
        labels, defaults, types = params_of(data, m)
        info.methods.setdefault(name, []).append(Sig(labels, defaults, types, return_type(data, m), generics_of(data, m)))
    elif m.type == "init_declaration":
        labels, defaults, types = params_of(data, m)
        info.inits.append(Sig(labels, defaults, types, info.name))
    elif m.type in ("property_declaration", "protocol_property_declaration"):
        names = []
        ptype = None
        for c in m.children:
            if c.type == "pattern":
                names += [text(data, x) for x in c.children if x.type == "simple_identifier"] or [text(data, c)]
            elif c.type == "type_annotation":
                ptype = norm_type(text(data, c)[1:])
            elif c.type == "call_expression" and ptype is None and c.children[0].type == "simple_identifier" \
                    and text(data, c.children[0])[:1].isupper():
                ptype = text(data, c.children[0])  # `var state = WalletState()`
        for n in names:
            info.props[n] = ptype
    elif m.type == "enum_entry":
        current = None
        for c in m.children:
            if c.type == "simple_identifier":
                current = text(data, c)
                info.cases[current] = []
            elif c.type == "enum_type_parameters" and current:
                labels, types, expect_type, in_default = [], [], False, False
                for x in c.children:
                    if x.type in ("comment", "multiline_comment"):
                        continue
                    # A default value (`category: String? = nil`) is no associated value.
                    if x.type == "=":
                        in_default = True
                        continue
                    if in_default:
                        if x.type == ",":
                            in_default = False
                        continue
                    if x.type == "simple_identifier" and not expect_type:
                        labels.append(text(data, x))
                    elif x.type == ":":
                        expect_type = True
                    elif x.type not in ("(", ")", ",") and expect_type:
                        types.append(norm_type(text(data, x)))
                        expect_type = False
                    elif x.type not in ("(", ")", ","):
                        labels.append("_")
                        types.append(norm_type(text(data, x)))
                info.cases[current] = list(zip(labels, types))


class Scope:
    def __init__(self, parent=None, self_type=None):
        self.vars, self.parent = {}, parent
        self.self_type = self_type if self_type is not None else (parent.self_type if parent else None)

    def lookup(self, name):
        s = self
        while s:
            if name in s.vars:
                return s.vars[name]
            s = s.parent
        return None


class Checker:
    def __init__(self, gen_table, gen_funcs):
        self.g, self.gf = gen_table, gen_funcs
        self.p, self.pf = {}, {}
        self.errors = set()
        self.checked = 0
        self.unknown = 0

    # ------------------------------------------------------------ lookups
    def info(self, t):
        b = base(t)
        return self.g.get(b) or self.p.get(b), b in self.g

    def member_type(self, t, name, node, path, data):
        """The type of `t.name`; reports a generated type without that member."""
        info, generated = self.info(t)
        if info is None:
            self.unknown += 1
            return None
        if generated:
            self.checked += 1
            ext = self.p.get(info.name)  # the project's own extensions of a generated type
            if name not in info.props and name not in info.methods and name not in info.cases and name not in info.nested \
                    and not self.inherited_member(info, name) and not (ext and (name in ext.methods or name in ext.props)):
                self.error(path, node, f"{info.name} has no member '{name}'")
                return None
        if name in info.props:
            return info.props[name]
        if name in info.cases:
            return info.name
        if name in info.nested:
            return "type:" + info.name + "." + name
        return None

    def inherited_member(self, info, name):
        for parent in info.inherits:
            pi = self.g.get(base(parent))
            if pi and (name in pi.props or name in pi.methods):
                return True
        return name in ("uniffiCloneHandle", "hash", "hashValue", "description")

    def methods(self, t, name):
        info, generated = self.info(t)
        if info is None:
            return None, False
        sigs = list(info.methods.get(name, []))
        if generated and info.name in self.p:
            sigs += self.p[info.name].methods.get(name, [])
        for parent in info.inherits:
            pi = self.g.get(base(parent)) or self.p.get(base(parent))
            if pi:
                sigs += pi.methods.get(name, [])
        return sigs, generated

    def note_unknown(self, path, node, name):
        """With LOYALTY_API_DEBUG set: unchecked accesses named like a generated member (to find gaps)."""
        if os.environ.get("LOYALTY_API_DEBUG") and any(name in i.props or name in i.methods for i in self.g.values()):
            print(f"unchecked: {path}:{node.start_point[0] + 1}: .{name}", file=sys.stderr)

    def error(self, path, node, msg):
        self.errors.add((path, node.start_point[0] + 1, node.start_point[1] + 1, msg))

    # --------------------------------------------------------- expressions
    def infer(self, node, scope, path, data, expect=None):
        t = node.type
        if t == "simple_identifier":
            name = text(data, node)
            v = scope.lookup(name)
            if v is not None:
                return v
            if scope.self_type:
                st, _ = self.info(scope.self_type)
                if st and name in st.props:
                    return st.props[name]
            if name in self.g or name in self.p:
                return "type:" + name
            return None
        if t == "self_expression":
            return scope.self_type
        if t in ("try_expression", "await_expression", "parenthesized_expression"):
            inner = [c for c in node.children if c.is_named and c.type not in ("try_operator",)]
            return self.infer(inner[-1], scope, path, data, expect) if inner else None
        if t == "postfix_expression":
            inner = node.children[0]
            r = self.infer(inner, scope, path, data)
            return unopt(r) if r else None
        if t == "as_expression":
            self.infer(node.children[0], scope, path, data)
            target = norm_type(text(data, node.children[-1]))
            return target + "?" if "as?" in text(data, node) else target
        if t == "navigation_expression":
            return self.navigation(node, scope, path, data)
        if t == "call_expression":
            return self.call(node, scope, path, data, expect)
        if t == "prefix_expression" and node.children and node.children[0].type == ".":
            # An implicit member: checked when the expected type is known.
            name = text(data, node.children[-1])
            if expect:
                self.member_type(expect, name, node, path, data)
            return expect
        if t == "lambda_literal":
            self.lambda_(node, scope, path, data, None)
            return None
        if t == "array_literal" and expect and elem(expect):
            for c in node.children:
                if c.is_named:
                    self.infer(c, scope, path, data, elem(expect))
            return expect
        if t == "ternary_expression":
            named = [c for c in node.children if c.is_named]
            self.visit(named[0], scope, path, data)
            r = None
            for c in named[1:]:
                r = self.infer(c, scope, path, data, expect) or r
            return r
        # Anything else: look inside for calls and accesses.
        for c in node.children:
            self.visit(c, scope, path, data)
        return None

    def navigation(self, node, scope, path, data):
        target = node.child_by_field_name("target")
        suffix = node.child_by_field_name("suffix")
        name_node = suffix.child_by_field_name("suffix") if suffix else None
        if target is None or name_node is None or name_node.type != "simple_identifier":
            for c in node.children:
                self.visit(c, scope, path, data)
            return None
        recv = self.infer(target, scope, path, data)
        name = text(data, name_node)
        if recv is None:
            self.unknown += 1
            self.note_unknown(path, name_node, name)
            return None
        if recv.startswith("type:"):
            return self.static_member(recv[5:], name, name_node, path, data)
        if elem(recv):
            return {"first": elem(recv) + "?", "last": elem(recv) + "?", "count": "Int", "isEmpty": "Bool", "lazy": recv}.get(name)
        return self.member_type(recv, name, name_node, path, data)

    def static_member(self, tname, name, node, path, data):
        info, generated = self.info(tname)
        if info is None:
            return None
        if generated:
            self.checked += 1
            if name not in info.cases and name not in info.nested and name not in info.methods and name not in info.props:
                self.error(path, node, f"{info.name} has no case or static member '{name}'")
                return None
        if name in info.nested:
            return "type:" + info.name + "." + name
        if name in info.cases:
            return info.name
        if name in info.props:
            return info.props[name]
        return None

    def arguments(self, node):
        """(labels, value nodes, trailing lambdas) of a call's suffix."""
        labels, values, lambdas, subscript = [], [], [], False
        suffix = next((c for c in node.children if c.type == "call_suffix"), None)
        if suffix is None:
            return labels, values, lambdas, subscript
        for c in suffix.children:
            if c.type == "value_arguments":
                subscript = any(x.type == "[" for x in c.children)
                for a in c.children:
                    if a.type != "value_argument":
                        continue
                    label = a.child_by_field_name("name")
                    value = a.child_by_field_name("value")
                    labels.append(None if label is None else self.data_text(label).rstrip(":"))
                    values.append(value)
            elif c.type == "lambda_literal":
                lambdas.append(c)
            elif c.type == "annotated_lambda":
                lambdas += [x for x in c.children if x.type == "lambda_literal"]
        return labels, values, lambdas, subscript

    def data_text(self, node):
        return text(self._data, node)

    def call(self, node, scope, path, data, expect):
        callee = node.children[0]
        labels, values, lambdas, subscript = self.arguments(node)
        all_labels = labels + [None] * len(lambdas)
        sigs, generated, recv, name, name_node = None, False, None, None, callee
        if subscript:
            recv = self.infer(callee, scope, path, data)
            for v in values:
                if v is not None:
                    self.infer(v, scope, path, data)
            return elem(recv) if recv else None
        if callee.type == "navigation_expression":
            target = callee.child_by_field_name("target")
            suffix = callee.child_by_field_name("suffix")
            name_node = suffix.child_by_field_name("suffix") if suffix else None
            if target is not None and name_node is not None and name_node.type == "simple_identifier":
                name = text(data, name_node)
                recv = self.infer(target, scope, path, data)
                if recv and recv.startswith("type:"):
                    tname = recv[5:]
                    info, generated = self.info(tname)
                    if info and name in info.cases:
                        self.case_call(info, name, all_labels, name_node, path, data, generated)
                        self.args(values, lambdas, None, scope, path, data)
                        return info.name
                    if info and name in info.nested:
                        return self.init_call(tname + "." + name, all_labels, values, lambdas, name_node, scope, path, data)
                    if generated:
                        self.static_member(tname, name, name_node, path, data)
                    sigs, generated = self.methods(tname, name)
                elif recv:
                    info, gen = self.info(recv)
                    if recv.endswith("?") and name in ("map", "flatMap"):
                        # Optional's own map: the closure gets the unwrapped value.
                        for lam in lambdas + [v for v in values if v is not None and v.type == "lambda_literal"]:
                            self.lambda_(lam, scope, path, data, [unopt(recv)])
                        for v in values:
                            if v is not None and v.type != "lambda_literal":
                                self.infer(v, scope, path, data)
                        return None
                    if elem(recv) and name in COLLECTION_CLOSURES:
                        e = elem(recv)
                        for lam in lambdas + [v for v in values if v is not None and v.type == "lambda_literal"]:
                            self.lambda_(lam, scope, path, data, [e, e] if name in ("sorted", "min", "max") else [e])
                        for v in values:
                            if v is not None and v.type != "lambda_literal":
                                self.infer(v, scope, path, data)
                        if name in ("first", "last", "min", "max"):
                            return e + "?"
                        if name in ("filter", "sorted", "prefix", "drop"):
                            return recv
                        return None
                    if gen:
                        self.member_type(recv, name, name_node, path, data)
                        if name in info.cases:
                            self.case_call(info, name, all_labels, name_node, path, data, True)
                            self.args(values, lambdas, None, scope, path, data)
                            return info.name
                    sigs, generated = self.methods(recv, name)
                else:
                    self.unknown += 1
            else:
                self.visit(callee, scope, path, data)
        elif callee.type == "simple_identifier":
            name = text(data, callee)
            if scope.lookup(name) is None and (name in self.g or name in self.p):
                return self.init_call(name, all_labels, values, lambdas, callee, scope, path, data)
            if name in self.gf:
                sigs, generated = self.gf[name], True
            elif name in self.pf:
                sigs = self.pf[name]
            elif scope.lookup(name) is not None:
                sigs = None
            else:
                if scope.self_type:
                    sigs, generated = self.methods(scope.self_type, name)
                own = self.p.get(base(scope.self_type)) if scope.self_type else None
                if not sigs and name[:1].islower() and name not in SWIFT_FUNCTIONS and not name.startswith("XCT") \
                        and not (own and name in own.props):
                    # Not the project's, not Swift's: a misspelt top-level function of the generated API, say.
                    self.checked += 1
                    self.error(path, callee, f"'{name}' is declared neither in the generated API nor in the Swift code")
        elif callee.type == "prefix_expression" and callee.children and callee.children[0].type == ".":
            name = text(data, callee.children[-1])
            if expect:
                info, gen = self.info(expect)
                if info and name in info.cases:
                    self.case_call(info, name, all_labels, callee, path, data, gen)
                elif gen:
                    self.member_type(expect, name, callee, path, data)
            self.args(values, lambdas, None, scope, path, data)
            return expect
        else:
            self.visit(callee, scope, path, data)
        sig = None
        if sigs:
            matching = [s for s in sigs if s.accepts(all_labels)]
            if generated:
                self.checked += 1
                if not matching:
                    shown = ", ".join(dict.fromkeys(s.show(name) for s in sigs))
                    self.error(path, name_node, f"no {name}(…) with the argument labels ({', '.join((x or '_') + ':' for x in all_labels)}); "
                                                f"generated: {shown}")
            sig = matching[0] if matching else sigs[0]
        return self.args(values, lambdas, sig, scope, path, data, all_labels)

    def args(self, values, lambdas, sig, scope, path, data, all_labels=None):
        """Infers the arguments (closures get their parameter types from `sig`); returns the call's type."""
        param_types = []
        if sig:
            # Map each argument to its parameter by label order.
            i = 0
            for label in (all_labels or []):
                while i < len(sig.labels) and sig.labels[i] != (label or "_"):
                    i += 1
                param_types.append(sig.params[i] if i < len(sig.params) else None)
                i += 1
        closure_ret = None
        for k, v in enumerate(values):
            if v is None:
                continue
            pt = param_types[k] if k < len(param_types) else None
            if v.type == "lambda_literal":
                r = self.lambda_(v, scope, path, data, func_type(pt)[0] if func_type(pt) else None)
                closure_ret = closure_ret or r
            else:
                self.infer(v, scope, path, data, pt)
        for k, lam in enumerate(lambdas):
            pt = param_types[len(values) + k] if len(values) + k < len(param_types) else None
            ft = func_type(pt)
            r = self.lambda_(lam, scope, path, data, ft[0] if ft else None)
            closure_ret = closure_ret or r
        if sig is None:
            return None
        ret = sig.ret
        if ret in sig.generics:
            return closure_ret
        return ret

    def case_call(self, info, name, labels, node, path, data, generated):
        if not generated:
            return
        self.checked += 1
        want = [label for label, _ in info.cases[name]]
        got = [label or "_" for label in labels]
        if want != got:
            self.error(path, node, f"{info.name}.{name} takes ({', '.join(x + ':' for x in want)}), not ({', '.join(x + ':' for x in got)})")

    def init_call(self, tname, labels, values, lambdas, node, scope, path, data):
        info, generated = self.info(tname)
        sig = None
        if info is not None and info.inits:
            matching = [s for s in info.inits if s.accepts(labels)]
            if generated:
                self.checked += 1
                if not matching:
                    self.error(path, node, f"no {tname}.init with the argument labels ({', '.join((x or '_') + ':' for x in labels)}); "
                                           f"generated: {', '.join(s.show('init') for s in info.inits)}")
            sig = matching[0] if matching else None
        self.args(values, lambdas, sig, scope, path, data, labels)
        return tname

    # ---------------------------------------------------------- statements
    def lambda_(self, node, scope, path, data, param_types):
        inner = Scope(scope)
        ftype = next((c for c in node.children if c.type == "lambda_function_type"), None)
        names = []
        if ftype is not None:
            for p in ftype.children:
                if p.type == "lambda_function_type_parameters":
                    for lp in p.children:
                        if lp.type == "lambda_parameter":
                            ids = [x for x in lp.children if x.type == "simple_identifier"]
                            typed = [x for x in lp.children if x.is_named and x.type != "simple_identifier"]
                            names.append((text(data, ids[-1]) if ids else None, norm_type(text(data, typed[-1])) if typed else None))
        for k, (n, declared) in enumerate(names):
            if n:
                inner.vars[n] = declared or (param_types[k] if param_types and k < len(param_types) else None)
        if param_types:
            for k, pt in enumerate(param_types):
                inner.vars.setdefault(f"${k}", pt)
        stmts = next((c for c in node.children if c.type == "statements"), None)
        ret = None
        if stmts is not None:
            named = [c for c in stmts.children if c.is_named]
            for c in named:
                r = self.visit(c, inner, path, data)
                if len(named) == 1:
                    ret = r
                if c.type == "control_transfer_statement" and c.children and c.children[0].type == "return":
                    vals = [x for x in c.children if x.is_named]
                    if vals:
                        ret = ret or self.infer(vals[-1], inner, path, data)
        return ret

    def bind_condition(self, node, scope, path, data):
        """`if`/`guard` conditions: optional bindings and `case` patterns."""
        children = node.children
        i = 0
        while i < len(children):
            c = children[i]
            if c.type == "value_binding_pattern":
                name_node = children[i + 1] if i + 1 < len(children) else None
                name = text(data, name_node) if name_node is not None and name_node.type == "simple_identifier" else None
                if i + 3 < len(children) and children[i + 2].type == "=":
                    t = self.infer(children[i + 3], scope, path, data)
                    i += 4
                else:
                    t = scope.lookup(name) if name else None
                    i += 2
                if name:
                    scope.vars[name] = unopt(t) if t else None
                continue
            if c.type == "case":
                # case Type.name(patterns) = expr   or   case .name(...) = expr
                j = i + 1
                parts = []
                while j < len(children) and children[j].type != "=":
                    parts.append(children[j])
                    j += 1
                subject = self.infer(children[j + 1], scope, path, data) if j + 1 < len(children) else None
                self.case_pattern(parts, subject, scope, path, data)
                i = j + 2
                continue
            if c.is_named and c.type not in ("statements",):
                self.visit(c, scope, path, data)
            i += 1

    def case_pattern(self, parts, subject, scope, path, data):
        tname, name_node, arity = None, None, 0
        for p in parts:
            if p.type == "user_type":
                tname = text(data, p)
            elif p.type == "simple_identifier" and name_node is None:
                name_node = p
            elif p.type == "pattern":
                arity += 1
        if name_node is None:
            return
        t = tname or subject
        info, generated = self.info(t) if t else (None, False)
        if info is None or not generated:
            return
        name = text(data, name_node)
        self.checked += 1
        if name not in info.cases:
            self.error(path, name_node, f"{info.name} has no case '{name}'")
        elif arity and arity != len(info.cases[name]):
            self.error(path, name_node, f"{info.name}.{name} has {len(info.cases[name])} associated values, the pattern {arity}")

    def visit(self, node, scope, path, data):
        t = node.type
        if t in ("call_expression", "navigation_expression", "try_expression", "await_expression", "postfix_expression",
                 "as_expression", "prefix_expression", "ternary_expression"):
            return self.infer(node, scope, path, data)
        if t == "lambda_literal":
            return self.lambda_(node, scope, path, data, None)
        if t in ("function_declaration", "init_declaration"):
            fname = next((c for c in node.children if c.type == "simple_identifier"), None)
            if fname is not None and t == "function_declaration" and not getattr(scope, "type_body", False):
                scope.vars.setdefault(text(data, fname), "func")
            inner = Scope(scope)
            for c in node.children:
                if c.type == "parameter":
                    ids = [x for x in c.children if x.type == "simple_identifier"]
                    ty = param_type(data, c)
                    if ids:
                        inner.vars[text(data, ids[-1])] = ty
            self.check_override(node, scope, path, data)
            for c in node.children:
                if c.type == "function_body":
                    self.visit(c, inner, path, data)
            return None
        if t == "property_declaration":
            name, declared, value = None, None, None
            for c in node.children:
                if c.type == "pattern":
                    ids = [x for x in c.children if x.type == "simple_identifier"]
                    name = text(data, ids[0]) if len(ids) == 1 else (text(data, c) if c.child_count == 0 else None)
                elif c.type == "type_annotation":
                    declared = norm_type(text(data, c)[1:])
                elif c.is_named and c.type not in ("modifiers", "value_binding_pattern", "attribute"):
                    if c.type == "computed_property":
                        self.visit(c, Scope(scope), path, data)
                    else:
                        value = c
            inferred = self.infer(value, scope, path, data, declared) if value is not None else None
            if name:
                scope.vars[name] = declared or inferred
            return None
        if t in ("if_statement", "guard_statement"):
            inner = scope if t == "guard_statement" else Scope(scope)
            self.bind_condition(node, inner, path, data)
            for c in node.children:
                if c.type == "statements":
                    self.visit(c, Scope(inner), path, data)
                elif c.type in ("if_statement", "else"):
                    if c.type == "if_statement":
                        self.visit(c, scope, path, data)
            # else-branches are statements nodes too (handled above)
            return None
        if t == "for_statement":
            inner = Scope(scope)
            item = node.child_by_field_name("item")
            coll = node.child_by_field_name("collection")
            ct = self.infer(coll, scope, path, data) if coll is not None else None
            if item is not None:
                ids = [x for x in item.children if x.type == "simple_identifier"]
                if len(ids) == 1:
                    inner.vars[text(data, ids[0])] = elem(ct) if ct else None
            for c in node.children:
                if c.type == "statements":
                    self.visit(c, inner, path, data)
                elif c.type == "where_clause":
                    self.visit(c, inner, path, data)
            return None
        if t == "switch_statement":
            subject_node = node.child_by_field_name("expr")
            subject = self.infer(subject_node, scope, path, data) if subject_node is not None else None
            for entry in node.children:
                if entry.type != "switch_entry":
                    continue
                inner = Scope(scope)
                for c in entry.children:
                    if c.type == "switch_pattern":
                        for p in c.children:
                            if p.type == "pattern":
                                self.case_pattern(p.children, subject, inner, path, data)
                    elif c.type == "statements":
                        self.visit(c, inner, path, data)
            return None
        if t in ("class_declaration", "protocol_declaration"):
            name = decl_name(data, node)
            self.check_conformance(node, name, path, data)
            inner = Scope(scope, self_type=name)
            inner.type_body = True
            for c in node.children:
                if c.type in ("class_body", "enum_class_body", "protocol_body"):
                    for m in c.children:
                        self.visit(m, inner, path, data)
            return None
        for c in node.children:
            self.visit(c, scope, path, data)
        return None

    # -------------------------------------------- conformances, overrides
    def check_conformance(self, node, name, path, data):
        for c in node.children:
            if c.type != "inheritance_specifier":
                continue
            proto = self.g.get(base(text(data, c).strip()))
            if proto is None or proto.kind != "protocol":
                continue
            info = self.p.get(name)
            for mname, sigs in proto.methods.items():
                self.checked += 1
                have = info.methods.get(mname, []) if info else []
                if not any(h.labels == s.labels for h in have for s in sigs):
                    self.error(path, c, f"{name} conforms to {proto.name} but has no {sigs[0].show(mname)}")

    def check_override(self, node, scope, path, data):
        if "override" not in [text(data, m) for c in node.children if c.type == "modifiers" for m in c.children]:
            return
        if node.type != "function_declaration" or scope.self_type is None:
            return
        info = self.p.get(scope.self_type)
        if info is None:
            return
        name_node = next((c for c in node.children if c.type == "simple_identifier"), None)
        labels, _, _ = params_of(data, node)
        for parent in info.inherits:
            pi = self.g.get(base(parent))
            if pi is None or pi.kind == "protocol":
                continue
            self.checked += 1
            sigs = pi.methods.get(text(data, name_node), [])
            if not any(s.labels == labels for s in sigs):
                self.error(path, name_node, f"override of {pi.name}.{text(data, name_node)}({''.join(x + ':' for x in labels)}), which the generated class does not have")

    # ---------------------------------------------------------------- run
    def run(self, files):
        trees = []
        for path, src in files:
            tree, data, errors = parse_text(src)
            if errors:
                self.error(path, tree.root_node, "does not parse; run the syntax check first")
                continue
            collect(data, tree.root_node, self.p, self.pf)
            trees.append((path, tree, data))
        for path, tree, data in trees:
            self._data = data
            root = Scope()
            for c in tree.root_node.children:
                if c.type == "property_declaration":
                    self.visit(c, root, path, data)
            for c in tree.root_node.children:
                if c.type != "property_declaration":
                    self.visit(c, Scope(root), path, data)
        return sorted(self.errors)


def generated_api(path):
    tree, data, errors = parse(path, generated=True)
    if errors:
        line, col, what = errors[0]
        sys.exit(f"{path}:{line}:{col}: the generated Swift does not parse after its known fixes ({what}); update swiftsyntax.normalise_generated")
    table, funcs = {}, {}
    # Types first, then their extensions anywhere in the file.
    collect(data, tree.root_node, table, funcs, public_only=True)
    for required in ("LoyaltyClient", "CardView", "WalletSnapshot", "RewardInfo", "ChangeListener", "LoyaltyError"):
        if required not in table:
            sys.exit(f"{path}: no declaration of {required} found; the reader of the generated Swift is broken")
    return table, funcs


SELF_TEST_BAD = '''
import LoyaltyCore
func probe(client: LoyaltyClient, s: WalletSnapshot) async throws {
    _ = try client.walletSnapshott(expiringDays: 30, historyLimit: 20)
    let view = try client.cardView()
    _ = view.milisToRotation
    _ = view.notice.map { notice in notice.signerFaild }
    _ = try client.history(before: nil, limit: 20)
    _ = s.coupons.first?.percentHundreths
    for h in s.history { _ = h.kindd }
    switch try client.challenges()[0].rewardInfo {
    case .cupon(let p, _, _): _ = p
    default: break
    }
    _ = errorCodez()
    _ = CardView(displayNumber: "", payload: "", qrSide: 0, quietZone: 0, qrBit: Data(), secondsToRotation: nil, millisToRotation: nil, secondsUntilRefused: nil)
    if case LoyaltyError.Failur(let code, _) = error { _ = code }
    _ = try await env.call { client in try client.unreadCounts() }
    _ = ChangeArea.walet
}
final class Store: SecretStore {
    func get(key: String) throws -> Data? { nil }
    func put(key: String, secret: Data) throws {}
    func remove(key: String) throws {}
}
final class Fake: LoyaltyClient {
    override func cardVeiw() throws -> CardView { fatalError() }
}
final class Env {
    let client: LoyaltyClient
    func call<T>(_ body: @escaping @Sendable (LoyaltyClient) throws -> T) async throws -> T { try body(client) }
}
let env = Env()
'''
SELF_TEST_WANT = ["walletSnapshott", "milisToRotation", "signerFaild", "history(…)", "percentHundreths", "kindd", "cupon",
                  "errorCodez", "CardView.init", "Failur", "unreadCounts", "walet", "SecretStore", "cardVeiw"]

SELF_TEST_GOOD = '''
import LoyaltyCore
func probe(client: LoyaltyClient, s: WalletSnapshot) async throws {
    _ = try client.walletSnapshot(expiringDays: 30, historyLimit: 20).coupons.map { $0.percentHundredths }
    let view = try client.cardView()
    _ = view.millisToRotation
    _ = view.notice.map { $0 == .signerFailed }
    _ = try client.history(beforeId: nil, limit: 20).nextBeforeId
    _ = errorCodes()
    switch try client.challenges()[0].rewardInfo {
    case .coupon(let p, _, _, _, _, _, _): _ = p
    default: break
    }
    if case LoyaltyError.Failure(let code, _) = error { _ = code }
    _ = ChangeArea.wallet
}
'''


def self_test(gen):
    table, funcs = gen
    bad = Checker(table, funcs).run([("bad.swift", SELF_TEST_BAD)])
    missed = [w for w in SELF_TEST_WANT if not any(w in msg for _, _, _, msg in bad)]
    if missed:
        for e in bad:
            print("  found:", e, file=sys.stderr)
        sys.exit(f"self-test: the API check missed the misspelt {', '.join(missed)}")
    good = Checker(table, funcs).run([("good.swift", SELF_TEST_GOOD)])
    if good:
        sys.exit(f"self-test: the API check refused correct code: {good}")
    return len(bad)


def main(argv):
    if argv[0] == "--self-test":
        gen = generated_api(argv[1])
        n = self_test(gen)
        for path, line, col, msg in Checker(*gen).run([("bad.swift", SELF_TEST_BAD)]):
            print(f"{path}:{line}:{col}: {msg}")
        print(f"self-test: {n} misspellings found, the correct snippet passes")
        return
    gen = generated_api(argv[0])
    n = self_test(gen)
    files = [(p, open(p, encoding="utf-8").read()) for p in argv[1:]]
    checker = Checker(*gen)
    errors = checker.run(files)
    for path, line, col, msg in errors:
        print(f"{path}:{line}:{col}: {msg}", file=sys.stderr)
    if errors:
        sys.exit(f"{len(errors)} uses of the generated API do not match LoyaltyCore.swift")
    print(f"{checker.checked} uses of the generated API checked in {len(files)} files, all declared "
          f"({checker.unknown} accesses on receivers of unknown type not checked; self-test: {n} misspellings caught)")


if __name__ == "__main__":
    main(sys.argv[1:])
