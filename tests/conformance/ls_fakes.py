"""Fakes for the fixtures LocalStack's Step Functions tests take: a boto-like
Step Functions client whose start_execution runs `prewarm run`, and a
snapshot whose match() hands each recorded value, with the value the test
computed from prewarm's execution, to a comparer."""
import json
import os
import re
import subprocess
import tempfile

from jsonpath_ng.ext import parse as jsonpath_parse

ACCOUNT = "111111111111"
REGION = "us-east-1"
EXEC_NAME = "pw_conformance_exec"
MACHINE_NAME = "pw_conformance_machine"   # the workflow file's stem: $$.StateMachine.Name


class OutOfScope(Exception):
    """The test needs something this engine does not stand in for."""


def walk_states(machine):
    """Every state of a machine, nested Parallel branches and Map processors too."""
    for name, state in (machine.get("States") or {}).items():
        if not isinstance(state, dict):
            continue
        yield name, state
        for branch in state.get("Branches") or []:
            yield from walk_states(branch)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                yield from walk_states(state[key])


INCLUDE_JSONATA = False   # --jsonata: run JSONata definitions too (family "jsonata")


def uses_jsonata(definition):
    return definition.get("QueryLanguage") == "JSONata" or any(
        st.get("QueryLanguage") == "JSONata" for _, st in walk_states(definition))


def scope_of(definition):
    """None when the engine can run the definition as it is, else the reason."""
    if uses_jsonata(definition) and not INCLUDE_JSONATA:
        return "JSONata"
    for _, st in walk_states(definition):
        if st.get("Type") == "Task":
            return "Task (AWS service or Lambda)"
        if st.get("Type") == "Map" and ("ItemReader" in st or any(
                (st.get(k) or {}).get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"
                for k in ("ItemProcessor", "Iterator"))):
            return "Distributed Map"
    return None


def kind_of(definition):
    """The separately counted families: JSONata, Variables, then Map/Parallel."""
    if uses_jsonata(definition):
        return "jsonata"
    states = [st for _, st in walk_states(definition)]
    if any("Assign" in st for st in states):
        return "variables"
    if any(st.get("Type") in ("Map", "Parallel") for st in states):
        return "map-parallel"
    return None


class Execution:
    def __init__(self, definition, input_text, arn):
        self.definition = definition
        self.input_text = input_text
        self.arn = arn
        self.ok = None          # True: output; False: error/cause
        self.output = None      # JSON text (AWS keeps the output as text)
        self.error = None
        self.cause = None
        self.refused = None     # validate refused it / the run crashed: text
        self.ids = []           # prewarm's execution id and workflow path: AWS has ARNs


class PrewarmRunner:
    def __init__(self, prewarm, workdir):
        self.prewarm = prewarm
        self.workdir = workdir
        self.count = 0

    def run(self, ex):
        self.count += 1
        d = tempfile.mkdtemp(prefix=f"x{self.count}-", dir=self.workdir)
        wf = os.path.join(d, MACHINE_NAME + ".json")
        inp = os.path.join(d, "input.json")
        with open(wf, "w") as f:
            json.dump(ex.definition, f)
        with open(inp, "w") as f:
            f.write(ex.input_text if ex.input_text is not None else "{}")
        args = [self.prewarm, "run", wf, "--input", inp, "--name", EXEC_NAME]
        # Wait states must not wait: a dry run advances a simulated clock.
        if any(st.get("Type") == "Wait" for _, st in walk_states(ex.definition)):
            args.append("--dry-run")
        else:
            args += ["--state-dir", os.path.join(d, "state")]
        env = dict(os.environ)
        env.pop("PREWARM_CONFIG", None)
        try:
            p = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
        except subprocess.TimeoutExpired:
            ex.refused = "timed out after 60 s"
            return
        out = p.stdout.strip()
        m = re.search(r"execution ([0-9a-f-]{36}) started", p.stderr)
        ex.ids = [wf] + ([m.group(1)] if m else [])
        if p.returncode in (0, 1) and out:
            try:
                value = json.loads(out)
            except ValueError:
                value = None
            if p.returncode == 0:
                ex.ok, ex.output = True, out
                return
            if isinstance(value, dict) and "Error" in value:
                ex.ok, ex.error, ex.cause = False, value.get("Error"), value.get("Cause")
                return
        ex.refused = f"exit {p.returncode}: " + (p.stderr.strip().splitlines() or [""])[-1][:300]


class History(dict):
    """get_execution_history's answer; .execution is the run behind it."""


class FakeSfn:
    def __init__(self, runner, ctx):
        self.runner = runner
        self.ctx = ctx
        self.machines = {}
        self.executions = {}

    def create_state_machine(self, name, definition, roleArn=None, **_kw):
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        self.machines[arn] = json.loads(definition)
        return {"stateMachineArn": arn, "creationDate": "date"}

    def start_execution(self, stateMachineArn, input=None, name=None, **_kw):
        definition = self.machines[stateMachineArn]
        reason = scope_of(definition)
        if reason:
            raise OutOfScope(reason)
        arn = stateMachineArn.replace(":stateMachine:", ":execution:") + \
            f":{name or EXEC_NAME}-{len(self.executions)}"
        ex = Execution(definition, input, arn)
        self.runner.run(ex)
        self.executions[arn] = ex
        self.ctx.executions.append(ex)
        return {"executionArn": arn, "startDate": "date"}

    def get_execution_history(self, executionArn, **_kw):
        ex = self.executions[executionArn]
        events = [{"id": 1, "type": "ExecutionStarted",
                   "executionStartedEventDetails": {"input": ex.input_text}}]
        if ex.ok:
            events.append({"id": 2, "type": "ExecutionSucceeded",
                           "executionSucceededEventDetails": {"output": ex.output}})
        else:
            events.append({"id": 2, "type": "ExecutionFailed",
                           "executionFailedEventDetails": {"error": ex.error,
                                                           "cause": ex.cause}})
        h = History(events=events)
        h.execution = ex
        return h

    def describe_execution(self, executionArn, **_kw):
        ex = self.executions[executionArn]
        return {"status": "SUCCEEDED" if ex.ok else "FAILED", "output": ex.output}

    def __getattr__(self, name):
        raise OutOfScope(f"stepfunctions.{name}")


class FakeAws:
    def __init__(self, sfn):
        self.stepfunctions = sfn

    def __getattr__(self, name):
        raise OutOfScope(f"AWS client {name}")


class FakeSnapshot:
    """Stands in for sfn_snapshot: match() passes (key, ours, recorded)."""

    def __init__(self, ctx):
        self.ctx = ctx
        from ls_stubs import Stub
        self.transform = Stub("transform")

    def add_transformer(self, t, *_a, **_k):
        if isinstance(t, (RegexTransformer, JsonpathTransformer)):
            self.ctx.transformers.append(t)

    def add_transformers_list(self, ts, *_a, **_k):
        for t in ts:
            self.add_transformer(t)

    def match(self, key, value):
        if key in self.ctx.recorded:
            self.ctx.matched.append((key, value, self.ctx.recorded[key]))


class TestContext:
    """What one recorded test produced: its executions and match() calls."""

    def __init__(self, recorded):
        self.recorded = recorded
        self.executions = []
        self.matched = []
        self.transformers = []  # the test's Regex/Jsonpath transformers, for our side

    def transform(self, value):
        for t in self.transformers:
            value = t.apply(value)
        return value


class RegexTransformer:
    """localstack_snapshot's RegexTransformer, applied to our values."""

    def __init__(self, regex, replacement):
        self.rx = re.compile(regex) if isinstance(regex, str) else regex
        self.replacement = replacement

    def apply(self, value):
        text = self.rx.sub(lambda _m: self.replacement, json.dumps(value))
        return json.loads(text)


class JsonpathTransformer:
    """localstack_snapshot's JsonpathTransformer, applied to our values."""

    def __init__(self, jsonpath, replacement, replace_reference=True):
        self.path = jsonpath_parse(jsonpath)
        self.replacement = replacement

    def apply(self, value):
        for m in self.path.find(value):
            m.full_path.update(value, self.replacement)
        return value


def make_fixtures(ctx, runner):
    sfn = FakeSfn(runner, ctx)
    aws = FakeAws(sfn)

    def create_state_machine(target_aws_client=None, **kwargs):
        return (target_aws_client or aws).stepfunctions.create_state_machine(**kwargs)

    def create_state_machine_iam_role(target_aws_client=None, **_kw):
        return f"arn:aws:iam::{ACCOUNT}:role/sfn-role"

    snap = FakeSnapshot(ctx)
    return {
        "aws_client": aws,
        "aws_client_no_sync_prefix": aws,
        "create_state_machine": create_state_machine,
        "create_state_machine_iam_role": create_state_machine_iam_role,
        "sfn_snapshot": snap,
        "snapshot": snap,
    }


# ---- stand-ins for localstack.testing.pytest.stepfunctions.utils ----

def _noop(*_a, **_k):
    return []


def create_state_machine_with_iam_role(target_aws_client, create_state_machine_iam_role,
                                       create_state_machine, snapshot, definition,
                                       logging_configuration=None, state_machine_name=None,
                                       state_machine_type="STANDARD"):
    role = create_state_machine_iam_role(target_aws_client)
    resp = create_state_machine(target_aws_client, name=state_machine_name or "sm",
                                definition=definition, roleArn=role)
    return resp["stateMachineArn"]


def launch_and_record_execution(target_aws_client, sfn_snapshot, state_machine_arn,
                                execution_input, verify_execution_description=False):
    client = target_aws_client.stepfunctions
    arn = client.start_execution(stateMachineArn=state_machine_arn,
                                 input=execution_input)["executionArn"]
    sfn_snapshot.match("get_execution_history", client.get_execution_history(executionArn=arn))
    return arn


def create_and_record_execution(target_aws_client, create_state_machine_iam_role,
                                create_state_machine, sfn_snapshot, definition,
                                execution_input, verify_execution_description=False):
    arn = create_state_machine_with_iam_role(target_aws_client, create_state_machine_iam_role,
                                             create_state_machine, sfn_snapshot, definition)
    return launch_and_record_execution(target_aws_client, sfn_snapshot, arn, execution_input)


def _out_of_scope(what):
    def fn(*_a, **_k):
        raise OutOfScope(what)
    return fn


class NoSuchJsonPathError(Exception):
    pass


def extract_json(path, data):
    """LocalStack's extract_json: one match gives the value, several a list."""
    matches = jsonpath_parse(path).find(data)
    if not matches:
        if "[*]" in path or ".." in path:
            return []
        raise NoSuchJsonPathError(path)
    if len(matches) > 1:
        return [m.value for m in matches]
    return matches[0].value


UTILS = {
    "await_execution_success": _noop,
    "await_execution_terminated": _noop,
    "await_execution_started": _noop,
    "await_execution_aborted": _noop,
    "await_on_execution_events": _noop,
    "create_state_machine_with_iam_role": create_state_machine_with_iam_role,
    "launch_and_record_execution": launch_and_record_execution,
    "create_and_record_execution": create_and_record_execution,
}
for _name in ("create_and_record_events", "create_and_record_logs", "launch_and_record_logs",
              "create_and_record_mocked_execution", "create_and_record_mocked_sync_execution",
              "create_and_run_mock", "launch_and_record_sync_execution",
              "create_and_record_express_sync_execution",
              "create_and_record_express_async_execution", "record_sqs_events",
              "launch_and_record_mocked_execution", "launch_and_record_mocked_sync_execution",
              "launch_and_record_express_async_execution"):
    UTILS[_name] = _out_of_scope(_name)

_TRANSFORMERS = {"RegexTransformer": RegexTransformer, "JsonpathTransformer": JsonpathTransformer}
OVERRIDES = {
    "localstack_snapshot.snapshots.transformer": _TRANSFORMERS,
    "localstack.testing.snapshots.transformer": _TRANSFORMERS,
    "localstack.testing.pytest.stepfunctions.utils": UTILS,
    "localstack.services.stepfunctions.asl.utils.json_path": {
        "extract_json": extract_json, "NoSuchJsonPathError": NoSuchJsonPathError},
}
