"""A database password with / " \\ ' + % space, given in a conninfo or a
URI to libpq through the engine (`prewarm warm --target`, and a `run`
whose Task takes it from a secret var), appears in no output in any
spelling: right password, wrong password (libpq's error), a connection
string libpq cannot parse (issue 8 item 9)."""
import os
import urllib.parse as up

import pytest

from fixtures.pg_cluster import PASSWORD_USER, PgCluster
from fixtures.prewarm_cli import Cli
from fixtures.secret_spellings import leaks

HARD = 'Pg/p"w\\d+%25 x\'y~*(z)'


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=0) as c:
        c.primary.query("ALTER ROLE %s PASSWORD %%s" % PASSWORD_USER, (HARD,))
        yield c


def quoted(password):
    return "'" + password.replace("\\", "\\\\").replace("'", "\\'") + "'"


def test_a_password_in_a_conninfo_never_leaks(pg, tmp_path):
    port = pg.primary.port
    cli = Cli(tmp_path)
    texts = {}

    def run(name, *args):
        r = cli.run(*args)
        texts[name + " stdout"] = r.stdout.encode()
        texts[name + " stderr"] = r.stderr.encode()
        return r

    conninfo = "host=127.0.0.1 port=%d dbname=postgres user=%s password=%s" % (
        port, PASSWORD_USER, quoted(HARD))
    r = run("warm ok", "warm", "--target", conninfo, "--strategy", "relations",
            "--relations", "pg_class", "--force", "--log-format", "json")
    assert r.returncode == 0, r.stdout + r.stderr  # libpq got the real password

    uri = "postgresql://%s:%s@127.0.0.1:%d/postgres" % (
        PASSWORD_USER, up.quote(HARD + "-wrong", safe=""), port)
    r = run("warm wrong", "warm", "--target", uri, "--strategy", "relations",
            "--relations", "pg_class", "--log-format", "text")
    assert r.returncode == 1 and "password authentication failed" in r.stdout

    r = run("warm broken", "warm", "--target",
            "host=127.0.0.1 password=%s bogus_option=1" % quoted(HARD),
            "--strategy", "relations", "--relations", "pg_class")
    assert r.returncode == 2 and "Postgres.InvalidParameter" in r.stdout

    # Through a workflow: the secret var fills an object-form target.
    wf = cli.workflow({"StartAt": "Stats", "States": {"Stats": {
        "Type": "Task", "Resource": "postgres-warm:CacheStats", "End": True,
        "Parameters": {"target": {"host": "127.0.0.1", "port": port,
                                  "dbname": "postgres", "user": PASSWORD_USER,
                                  "password.$": "$$.Vars.db_password"}}}}})
    r = run("run", "run", wf, "--var", "db_password=" + HARD, "--log-format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    for root, _, files in os.walk(cli.state):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                texts[os.path.join(root, f)] = fh.read()
    assert any(k.endswith(".jsonl") for k in texts)
    assert leaks(HARD, texts) == []
    assert leaks(HARD + "-wrong", texts) == []
