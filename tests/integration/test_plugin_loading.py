"""Plugin names and plugin loading (issue 8, items 1 and 2), through the
built `prewarm`: a plugin name that is a path never reaches dlopen (the
evil test plugin's constructor writes a marker file if it ever runs),
relative and untrusted plugin directories are refused with the setting that
named them, and a malformed descriptor is refused without a crash."""
import json
import os
import shutil
import stat

import pytest

from fixtures.prewarm_cli import build_dir, cli  # noqa: F401

BAD_DIR = os.path.join(build_dir(), "tests", "badplugins", ".libs")
EVIL_FORMS = [
    "../../badplugins/.libs/evil:Act",
    "../../../../../../../../../../../.." + BAD_DIR + "/evil:Act",
    "arn:aws:states:::aws-sdk:../../badplugins/.libs/evil:act",
    "arn:aws:states:::../../badplugins/.libs/evil:act",
]


@pytest.fixture
def evil(cli):
    marker = cli.tmp / "evil-ran"
    cli.env["PW_EVIL_MARKER"] = str(marker)
    yield marker
    assert not marker.exists(), "the evil plugin's constructor ran"


def task(resource):
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource,
                                            "TimeoutSeconds": 5, "End": True}}}


@pytest.mark.parametrize("resource", EVIL_FORMS, ids=range(len(EVIL_FORMS)))
def test_validate_and_run_refuse_a_path_as_plugin_name(cli, evil, resource):
    # One key per line, so the error's line:column points at the Resource.
    wf = cli.write("wf.json", json.dumps(task(resource), indent=1))
    r = cli.run("validate", wf)
    assert r.returncode == 2, r
    line = [ln for ln in r.stderr.splitlines() if "is not a plugin name" in ln]
    assert line and line[0].startswith(wf + ":6:"), r.stderr
    assert not evil.exists()
    r = cli.run("run", wf)
    assert r.returncode == 2 and r.stdout == "", r
    assert "is not a plugin name" in r.stderr


def test_lua_prewarm_call_cannot_name_a_path(cli, evil):
    (cli.tmp / "step.lua").write_text(
        "local ok, e = pcall(prewarm.call, %s, {})\n"
        "assert(not ok)\n"
        "error(e)\n" % json.dumps(EVIL_FORMS[0]))
    wf = cli.workflow(task("lua:step.lua"))
    r = cli.run("run", wf)
    assert r.returncode == 1, r
    out = json.loads(r.stdout)
    assert "is not a plugin name" in out["Cause"], out
    # every other form, straight through prewarm.call
    for form in EVIL_FORMS[1:]:
        (cli.tmp / "step.lua").write_text("return prewarm.call(%s, {})\n" % json.dumps(form))
        r = cli.run("run", wf)
        assert r.returncode == 1 and "is not a plugin name" in r.stdout, (form, r)


def test_resource_map_to_a_path_is_a_config_error(cli, evil):
    cfg = cli.write("config.yaml", "vars: {}\nresource_map:\n"
                    "  arn:aws:lambda:eu-west-1:1:function:f: ../../badplugins/.libs/evil:Act\n")
    wf = cli.workflow(task("arn:aws:lambda:eu-west-1:1:function:f"))
    r = cli.run("validate", wf, "--config", cfg)
    assert r.returncode == 2, r
    assert r.stderr.startswith(cfg + ":3:") and "is not a plugin name" in r.stderr, r.stderr


def test_relative_plugin_path_entries_are_errors(cli):
    wf = cli.workflow(task("counter:Echo"))
    cli.env["PREWARM_PLUGIN_PATH"] += ":tests/plugins/.libs"
    r = cli.run("validate", wf)
    assert r.returncode == 2, r
    assert "PREWARM_PLUGIN_PATH: entry 'tests/plugins/.libs' is a relative path" in r.stderr
    r = cli.run("validate", wf, "--plugin-path", "plugins")
    assert r.returncode == 2 and "--plugin-path" in r.stderr and "relative" in r.stderr, r
    cfg = cli.write("config.yaml", "log_format: text\nplugin_path:\n  - /usr/lib\n  - ./plugins\n")
    r = cli.run("validate", wf, "--config", cfg)
    assert r.returncode == 2, r
    assert r.stderr.startswith(cfg + ":4:") and "'./plugins' is a relative path" in r.stderr


def copy_plugin_dir(cli, name, mode):
    d = cli.tmp / name
    d.mkdir()
    shutil.copy(os.path.join(build_dir(), "tests", "plugins", ".libs", "counter.so"), d)
    os.chmod(d / "counter.so", 0o755)
    os.chmod(d, mode)
    return d


def test_writable_plugin_dirs_are_refused(cli):
    wf = cli.workflow(task("counter:Echo"))
    d = copy_plugin_dir(cli, "gw", 0o775)
    r = cli.run("run", wf, "--plugin-path", str(d))
    assert r.returncode == 2 and r.stdout == "", r
    assert f"{d} is group-writable" in r.stderr and "--plugin-path" in r.stderr, r.stderr
    os.chmod(d, 0o755)
    os.chmod(d / "counter.so", 0o757)
    r = cli.run("run", wf, "--plugin-path", str(d))
    assert r.returncode == 2 and "counter.so is world-writable" in r.stderr, r
    os.chmod(d / "counter.so", 0o755)
    r = cli.run("run", wf, "--plugin-path", str(d))
    assert r.returncode == 0, r


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory away")
def test_plugin_dir_owned_by_another_user_is_refused(cli):
    wf = cli.workflow(task("counter:Echo"))
    d = copy_plugin_dir(cli, "theirs", 0o755)
    os.chown(d, 4242, 4242)
    cli.env["PREWARM_PLUGIN_PATH"] = str(d)
    r = cli.run("run", wf)
    assert r.returncode == 2, r
    assert f"{d} is owned by uid 4242" in r.stderr and "PREWARM_PLUGIN_PATH" in r.stderr


@pytest.mark.parametrize("defect", ["null-name", "null-help", "bad-flags", "duplicate"])
def test_malformed_plugin_is_refused_not_a_crash(cli, defect):
    d = cli.tmp / "bad"
    d.mkdir()
    shutil.copy(os.path.join(BAD_DIR, "malformed.so"), d)
    cli.env["PREWARM_PLUGIN_PATH"] = str(d)
    cli.env["PW_MALFORMED"] = defect
    r = cli.run("plugins")
    assert r.returncode == 0, r
    assert "refused:" in r.stderr and "malformed.so: plugin malformed: " in r.stderr, r
    r = cli.run("run", cli.workflow(task("malformed:Act")))
    assert r.returncode == 2, r
    assert "malformed.so: plugin malformed: " in r.stderr, r.stderr
