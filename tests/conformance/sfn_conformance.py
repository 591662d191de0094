#!/usr/bin/env python3
"""Run LocalStack's AWS-recorded Step Functions executions through
`prewarm run` and compare each final output, or error and cause, with what
AWS recorded. See README.md in this directory."""
import argparse
import collections
import importlib
import inspect
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ls_stubs  # noqa: E402
import ls_fakes  # noqa: E402
from compare import NOT_COMPARABLE, compare_history, compare_output, same_input  # noqa: E402

V2 = os.path.join("tests", "aws", "services", "stepfunctions", "v2")
# The directory of a test file names its category (language feature).
CATEGORY = {"choice_operators": "choice", "intrinsic_functions": "intrinsic",
            "base": "base", "context_object": "jsonpath", "scenarios": "scenarios",
            "error_handling": "errors", "states_variables": "errors", "comments": "base"}


def param_sets(fn):
    """[(id, kwargs)] for a test function's pytest.mark.parametrize marks;
    id None when it has none (an empty id is "name[]")."""
    sets = [(None, {})]
    for mark in reversed(getattr(fn, "pytestmark", [])):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        ids = mark.kwargs.get("ids")
        expanded = []
        for i, val in enumerate(values):
            pid = None
            if hasattr(val, "values") and hasattr(val, "id") and hasattr(val, "marks"):
                pid, val = val.id, val.values
            elif len(names) == 1:
                val = (val,)
            if pid is None and ids is not None and not callable(ids):
                pid = ids[i]
            if pid is None:
                parts = []
                for n, v in zip(names, val):
                    if isinstance(v, (str, int, float, bool)) or v is None:
                        parts.append(str(v))
                    else:
                        parts.append(f"{n}{i}")
                pid = "-".join(parts)
            expanded.append((str(pid), dict(zip(names, val))))
        sets = [((a + "-" + b) if a is not None else b, {**ka, **kb})
                for a, ka in sets for b, kb in expanded]
    return sets


def is_history(v):
    return (isinstance(v, dict) and isinstance(v.get("events"), list) and v["events"]
            and v["events"][0].get("type") == "ExecutionStarted")


def recorded_count(rkey, rec):
    """How many recorded executions a recorded-content entry holds."""
    if rkey == "cases" and isinstance(rec, list):
        return len(rec)
    return 1 if is_history(rec) else 0


class Report:
    def __init__(self):
        self.rows = []      # (family, category, key, level, detail)
        self.skipped = collections.Counter()

    def add(self, family, category, key, level, detail):
        self.rows.append((family, category, key, level, detail))


def family_category(ex, default):
    if ex is None:
        return "core", default
    kind = ls_fakes.kind_of(ex.definition)
    return (kind or "core"), default


def run_test(fn, kwargs, recorded, runner, key, category, report):
    ctx = ls_fakes.TestContext(recorded)
    fixtures = ls_fakes.make_fixtures(ctx, runner)
    call = {}
    failure = None
    for name in inspect.signature(fn).parameters:
        if name == "self":
            call[name] = None
        elif name in kwargs:
            call[name] = kwargs[name]
        elif name in fixtures:
            call[name] = fixtures[name]
        else:
            failure = ("out", f"fixture {name}")
            break
    if failure is None:
        try:
            fn(**call)
        except ls_fakes.OutOfScope as e:
            failure = ("out", str(e))
        except Exception as e:  # the test's own assertions on our fakes, and such
            failure = ("harness", f"{type(e).__name__}: {e}"[:300])

    seen = set()
    for rkey, ours, rec in ctx.matched:
        seen.add(rkey)
        if isinstance(ours, ls_fakes.History) and is_history(rec):
            ex = ours.execution
            fam, cat = family_category(ex, category)
            level, detail = compare_history(rec, ex, ctx.transform)
            if level == NOT_COMPARABLE:
                report.skipped["recording stops before the execution ends"] += 1
                continue
            report.add(fam, cat, f"{key}::{rkey}", level, detail)
        elif rkey == "cases" and isinstance(rec, list):
            for i, case in enumerate(rec):
                ex = ctx.executions[i] if i < len(ctx.executions) else None
                fam, cat = family_category(ex, category)
                if ex is None or i >= len(ours):
                    report.add(fam, cat, f"{key}::cases[{i}]", None, "not run")
                    continue
                if "input" in case and not same_input(case["input"], ex.input_text):
                    level, detail = None, "pairing: AWS's input is not the run's"
                elif ex.refused:
                    level, detail = None, f"prewarm refused or crashed: {ex.refused}"
                elif not ex.ok:
                    level, detail = None, f"prewarm failed: {ex.error}: {ex.cause}"
                else:
                    level, detail = compare_output(case.get("output"), ex.output, None, ex.ids)
                report.add(fam, cat, f"{key}::cases[{i}]", level, detail)
    # Recorded executions this run never reached.
    for rkey, rec in recorded.items():
        if rkey in seen:
            continue
        n = recorded_count(rkey, rec)
        if not n:
            continue
        if failure and failure[0] == "out":
            report.skipped[failure[1]] += n
        else:
            why = failure[1] if failure else "no execution reached this recording"
            for i in range(n):
                report.add("core", category, f"{key}::{rkey}", None, f"not run: {why}")


def test_functions(module):
    for cname, cls in inspect.getmembers(module, inspect.isclass):
        if cname.startswith("Test") and cls.__module__ == module.__name__:
            for fname, fn in cls.__dict__.items():
                if fname.startswith("test_") and callable(fn):
                    yield f"{cname}::{fname}", fn
    for fname, fn in inspect.getmembers(module, inspect.isfunction):
        if fname.startswith("test_") and fn.__module__ == module.__name__:
            yield fname, fn


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--localstack", required=True,
                    help="a checkout of github.com/localstack/localstack")
    ap.add_argument("--prewarm", default="build/plain/prewarm", help="the prewarm binary")
    ap.add_argument("--only", default="", help="run test ids containing this text")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every difference")
    ap.add_argument("--list", action="store_true", help="print every compared execution")
    ap.add_argument("--family", choices=("core", "map-parallel", "variables", "jsonata"),
                    help="report only this family")
    ap.add_argument("--jsonata", action="store_true",
                    help="also run the JSONata definitions (family jsonata)")
    args = ap.parse_args()

    root = os.path.abspath(args.localstack)
    if not os.path.isdir(os.path.join(root, V2)):
        sys.exit(f"{root}: no {V2} (give a localstack checkout)")
    prewarm = os.path.abspath(args.prewarm)
    if not os.access(prewarm, os.X_OK):
        sys.exit(f"{prewarm}: not an executable prewarm")
    ls_fakes.INCLUDE_JSONATA = args.jsonata
    ls_stubs.install(ls_fakes.OVERRIDES)
    sys.path.insert(0, root)

    report = Report()
    with tempfile.TemporaryDirectory(prefix="sfn-conformance-") as work:
        runner = ls_fakes.PrewarmRunner(prewarm, work)
        for dirpath, _, files in sorted(os.walk(os.path.join(root, V2))):
            for f in sorted(files):
                if not (f.startswith("test_") and f.endswith(".py")):
                    continue
                path = os.path.join(dirpath, f)
                snap_path = path[:-3] + ".snapshot.json"
                if not os.path.exists(snap_path):
                    continue
                rel = os.path.relpath(path, root)
                category = CATEGORY.get(os.path.basename(dirpath), os.path.basename(dirpath))
                with open(snap_path) as sf:
                    snapshot = json.load(sf)
                try:
                    module = importlib.import_module(rel[:-3].replace(os.sep, "."))
                except Exception as e:  # needs a module of LocalStack's we do not stub
                    why = f"test file does not import here ({type(e).__name__})"
                    for entry in snapshot.values():
                        for rkey, rec in (entry.get("recorded-content") or {}).items():
                            report.skipped[why] += recorded_count(rkey, rec)
                    continue
                visited = set()
                for tname, fn in test_functions(module):
                    for pid, kwargs in param_sets(fn):
                        key = f"{rel}::{tname}" + (f"[{pid}]" if pid is not None else "")
                        visited.add(key)
                        if args.only and args.only not in key:
                            continue
                        rec = (snapshot.get(key) or {}).get("recorded-content")
                        if rec:
                            run_test(fn, kwargs, rec, runner, key, category, report)
                # Recorded entries no test (or parameter id) of the file names.
                for key, entry in snapshot.items():
                    if key not in visited and not (args.only and args.only not in key):
                        for rkey, rec in (entry.get("recorded-content") or {}).items():
                            report.skipped["stale: no test of that name any more"] += \
                                recorded_count(rkey, rec)
    return print_report(report, args)


def print_report(report, args):
    fams = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for fam, cat, key, level, detail in report.rows:
        if args.family and fam != args.family:
            continue
        c = fams[fam][cat]
        c["total"] += 1
        c[level or "differ"] += 1
        if args.list or (args.verbose and level != "exact"):
            print(f"{(level or 'DIFFER'):6} [{fam}] {key}" + (f"\n       {detail}" if detail else ""))
    print()
    print(f"{'family':13} {'category':11} {'exact':>6} {'prefix':>6} {'differ':>6} {'total':>6}")
    summary = {}
    for fam in sorted(fams, key=lambda f: (f != "core", f)):
        t = collections.Counter()
        for cat in sorted(fams[fam]):
            c = fams[fam][cat]
            t.update(c)
            print(f"{fam:13} {cat:11} {c['exact']:6} {c['prefix']:6} {c['differ']:6} "
                  f"{c['total']:6}")
        summary[fam] = t
        print(f"{fam:13} {'ALL':11} {t['exact']:6} {t['prefix']:6} {t['differ']:6} "
              f"{t['total']:6}")
    print()
    for fam, t in summary.items():
        print(f"TOTAL ({fam}): {t['exact'] + t['prefix']}/{t['total']} match "
              f"({t['exact']} exactly, {t['prefix']} with the same error and the cause "
              f"equal up to AWS's state/event prefix)")
    print("not comparable (left out):")
    for why, n in report.skipped.most_common():
        print(f"  {n:5}  {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
