"""Import stand-ins for LocalStack's test modules, so that its Step Functions
test functions can be called without LocalStack: every `localstack.*` and
`localstack_snapshot.*` name is a permissive stub, except the helpers that
start executions, which are routed to the fake client (ls_fakes.py)."""
import importlib.abc
import importlib.machinery
import sys
import types
import uuid

import json5lite


class Stub:
    """Any attribute, call, decorator or iteration; used as a decorator
    (called with one function or class) it returns what it decorates."""

    def __init__(self, name="stub"):
        self._name = name

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Stub(f"{self._name}.{name}")

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and (callable(args[0]) or isinstance(args[0], type)):
            return args[0]
        return Stub(self._name + "()")

    def __iter__(self):
        return iter(())

    def __or__(self, other):      # type annotations such as `Stub | None`
        return self

    __ror__ = __or__

    def __mro_entries__(self, bases):
        return (object,)

    def __repr__(self):
        return f"<{self._name}>"


class StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Stub(f"{self.__name__}.{name}")


OVERRIDES = {}   # module name -> {attribute: value}


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    PREFIXES = ("localstack", "localstack_snapshot", "json5", "rolo", "aws_cdk")

    def find_spec(self, fullname, path, target=None):
        top = fullname.split(".")[0]
        if top in self.PREFIXES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        if spec.name == "json5":
            return json5lite
        mod = StubModule(spec.name)
        mod.__path__ = []
        mod.__dict__.update(OVERRIDES.get(spec.name, {}))
        return mod

    def exec_module(self, module):
        pass


def install(overrides):
    OVERRIDES.update(overrides)
    OVERRIDES.setdefault("localstack.utils.strings", {})["short_uid"] = \
        lambda: uuid.uuid4().hex[:8]
    OVERRIDES.setdefault("localstack.testing.aws.util", {})["is_aws_cloud"] = lambda: True
    sys.meta_path.insert(0, _Finder())
