"""The container image does its job (contrib/container/, issue: the image is
built and exercised in CI). Run by tests/run-all.sh's container stage after
contrib/container/build.sh, with the image's name in PW_CONTAINER_IMAGE:

    PW_CONTAINER_IMAGE=aurora-prewarm:ci tests/run-pytest tests/integration/test_container_image.py

Inside the image (buildah, chroot isolation: the host's network, so the
tests' PostgreSQL servers and moto are reachable on 127.0.0.1):
  - what it is: prewarm --version, the non-root user, the OCI labels, every
    shared object resolving and nothing of the build stage left;
  - every plugin loads; every shipped workflow validates;
  - one real `prewarm run` of aurora-replica-prewarm with the config
    mounted read-only and the state directory on a volume: the new reader
    is warmed (its cache, measured on the PostgreSQL side) and then in the
    custom endpoint, as in the host-side e2e test.
"""
import json
import os
import subprocess

import pytest

from fixtures.aurora_sim import (CLUSTER, ENDPOINT, READER, WRITER, AuroraSim, aws_env,  # noqa: F401
                                 create_instance_event, journal, seed_hot_table, sim_moto)
from fixtures.pg_cluster import PgCluster

IMAGE = os.environ.get("PW_CONTAINER_IMAGE")
STORAGE = os.environ.get("PW_BUILDAH_STORAGE", "vfs")
NEW = "app-prod-reader-2"
PLUGINS = ["cloudwatch", "notify", "postgres-warm", "rds", "s3", "secrets", "sqs"]
SHIPPED = ["aurora-replica-prewarm.yaml", "aurora-failover-adjust.yaml", "reconcile.yaml",
           "check-config.yaml", "snapshot-buffers.yaml"]
WF_DIR = "/usr/share/aurora-prewarm/workflows"


def buildah(*args, timeout=300, check=True):
    p = subprocess.run(["buildah", "--storage-driver", STORAGE] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p


@pytest.fixture(scope="module")
def image():
    assert IMAGE, "PW_CONTAINER_IMAGE names the image to test (tests/run-all.sh sets it)"
    info = json.loads(buildah("inspect", "--type", "image", IMAGE).stdout)
    return info


@pytest.fixture(scope="module")
def ctr(image):
    name = buildah("from", "--pull-never", IMAGE).stdout.strip().splitlines()[-1]
    yield name
    buildah("rm", name, check=False)


def inside(ctr, *argv, volumes=(), env=None, timeout=300):
    """Runs argv in the container as the image's user; (rc, stdout, stderr)."""
    args = ["run", "--isolation", "chroot", "--user", "aurora-prewarm"]
    for v in volumes:
        args += ["-v", v]
    for k, v in (env or {}).items():
        args += ["--env", "%s=%s" % (k, v)]
    p = buildah(*(args + [ctr, "--"] + list(argv)), timeout=timeout, check=False)
    return p.returncode, p.stdout, p.stderr


def test_the_image_says_what_it_is(image, ctr):
    cfg = image["Docker"]["config"]
    assert cfg["User"] == "aurora-prewarm"
    labels = cfg["Labels"]
    with open(os.path.join(os.environ["PW_TOP_SRCDIR"], "configure.ac")) as f:
        version = f.read().split("[aurora-prewarm], [", 1)[1].split("]", 1)[0]
    assert labels["org.opencontainers.image.version"] == version
    assert len(labels["org.opencontainers.image.revision"]) == 40
    assert labels["org.opencontainers.image.source"].startswith("https://")
    assert "--check-health" in cfg["Healthcheck"]["Test"]
    rc, out, err = inside(ctr, "prewarm", "--version")
    assert rc == 0 and out.startswith("prewarm %s (plugin ABI" % version), (out, err)
    rc, out, _ = inside(ctr, "id", "-u")
    assert rc == 0 and out.strip() != "0"


def test_only_runtime_parts_are_in_the_image(ctr):
    rc, out, err = inside(ctr, "sh", "-c", "ldd /usr/bin/prewarm /usr/lib/aurora-prewarm/*.so")
    assert rc == 0 and "not found" not in out, out + err
    # Nothing of the build stage: compilers, headers, sources, libtool files.
    rc, out, _ = inside(ctr, "sh", "-c",
                        "ls -d /usr/bin/gcc /usr/bin/cc /usr/bin/make /src /usr/include/json-c "
                        "/usr/include/prewarm /usr/lib/aurora-prewarm/*.la 2>/dev/null; "
                        "dpkg-query -W -f='${Package}\\n' | grep -E -- '-dev$|^gcc-[0-9]+$|^cpp|^binutils|^make$|^autoconf|^libtool$' ; true")
    assert out.strip() == "", out


def test_every_plugin_loads_and_the_shipped_workflows_validate(ctr):
    rc, out, err = inside(ctr, "prewarm", "plugins")
    assert rc == 0, err
    for name in PLUGINS:
        assert name in out, (name, out)
    rc, out, err = inside(ctr, "prewarm", "validate", *["%s/%s" % (WF_DIR, w) for w in SHIPPED])
    assert rc == 0, (out, err)


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=1, shared_buffers="16MB") as c:
        seed_hot_table(c)
        yield c


def cached_hot_blocks(inst):
    return inst.scalar("SELECT count(*) FROM pg_buffercache WHERE relfilenode = "
                       "(SELECT relfilenode FROM pg_class WHERE relname = 'hot')")


def test_a_real_run_warms_the_reader_and_adds_it(ctr, sim_moto, pg, tmp_path):
    sim = AuroraSim(sim_moto, tmp_path)
    sim.create_cluster(pg.password)
    target = pg.standbys[0]
    target.restart()  # a new instance starts with an empty cache
    cold = cached_hot_blocks(target)
    sim.add_instance(NEW)
    sim.lag(NEW, [4.0, 6.5])
    etc = tmp_path / "etc"
    state = tmp_path / "state"
    etc.mkdir()
    state.mkdir()
    hosts = {READER: pg.primary, NEW: target, WRITER: target}
    sim.config(str(etc / "prewarm.json"), hosts)
    (etc / "event.json").write_text(json.dumps(create_instance_event(NEW, event_id="image-run")))
    os.chmod(etc, 0o755)
    for p in etc.iterdir():
        os.chmod(p, 0o644)
    uid = int(inside(ctr, "id", "-u")[1])
    os.chown(state, uid, uid)
    env = aws_env(sim_moto)
    rc, out, err = inside(
        ctr, "prewarm", "run", WF_DIR + "/aurora-replica-prewarm.yaml",
        "--input", "/etc/aurora-prewarm/event.json", "--config", "/etc/aurora-prewarm/prewarm.json",
        "--state-dir", "/var/lib/aurora-prewarm", "--log-format", "json",
        volumes=[str(etc) + ":/etc/aurora-prewarm:ro", str(state) + ":/var/lib/aurora-prewarm"],
        env=env)
    assert rc == 0, (out, err)
    result = json.loads(out)
    assert result["Status"] == "warmed" and result["Strategy"] == ["mirror"], result
    assert sim.members() == sorted([READER, NEW])
    warmed = cached_hot_blocks(target)
    assert cold < 10 and warmed > 300, (cold, warmed, result["Report"])
    events = journal(state, result["Execution"])
    assert events[-1]["type"] == "ExecutionSucceeded"
    assert pg.password not in out + err
