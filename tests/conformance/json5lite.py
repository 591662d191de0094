"""The JSON5 subset LocalStack's Step Functions templates use: // and /* */
comments, trailing commas, unquoted keys and single-quoted strings.
Stands in for the json5 package so the driver needs nothing beyond the venv."""
import json
import re

_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


def _string(text, i):
    """Return (JSON text of the string starting at text[i], index after it)."""
    quote = text[i]
    j = i + 1
    out = []
    while j < len(text):
        c = text[j]
        if c == "\\":
            nxt = text[j + 1]
            if nxt == "\n":          # JSON5 line continuation
                j += 2
                continue
            if quote == "'" and nxt == "'":
                out.append("'")
            else:
                out.append(c + nxt)
            j += 2
            continue
        if c == quote:
            body = "".join(out)
            if quote == "'":
                body = body.replace('"', '\\"')
            return '"' + body + '"', j + 1
        out.append(c)
        j += 1
    raise ValueError("unterminated string")


def to_json(text):
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            s, i = _string(text, i)
            out.append(s)
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
        elif c == ",":
            j = i + 1
            while True:                     # trailing comma before } or ]?
                while j < n and text[j].isspace():
                    j += 1
                if text.startswith("//", j):
                    j = text.find("\n", j)
                    j = n if j < 0 else j
                elif text.startswith("/*", j):
                    j = text.index("*/", j) + 2
                else:
                    break
            if j >= n or text[j] not in "}]":
                out.append(",")
            i += 1
        elif _IDENT.match(text, i):
            word = _IDENT.match(text, i).group(0)
            i += len(word)
            out.append(word if word in ("true", "false", "null") else json.dumps(word))
        elif c in "+-.0123456789":
            num = _NUMBER.match(text, i).group(0)
            i += len(num)
            if num.lower().lstrip("+-").startswith("0x"):
                num = str(int(num, 16))
            out.append(num.lstrip("+"))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def loads(text, **_kw):
    return json.loads(to_json(text))


def load(fp, **kw):
    return loads(fp.read(), **kw)
