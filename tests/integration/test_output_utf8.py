"""Every output of the program is valid UTF-8 JSON (issue 8, item 10): an
execution input whose identifier holds a NUL or bytes that are not UTF-8
ends in Event.Malformed (the shipped normalize_event.lua), and stdout, the
JSON log lines, the journal and `prewarm history` must all decode as strict
UTF-8 and parse as JSON."""
import json
import os
import shutil
import subprocess

import pytest

SRC = os.environ.get("PW_TOP_SRCDIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))

WORKFLOW = {"StartAt": "Normalize", "States": {"Normalize": {
    "Type": "Task", "Resource": "lua:steps/normalize_event.lua", "TimeoutSeconds": 10,
    "Parameters": {"event.$": "$"}, "End": True}}}

# Raw bytes: json-c reads a JSON string that is not UTF-8 as it is.
BAD_IDS = [
    b'ab\\u0000cd',           # NUL, spelled the JSON way
    b'ab\xff\xfecd',          # bytes that never occur in UTF-8
    b'ab\xc3',                # a sequence cut short
    b'\xed\xa0\x80db',        # an encoded UTF-16 surrogate
    b'\xc0\xafetc\\u0000\xe9',  # overlong '/', NUL and a Latin-1 byte
]


def strict_json_lines(data, what):
    lines = data.splitlines()
    assert lines, f"{what}: empty"
    out = []
    for line in lines:
        text = line.decode("utf-8", "strict")  # raises on any bad byte
        out.append(json.loads(text))
    return out


@pytest.mark.parametrize("ident", BAD_IDS, ids=range(len(BAD_IDS)))
def test_malformed_identifier_output_is_utf8_json(tmp_path, ident):
    shutil.copytree(os.path.join(SRC, "workflows", "steps"), tmp_path / "steps")
    (tmp_path / "wf.json").write_text(json.dumps(WORKFLOW))
    (tmp_path / "in.json").write_bytes(b'{"DBInstanceIdentifier": "' + ident + b'"}')
    state = tmp_path / "state"
    env = dict(os.environ)
    env.pop("PREWARM_CONFIG", None)
    p = subprocess.run([PREWARM, "run", str(tmp_path / "wf.json"), "--input",
                        str(tmp_path / "in.json"), "--state-dir", str(state),
                        "--log-format", "json", "--key", "k1"],
                       capture_output=True, env=env, timeout=60)
    assert p.returncode == 1, p
    [result] = strict_json_lines(p.stdout, "stdout")
    assert result["Error"] == "Event.Malformed", result
    assert "DBInstanceIdentifier" in result["Cause"]
    strict_json_lines(p.stderr, "log lines")
    [journal] = list((state / "executions").glob("*.jsonl"))
    events = strict_json_lines(journal.read_bytes(), "journal")
    assert events[-1]["type"] == "ExecutionFailed"
    h = subprocess.run([PREWARM, "history", journal.name[:-len(".jsonl")],
                        "--state-dir", str(state)], capture_output=True, env=env, timeout=60)
    assert h.returncode == 0, h
    assert len(strict_json_lines(h.stdout, "history")) == len(events)
