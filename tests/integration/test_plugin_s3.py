"""s3 plugin against moto through plugin-call: listing across pages, the
newest export under a prefix, text bodies, writes, errors."""
import time

import pytest

from fixtures.moto_server import moto_server, plugin_call  # noqa: F401

BUCKET = "prewarm-exports"


@pytest.fixture(scope="module")
def s3(moto_server):
    client = moto_server.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def ok(rc, out, err):
    assert rc == 0, f"exit {rc}: {out} {err}"
    return out


def test_list_follows_continuation_tokens(s3):
    for i in range(7):
        s3.put_object(Bucket=BUCKET, Key=f"many/{i:02d}.txt", Body=b"x")
    out = ok(*plugin_call("s3", "ListObjectsV2",
                          {"Bucket": BUCKET, "Prefix": "many/", "PageSize": 3}))
    assert [o["Key"] for o in out["Contents"]] == [f"many/{i:02d}.txt" for i in range(7)]
    assert out["KeyCount"] == 7 and out["IsTruncated"] is False
    page = ok(*plugin_call("s3", "ListObjectsV2",
                           {"Bucket": BUCKET, "Prefix": "many/", "MaxKeys": 3}))
    assert len(page["Contents"]) == 3 and page["IsTruncated"] is True
    assert page["NextContinuationToken"]
    empty = ok(*plugin_call("s3", "ListObjectsV2", {"Bucket": BUCKET, "Prefix": "none/"}))
    assert empty["Contents"] == []


def test_latest_object_is_the_newest_csv(s3):
    # The newest export sorts first by name: the choice must be by time.
    s3.put_object(Bucket=BUCKET, Key="top/2026-11-25-b.csv", Body=b"old\n")
    time.sleep(1.1)  # S3 LastModified has one-second resolution
    body = 'query,calls\n"SELECT a, b FROM t WHERE x = $1",42\n'
    s3.put_object(Bucket=BUCKET, Key="top/2026-11-25-a.csv", Body=body.encode())
    s3.put_object(Bucket=BUCKET, Key="top/notes.txt", Body=b"not a csv")
    out = ok(*plugin_call("s3", "GetLatestObject",
                          {"Bucket": BUCKET, "Prefix": "top/", "Suffix": ".csv"}))
    assert out["Key"] == "top/2026-11-25-a.csv"
    assert out["Body"] == body
    assert out["LastModified"].endswith("Z")
    meta = ok(*plugin_call("s3", "GetLatestObject", {
        "Bucket": BUCKET, "Prefix": "top/", "Suffix": ".csv", "WithBody": False}))
    assert meta["Key"] == out["Key"] and "Body" not in meta
    rc, err_out, _ = plugin_call("s3", "GetLatestObject",
                                 {"Bucket": BUCKET, "Prefix": "nothing-here/"})
    assert rc == 1 and err_out["Error"] == "S3.NoSuchKey"


def test_put_then_get_round_trips_text(s3):
    text = "line 1\nünïcødé, \"quoted\"\n"
    out = ok(*plugin_call("s3", "PutObject", {"Bucket": BUCKET,
                                              "Key": "reports/run 1.txt", "Body": text}))
    assert out["ETag"]
    assert s3.get_object(Bucket=BUCKET, Key="reports/run 1.txt")["Body"].read().decode() == text
    got = ok(*plugin_call("s3", "GetObject", {"Bucket": BUCKET, "Key": "reports/run 1.txt"}))
    assert got["Body"] == text and got["ContentLength"] == len(text.encode())


def test_put_is_not_done_in_a_dry_run(s3):
    out = ok(*plugin_call("s3", "PutObject", {"Bucket": BUCKET, "Key": "dry.txt",
                                              "Body": "x"}, dry_run=True))
    assert out["DryRun"] is True
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="dry.txt")


def test_errors_are_named(s3):
    rc, out, _ = plugin_call("s3", "GetObject", {"Bucket": BUCKET, "Key": "missing"})
    assert rc == 1 and out["Error"] == "S3.NoSuchKey"
    rc, out, _ = plugin_call("s3", "ListObjectsV2", {"Bucket": "no-such-bucket"})
    assert rc == 1 and out["Error"] == "S3.NoSuchBucket"
    s3.put_object(Bucket=BUCKET, Key="bin", Body=b"\x00\x01")
    rc, out, _ = plugin_call("s3", "GetObject", {"Bucket": BUCKET, "Key": "bin"})
    assert rc == 1 and out["Error"] == "S3.BinaryObject"
