"""Compare prewarm's result with AWS's recording after the normalisation the
recordings force: LocalStack's snapshot replaced ids, names, ARNs and dates
by placeholders and parsed output text that starts with '{' (one level)."""
import json
import re

from ls_fakes import EXEC_NAME, MACHINE_NAME

_SUBS = [
    (re.compile(r"arn:[A-Za-z0-9<>_:/.\-$]+"), "<arn>"),
    (re.compile(r"\bsnf_role_arn\b"), "<arn>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<date>"),
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
     "<uuid>"),
    (re.compile(r"<uuid:\d+>"), "<uuid>"),
    (re.compile(r"<timestamp>"), "<date>"),
    (re.compile(r"<json-input:\d+>"), "<json-input>"),
    (re.compile(r"<(?:Exec)?ArnPart_\d+idx>"), "<name>"),
    (re.compile(re.escape(EXEC_NAME)), "<name>"),
    (re.compile(re.escape(MACHINE_NAME)), "<name>"),
]
_CAUSE_INPUT = re.compile(r".*'({.*})'")


def cause_input(cause):
    """LocalStack's cause transformer: the input JSON quoted in a cause
    becomes a placeholder."""
    m = _CAUSE_INPUT.match(cause or "")
    if m:
        try:
            json.loads(m.group(1))
            return cause.replace(m.group(1), "<json-input>")
        except ValueError:
            pass
    return cause


def ids_to_arn(v, ids):
    """prewarm's execution id and workflow path stand where AWS has ARNs."""
    if isinstance(v, str):
        for i in ids:
            v = v.replace(i, "arn:prewarm-id")
        return v
    if isinstance(v, list):
        return [ids_to_arn(x, ids) for x in v]
    if isinstance(v, dict):
        return {k: ids_to_arn(x, ids) for k, x in v.items()}
    return v


_TIMESTAMP_KEY = re.compile(r"timestamp", re.IGNORECASE)


def norm_str(s):
    if s in ("date", "timestamp"):
        return "<date>"
    for rx, rep in _SUBS:
        s = rx.sub(rep, s)
    return s


def norm(v):
    if isinstance(v, str):
        return norm_str(v)
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        # LocalStack's snapshot writes "timestamp" for any value of a key
        # named like one
        return {norm_str(k): "<date>" if _TIMESTAMP_KEY.search(k) and isinstance(x, str)
                else norm(x) for k, x in v.items()}
    return v


def same(a, b):
    """JSON equality that tells 1 from 1.0 and true from 1."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def snapshot_value(text):
    """What LocalStack's snapshot stores for an output text."""
    if isinstance(text, str) and text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def as_json(v):
    """A recorded non-object output is JSON text: compare it as a value."""
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def compare_output(recorded, ours_text, transform=None, ids=()):
    exp = norm(as_json(recorded))
    got = snapshot_value(ours_text)
    if transform:
        wrapped = {"events": [{"executionSucceededEventDetails": {"output": got}}]}
        got = transform(wrapped)["events"][0]["executionSucceededEventDetails"]["output"]
    got = norm(as_json(ids_to_arn(got, ids)))
    if same(exp, got):
        return "exact", None
    return None, f"output: expected {json.dumps(exp)[:400]} got {json.dumps(got)[:400]}"


_PREFIX = re.compile(r"^An error occurred while executing the state '.*?' "
                     r"\(entered at the event id #\d+\)\.")


def compare_failure(rec_error, rec_cause, error, cause, ids=()):
    exp_e, got_e = rec_error, error or None
    cause = cause_input(ids_to_arn(cause, ids)) if cause is not None else None
    if exp_e != got_e:
        return None, f"error: expected {exp_e!r} got {got_e!r} (cause {cause!r:.200})"
    exp_c = norm(rec_cause) if rec_cause is not None else None
    got_c = norm(cause) if cause is not None else None
    if exp_c == got_c or (exp_c in (None, "") and got_c in (None, "")):
        return "exact", None
    m = _PREFIX.match(exp_c or "")
    if m and (got_c or "").startswith(m.group(0)):
        return "prefix", f"cause after the prefix: expected {exp_c!r:.300} got {got_c!r:.300}"
    return None, f"cause: expected {exp_c!r:.300} got {got_c!r:.300}"


def terminal(events):
    return events[-1] if events else {}


NOT_COMPARABLE = "not comparable"


def same_input(recorded, ours_text, transform=None):
    """The pairing check: the run got the input AWS's execution got (after
    the test's own transformers, as the recording)."""
    try:
        ours = json.loads(ours_text) if ours_text is not None else {}
    except ValueError:
        return False
    if transform:
        wrapped = {"events": [{"executionStartedEventDetails": {"input": ours}}]}
        ours = transform(wrapped)["events"][0]["executionStartedEventDetails"]["input"]
    return same(norm(as_json(recorded)), norm(ours))


def compare_history(recorded_hist, ex, transform=None):
    """(level, detail): level 'exact', 'prefix' (same error, cause equal up to
    AWS's 'An error occurred while executing the state ...' prefix) or None."""
    if ex.refused:
        return None, f"prewarm refused or crashed: {ex.refused}"
    started = (recorded_hist.get("events") or [{}])[0].get("executionStartedEventDetails", {})
    if "input" in started and not same_input(started["input"], ex.input_text, transform):
        return None, f"pairing: AWS's input {json.dumps(started['input'])[:200]} is not the run's"
    last = terminal(recorded_hist.get("events") or [])
    kind = last.get("type")
    if kind not in ("ExecutionSucceeded", "ExecutionFailed"):
        return NOT_COMPARABLE, f"the recording stops at {kind}, before the execution ends"
    if kind == "ExecutionSucceeded":
        if not ex.ok:
            return None, f"expected success, prewarm failed: {ex.error}: {ex.cause!r:.300}"
        return compare_output(last["executionSucceededEventDetails"].get("output"), ex.output,
                              transform, ex.ids)
    if kind == "ExecutionFailed":
        det = last.get("executionFailedEventDetails", {})
        if ex.ok:
            return None, (f"expected failure {det.get('error')!r}, prewarm succeeded with "
                          f"{ex.output[:300]}")
        return compare_failure(det.get("error"), det.get("cause"), ex.error, ex.cause, ex.ids)
    return None, f"recorded end {kind} is not comparable"
