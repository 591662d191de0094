"""cloudwatch plugin against moto through plugin-call."""
import datetime

from fixtures.moto_server import moto_server, plugin_call  # noqa: F401


def ok(rc, out, err):
    assert rc == 0, f"exit {rc}: {out} {err}"
    return out


def test_put_then_get_returns_sorted_typed_datapoints(moto_server):
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    dims = [{"Name": "DBInstanceIdentifier", "Value": "reader-1"}]

    def at(minutes_ago):
        return (now - datetime.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # Newest first, so sorting is the plugin's doing.
    for ago, value in ((1, 30.0), (3, 10.0), (3, 20.0), (5, 5.0)):
        ok(*plugin_call("cloudwatch", "PutMetricData", {
            "Namespace": "AuroraPrewarm",
            "MetricData": [{"MetricName": "WarmSeconds", "Dimensions": dims,
                            "Value": value, "Unit": "Seconds", "Timestamp": at(ago)}]}))
    out = ok(*plugin_call("cloudwatch", "GetMetricStatistics", {
        "Namespace": "AuroraPrewarm", "MetricName": "WarmSeconds", "Dimensions": dims,
        "Period": 60, "Statistics": ["Average", "Maximum", "SampleCount"],
        "LookbackSeconds": 900}))
    points = out["Datapoints"]
    stamps = [p["Timestamp"] for p in points]
    assert stamps == sorted(stamps) and len(points) == 3
    assert [p["Average"] for p in points] == [5.0, 15.0, 30.0]
    assert points[1]["Maximum"] == 20.0 and points[1]["SampleCount"] == 2.0
    assert out["Latest"]["Average"] == 30.0


def test_no_data_is_an_empty_list(moto_server):
    out = ok(*plugin_call("cloudwatch", "GetMetricStatistics", {
        "Namespace": "AWS/RDS", "MetricName": "AuroraReplicaLag",
        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "nobody"}]}))
    assert out["Datapoints"] == [] and "Latest" not in out


def test_put_needs_metric_data(moto_server):
    rc, out, _ = plugin_call("cloudwatch", "PutMetricData",
                             {"Namespace": "X", "MetricData": []})
    assert rc == 1 and out["Error"] == "CloudWatch.InvalidParameter"
