"""secrets plugin against moto: RDS-style credentials parsed and redacted."""
import json

import pytest

from fixtures.moto_server import moto_server, plugin_call  # noqa: F401

PASSWORD = "Sup3r-s3cret-pa55word"


@pytest.fixture(scope="module")
def secret(moto_server):
    sm = moto_server.client("secretsmanager")
    sm.create_secret(Name="prod/aurora/app", SecretString=json.dumps({
        "username": "app", "password": PASSWORD, "engine": "postgres",
        "host": "aurora-pg.cluster-xyz.us-east-1.rds.amazonaws.com",
        "port": "5432", "dbname": "shop"}))
    sm.create_secret(Name="plain", SecretString="just-a-token-value")
    return "prod/aurora/app"


def test_rds_credentials_are_parsed(secret):
    rc, user, err = plugin_call("secrets", "GetSecretValue", {"SecretId": secret},
                                get="Credentials.username")
    assert rc == 0, err
    assert user == "app"
    _, port, _ = plugin_call("secrets", "GetSecretValue", {"SecretId": secret},
                             get="Credentials.port")
    assert port == 5432
    _, dbname, _ = plugin_call("secrets", "GetSecretValue", {"SecretId": secret},
                               get="Credentials.dbname")
    assert dbname == "shop"


def test_password_and_secret_string_are_registered_as_secrets(secret):
    rc, out, err = plugin_call("secrets", "GetSecretValue", {"SecretId": secret})
    assert rc == 0, err
    assert out["Name"] == secret
    # Printed JSON escapes the SecretString's quotes, so the password
    # (registered on its own) is what redaction catches there.
    assert PASSWORD not in out["SecretString"] and '"password": "***"' in out["SecretString"]
    _, pw, _ = plugin_call("secrets", "GetSecretValue", {"SecretId": secret},
                           get="Credentials.password")
    assert pw == "***"
    assert PASSWORD not in json.dumps(out) + err


def test_plain_secret_has_no_credentials(secret):
    rc, out, _ = plugin_call("secrets", "GetSecretValue", {"SecretId": "plain"})
    assert rc == 0 and "Credentials" not in out and out["SecretString"] == "***"


def test_unknown_secret_is_a_named_error(secret):
    rc, out, _ = plugin_call("secrets", "GetSecretValue", {"SecretId": "nope"})
    assert rc == 1 and out["Error"].startswith("SecretsManager.ResourceNotFound")
